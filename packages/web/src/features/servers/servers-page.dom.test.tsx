// @vitest-environment jsdom
import type { MeResponse, ServerProcess } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../auth/session';
import { clusterQueries } from './queries';
import { ServersPage } from './servers-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const server = (over: Partial<ServerProcess> = {}): ServerProcess => ({
  id: 'host-a.0',
  host: 'ums-a',
  pid: 4242,
  worker: 0,
  version: '0.3.0',
  database: 'postgres://db.example.com/openums',
  addresses: ['10.0.0.5'],
  port: 8443,
  startedAt: new Date(Date.now() - 3_600_000).toISOString(),
  lastBeat: new Date().toISOString(),
  status: 'running',
  devicesConnected: 12,
  clockOffsetMs: 15,
  self: false,
  ...over,
});

function renderPage(servers: ServerProcess[], role = 'superuser') {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity, refetchInterval: false } } });
  queryClient.setQueryData<MeResponse>(sessionQueryKey, { user: { id: 1, username: 'admin', role }, csrfToken: 'c' });
  queryClient.setQueryData(clusterQueries.servers, { items: servers });
  queryClient.setQueryData(clusterQueries.settings, { clusterAddress: null, enrollmentAddress: null });
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <ServersPage />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return queryClient;
}

const row = (id: string) => screen.getAllByTestId('server-row').find((r) => r.dataset.serverId === id)!;

describe('ServersPage', () => {
  it('lists running servers before dead ones, marks this server, and offers Remove only on dead entries', () => {
    renderPage([
      server({ id: 'b.0', host: 'ums-b', status: 'dead', devicesConnected: 0 }),
      server({ id: 'a.0', self: true }),
      server({ id: 'a.1', worker: 1, devicesConnected: 3 }),
    ]);
    expect(screen.getAllByTestId('server-row').map((r) => r.dataset.serverId)).toEqual(['a.0', 'a.1', 'b.0']);
    expect(within(row('a.0')).getByTestId('self-marker').textContent).toBe('This server');
    expect(within(row('a.1')).queryByTestId('self-marker')).toBeNull();
    expect(within(row('a.0')).getByTestId('server-status').textContent).toBe('Running');
    expect(within(row('b.0')).getByTestId('server-status').textContent).toBe('Dead');

    expect(within(row('a.0')).queryByRole('button', { name: /Remove/ })).toBeNull();
    expect(within(row('a.1')).queryByRole('button', { name: /Remove/ })).toBeNull();
    expect(within(row('b.0')).getByRole('button', { name: 'Remove ums-b (worker 0)' })).toBeTruthy();
    expect(screen.getByTestId('cluster-summary').textContent).toBe('2 running · 1 dead · 15 devices connected');
    expect(screen.queryByTestId('cluster-warning')).toBeNull();
  });

  it('removes a dead entry after confirmation', async () => {
    const running = server({ id: 'a.0', self: true });
    // DELETE answers 204; the list fetched afterwards no longer has the entry.
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) =>
      init?.method === 'DELETE' ? new Response(null, { status: 204 }) : Response.json({ items: [running] }),
    );
    vi.stubGlobal('fetch', fetchMock);
    renderPage([running, server({ id: 'b.0', host: 'ums-b', status: 'dead' })]);

    fireEvent.click(within(row('b.0')).getByRole('button', { name: 'Remove ums-b (worker 0)' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove server entry' });
    expect(fetchMock).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.getAllByTestId('server-row').map((r) => r.dataset.serverId)).toEqual(['a.0']));
    expect(fetchMock.mock.calls[0]).toEqual(['/api/v1/servers/b.0', expect.objectContaining({ method: 'DELETE' })]);
  });

  it('keeps an entry that is running again and says so', async () => {
    const body = { error: { code: 'SERVER_RUNNING', message: 'Server b.0 is running; only dead entries can be removed' } };
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init?: RequestInit) =>
        init?.method === 'DELETE' ? Response.json(body, { status: 409 }) : Response.json({ items: [server({ id: 'b.0', host: 'ums-b' })] }),
      ),
    );
    renderPage([server({ id: 'a.0', self: true }), server({ id: 'b.0', host: 'ums-b', status: 'dead' })]);
    fireEvent.click(within(row('b.0')).getByRole('button', { name: 'Remove ums-b (worker 0)' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Remove server entry' })).getByRole('button', { name: 'Remove' }));
    expect((await screen.findByTestId('error-alert')).textContent).toContain('ums-b (worker 0) is running again, so it was not removed.');
    await waitFor(() => expect(within(row('b.0')).getByTestId('server-status').textContent).toBe('Running'));
  });

  it('offers no Remove to a viewer', () => {
    renderPage([server({ id: 'b.0', status: 'dead' })], 'viewer');
    expect(within(row('b.0')).queryByRole('button', { name: /Remove/ })).toBeNull();
  });

  it('warns when running servers run different versions', () => {
    renderPage([server({ id: 'a.0' }), server({ id: 'b.0', host: 'ums-b', version: '0.4.0' })]);
    const warning = screen.getByTestId('cluster-warning');
    expect(warning.textContent).toContain('different versions');
    expect(warning.textContent).toContain('0.4.0 on ums-b');
  });

  it('warns when clocks differ by more than a minute and highlights the server that is off', () => {
    renderPage([server({ id: 'a.0', clockOffsetMs: 200 }), server({ id: 'b.0', host: 'ums-b', clockOffsetMs: 95_000 })]);
    expect(screen.getByTestId('cluster-warning').textContent).toContain('The clocks of the servers differ by 1 min 35 s');
    expect(within(row('b.0')).getByTestId('clock-offset').dataset.clockOff).toBe('true');
    expect(within(row('b.0')).getByTestId('clock-offset').textContent).toBe('+1 min 35 s');
    expect(within(row('a.0')).getByTestId('clock-offset').dataset.clockOff).toBeUndefined();
  });

  it('does not warn about a dead server that ran another version', () => {
    renderPage([server({ id: 'a.0' }), server({ id: 'b.0', host: 'ums-b', version: '0.1.0', clockOffsetMs: 500_000, status: 'dead' })]);
    expect(screen.queryByTestId('cluster-warning')).toBeNull();
  });
});
