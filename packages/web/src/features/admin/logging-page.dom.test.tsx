// @vitest-environment jsdom
import type { LoggingSettings } from '@openums/protocol';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
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

describe('LoggingPage: support information', () => {
  it('downloads the archive under the name the server gives, and shows a refusal', async () => {
    let allowed = true;
    stubApi({
      'GET /api/v1/settings/logging': { level: 'info', areas: {} },
      'GET /api/v1/support-info': () =>
        allowed
          ? new Response(new Uint8Array([0x1f, 0x8b, 8, 0]), {
              headers: {
                'content-type': 'application/gzip',
                'content-disposition': 'attachment; filename="openums-support-2026-12-02-21-00-00.tar.gz"',
              },
            })
          : Response.json({ error: { code: 'FORBIDDEN', message: 'The general right loggingAndAudit is required' } }, { status: 403 }),
    });
    const created: Blob[] = [];
    // jsdom has no blob URLs: the page's link gets a stand-in.
    URL.createObjectURL = (b: Blob) => (created.push(b), 'blob:x');
    URL.revokeObjectURL = () => undefined;
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    renderWithProviders(<LoggingPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Download support information' }));
    await waitFor(() => expect(clicked).toEqual(['openums-support-2026-12-02-21-00-00.tar.gz']));
    expect(created[0]!.size).toBe(4);
    allowed = false;
    fireEvent.click(screen.getByRole('button', { name: 'Download support information' }));
    expect(await screen.findByText('The general right loggingAndAudit is required')).toBeTruthy();
    click.mockRestore();
  });
});

describe('LoggingPage: retentions', () => {
  it('shows the job history and communication log retentions and saves a change of one', async () => {
    const calls = stubApi({
      'GET /api/v1/settings/logging': { level: 'info', areas: {} },
      'GET /api/v1/settings/jobs': { historyDays: 30 },
      'PUT /api/v1/settings/jobs': (_url: URL, init: RequestInit | undefined) => Response.json(JSON.parse(String(init?.body))),
      'GET /api/v1/settings/device-comm-log': { retentionDays: 7 },
    });
    renderWithProviders(<LoggingPage />);
    const jobs = await screen.findByRole('textbox', { name: /Keep finished job runs for/ });
    await waitFor(() => expect((jobs as HTMLInputElement).value).toBe('30'));
    const comm = screen.getByRole('textbox', { name: /Keep entries for/ });
    expect((comm as HTMLInputElement).value).toBe('7');
    fireEvent.change(jobs, { target: { value: '10' } });
    expect(await screen.findByText('Finished job runs older than 10 days will be deleted within the hour.')).toBeTruthy();
    const card = screen.getByTestId('job-history-retention');
    fireEvent.click(within(card).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ historyDays: 10 }));
    // Out of range: refused before it is sent.
    fireEvent.change(comm, { target: { value: '400' } });
    expect(await screen.findByText('Between 1 and 365 days')).toBeTruthy();
    expect(within(screen.getByTestId('comm-log-retention')).getByRole('button', { name: 'Save' })).toHaveProperty('disabled', true);
  });
});
