// @vitest-environment jsdom
import type { LoggingSettings } from '@openums/protocol';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoggingPage } from './logging-page';
import { renderWithProviders, stubApi } from './test-helpers';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('LoggingPage', () => {
  it('sends the default level and only the areas that have their own', async () => {
    const stored: LoggingSettings = { level: 'info', areas: { gateway: 'debug' } };
    const calls = stubApi({
      'GET /api/v1/settings/logging': stored,
      'PUT /api/v1/settings/logging': (_url: URL, init: RequestInit | undefined) => Response.json(JSON.parse(String(init?.body))),
    });
    renderWithProviders(<LoggingPage />);
    const gateway = await screen.findByRole('combobox', { name: 'Gateway' });
    expect((gateway as HTMLInputElement).value).toBe('debug');
    // Gateway back to the default, Commands to trace.
    fireEvent.click(gateway);
    fireEvent.click(await screen.findByRole('option', { name: 'default (info)' }));
    fireEvent.click(screen.getByRole('combobox', { name: 'Commands' }));
    fireEvent.click(await screen.findByRole('option', { name: 'trace' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ level: 'info', areas: { commands: 'trace' } }));
  });
});
