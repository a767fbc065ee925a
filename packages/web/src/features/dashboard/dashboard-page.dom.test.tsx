// @vitest-environment jsdom
import type { CheckStatusResponse, DeviceSummary, ServerProcess } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clusterQueries } from '../servers/queries';
import { DashboardPage } from './dashboard-page';
import { dashboardQueries } from './queries';

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

interface Seed {
  servers?: ServerProcess[];
  check?: CheckStatusResponse;
  devices?: DeviceSummary;
}

function renderPage(seed: Seed) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity, refetchInterval: false } } });
  if (seed.servers) queryClient.setQueryData(clusterQueries.servers, { items: seed.servers });
  if (seed.check) queryClient.setQueryData(dashboardQueries.checkStatus, seed.check);
  if (seed.devices) queryClient.setQueryData(dashboardQueries.deviceSummary, seed.devices);
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter>
          <DashboardPage />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const cluster = () => screen.getByTestId('dashboard-cluster');

describe('DashboardPage', () => {
  it('shows the cluster state, the servers and the devices online, with links to both pages', () => {
    renderPage({
      servers: [server({ id: 'a.0' }), server({ id: 'a.1', worker: 1 })],
      check: { status: 'ok' },
      devices: { total: 1250, online: 1000 },
    });
    expect(within(cluster()).getByTestId('cluster-state').textContent).toBe('OK');
    expect(screen.getByTestId('dashboard-servers').textContent).toBe('2 servers running');
    expect(screen.queryByTestId('cluster-reasons')).toBeNull();
    expect(screen.getByTestId('dashboard-devices-online').textContent).toBe('1,000 of 1,250 devices online');
    expect(screen.getByTestId('dashboard-devices').textContent).toContain('250 devices offline');
    expect(screen.getByRole('link', { name: 'Show servers →' }).getAttribute('href')).toBe('/admin/servers');
    expect(screen.getByRole('link', { name: 'Show devices →' }).getAttribute('href')).toBe('/devices');
  });

  it('names a version difference once, by host, and counts dead servers', () => {
    renderPage({
      servers: [
        server({ id: 'a.0' }),
        server({ id: 'b.0', host: 'ums-b', version: '0.4.0' }),
        server({ id: 'c.0', host: 'ums-c', status: 'dead' }),
      ],
      check: { status: 'warn', reasons: ['servers run different versions (0.3.0, 0.4.0); update every server to the same version'] },
      devices: { total: 3, online: 3 },
    });
    expect(within(cluster()).getByTestId('cluster-state').textContent).toBe('Needs attention');
    expect(screen.getByTestId('dashboard-servers').textContent).toBe('2 servers running · 1 dead');
    const reasons = within(screen.getByTestId('cluster-reasons')).getAllByRole('listitem');
    expect(reasons.map((r) => r.textContent)).toEqual([
      'The running servers have different versions: 0.3.0 on ums-a; 0.4.0 on ums-b. Update every server to the same version.',
    ]);
  });

  it("shows the server's reasons for an error, and how to get devices when there are none", () => {
    renderPage({
      servers: [server({ self: true })],
      check: { status: 'err', reasons: ['the database does not answer'] },
      devices: { total: 0, online: 0 },
    });
    expect(within(cluster()).getByTestId('cluster-state').dataset.status).toBe('err');
    expect(screen.getByTestId('dashboard-servers').textContent).toBe('1 server running');
    expect(screen.getByTestId('cluster-reasons').textContent).toBe('the database does not answer');
    expect(screen.getByTestId('dashboard-devices-online').textContent).toBe('0 of 0 devices online');
    expect(screen.getByRole('link', { name: 'enrollment key' }).getAttribute('href')).toBe('/admin/enrollment-keys');
  });

  it('loads the status, the servers and the device counts from the server', async () => {
    const answers: Record<string, unknown> = {
      '/ums/check-status': { status: 'ok' },
      '/api/v1/servers': { items: [server({ self: true })] },
      '/api/v1/devices/summary': { total: 7, online: 5 },
    };
    const fetchMock = vi.fn(async (url: string) => Response.json(answers[url] ?? { error: { code: 'NOT_FOUND', message: url } }));
    vi.stubGlobal('fetch', fetchMock);
    renderPage({});
    await waitFor(() => expect(screen.getByTestId('dashboard-devices-online').textContent).toBe('5 of 7 devices online'));
    await waitFor(() => expect(screen.getByTestId('dashboard-servers').textContent).toBe('1 server running'));
    await waitFor(() => expect(within(cluster()).getByTestId('cluster-state').textContent).toBe('OK'));
    expect(fetchMock.mock.calls.map((c) => c[0]).sort()).toEqual(Object.keys(answers).sort());
  });

  it('says so when the server cannot be reached', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    renderPage({});
    await waitFor(() => expect(within(cluster()).getByTestId('cluster-state').textContent).toBe('Unknown'));
    expect(screen.getByText('Cannot read the server status')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('Cannot count the devices')).toBeTruthy());
  });
});
