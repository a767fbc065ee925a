// @vitest-environment jsdom
import type { CommLogPage } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MyRightsCheck } from '../access/use-my-rights';
import { CommLogPanel, formatBytes } from './comm-log-panel';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const PAGE: CommLogPage = {
  enabled: true,
  payload: true,
  since: '2026-12-02T10:00:00.000Z',
  items: [
    {
      id: 9,
      at: '2026-12-02T10:05:00.000Z',
      direction: 'in',
      type: 'result',
      size: 48,
      payload: '{"t":"result","id":4,"ok":true}',
      truncated: false,
    },
    {
      id: 8,
      at: '2026-12-02T10:04:59.000Z',
      direction: 'out',
      type: 'settings',
      size: 9000,
      payload: '{"t":"settings","settings":{"a',
      truncated: true,
    },
    { id: 7, at: '2026-12-02T10:04:00.000Z', direction: 'in', type: 'heartbeat', size: 30 },
  ],
  nextCursor: 'next-1',
};
const OLDER: CommLogPage = {
  ...PAGE,
  items: [{ id: 3, at: '2026-12-02T10:00:01.000Z', direction: 'in', type: 'hello', size: 400 }],
  nextCursor: null,
};

const rights = (write: boolean): MyRightsCheck => ({
  can: (r) => (r === 'write' ? write : true),
  canAny: () => true,
  missing: (r) => (r === 'write' && !write ? 'The write right is required' : undefined),
  loading: false,
});

function mockServer() {
  const calls: Array<{ method: string; url: string; body: unknown }> = [];
  let state = { ...PAGE };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, url, body });
      const json = (status: number, data: unknown) =>
        new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
      if (!url.startsWith('/api/v1/devices/5/comm-log')) return json(404, {});
      if (method === 'PUT') {
        state = { ...state, enabled: body.enabled, payload: body.payload };
        return json(200, { enabled: body.enabled, payload: body.payload, since: state.since });
      }
      if (method === 'DELETE') {
        state = { ...state, items: [], nextCursor: null };
        return json(200, { deleted: 3 });
      }
      return json(200, url.includes('cursor=next-1') ? OLDER : state);
    }),
  );
  return calls;
}

function renderPanel(write: boolean) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <CommLogPanel deviceId={5} rights={rights(write)} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('communication log panel', () => {
  it('lists entries newest first, opens a payload, loads older entries, switches and clears', async () => {
    const calls = mockServer();
    renderPanel(true);
    expect(await screen.findAllByTestId('comm-log-row')).toHaveLength(3);
    expect(screen.getByTestId('comm-log-status').textContent).toContain('with payloads');
    // Type and size only: no button to open.
    expect(screen.queryByLabelText('Payload of heartbeat')).toBeNull();
    fireEvent.click(screen.getByLabelText('Payload of result'));
    expect(screen.getByTestId('comm-log-payload').textContent).toBe('{\n  "t": "result",\n  "id": 4,\n  "ok": true\n}');
    fireEvent.click(screen.getByLabelText('Payload of settings'));
    expect(screen.getByText(/Cut at 8 KiB \(the message had 8\.8 KiB\)/)).toBeTruthy();
    expect(screen.getByText('8.8 KiB')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Older entries' }));
    await waitFor(() => expect(screen.getAllByTestId('comm-log-row')).toHaveLength(4));
    expect(calls.some((c) => c.url.includes('cursor=next-1'))).toBe(true);

    fireEvent.click(screen.getByLabelText('Include payloads'));
    await waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ enabled: true, payload: false }));
    const on = screen.getByLabelText('Log communication') as HTMLInputElement;
    await waitFor(() => expect(screen.getByTestId('comm-log-status').textContent).toContain('types and sizes only'));
    await waitFor(() => expect(on.disabled).toBe(false));
    fireEvent.click(on);
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT')[1]?.body).toEqual({ enabled: false, payload: false }));
    await waitFor(() => expect(screen.getByTestId('comm-log-status').textContent).toContain('Off: nothing is recorded.'));

    fireEvent.click(screen.getByRole('button', { name: 'Clear log' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Clear log' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE')).toBe(true));
    expect(await screen.findByTestId('comm-log-empty')).toBeTruthy();
  });

  it('shows the switches disabled without write', async () => {
    mockServer();
    renderPanel(false);
    await screen.findAllByTestId('comm-log-row');
    expect((screen.getByLabelText('Log communication') as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByLabelText('Include payloads') as HTMLInputElement).disabled).toBe(true);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(8192)).toBe('8.0 KiB');
  });
});
