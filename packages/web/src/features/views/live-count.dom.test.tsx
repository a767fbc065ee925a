// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ViewEditor } from './view-editor';

interface Call {
  body: { criteria: { and: { value?: unknown }[] } };
  signal: AbortSignal;
  respond: (status: number, data: unknown) => void;
}

/** The server: evaluate calls wait until the test answers them; other calls answer at once. */
function mockServer() {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init: RequestInit) => {
      const json = (status: number, data: unknown) =>
        new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
      if (url === '/api/v1/views/evaluate') {
        return new Promise<Response>((resolve, reject) => {
          const signal = init.signal!;
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
          calls.push({ body: JSON.parse(String(init.body)), signal, respond: (s, d) => resolve(json(s, d)) });
        });
      }
      if (url.startsWith('/api/v1/device-attributes')) return Promise.resolve(json(200, { items: [] }));
      return Promise.resolve(json(200, { items: [], nextCursor: null }));
    }),
  );
  return calls;
}

function renderEditor() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(
    [{ path: '*', element: <ViewEditor viewId={null} folder="root" onSaved={() => {}} onDeleted={() => {}} onDirtyChange={() => {}} /> }],
    { initialEntries: ['/views/new'] },
  );
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const valueOf = (call: Call) => call.body.criteria.and[0]!.value;
/** The machine is shared: allow for slow renders. */
const slow = { timeout: 5000 };
const page = (count: number) => ({ count, items: [], nextCursor: null });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('live count', () => {
  it('counts once typing pauses, and aborts a request the next criteria made stale', async () => {
    const calls = mockServer();
    renderEditor();
    const input = await screen.findByRole('textbox', { name: 'Value' }, slow);
    // An empty value is not sent: a hint, no request.
    expect(await screen.findByTestId('criterion-hint', {}, slow)).toBeTruthy();
    fireEvent.change(input, { target: { value: 'k' } });
    fireEvent.change(input, { target: { value: 'ki' } });
    fireEvent.change(input, { target: { value: 'kio' } });
    await waitFor(() => expect(calls).toHaveLength(1), slow);
    expect(valueOf(calls[0]!)).toBe('kio');

    // The answer for "kio" is still out when the criteria change: that request is cancelled.
    fireEvent.change(input, { target: { value: 'kiosk' } });
    await waitFor(() => expect(calls).toHaveLength(2), slow);
    expect(valueOf(calls[1]!)).toBe('kiosk');
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[1]!.respond(200, page(1234));
    expect((await screen.findByTestId('live-count', {}, slow)).textContent).toBe('1,234 devices match');
  });

  it("shows the server's refusal at the criterion its field path names", async () => {
    const calls = mockServer();
    renderEditor();
    fireEvent.change(await screen.findByRole('textbox', { name: 'Value' }, slow), { target: { value: 'x' } });
    await waitFor(() => expect(calls).toHaveLength(1), slow);
    calls[0]!.respond(400, {
      error: {
        code: 'VIEW_CRITERIA_INVALID',
        message: 'body.criteria.and.0.value is refused by the server',
        details: { field: 'body.criteria.and.0.value' },
      },
    });
    const row = screen.getAllByTestId('criterion-row')[0]!;
    expect((await within(row).findByTestId('criterion-error', {}, slow)).textContent).toBe('Value is refused by the server');
    expect(screen.getByTestId('live-count-error').textContent).toContain('Complete or fix the marked criterion');
  });
});
