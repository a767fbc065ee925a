// @vitest-environment jsdom
import type { Device, MeResponse } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminLayout } from '../admin/admin-layout';
import { sessionQueryKey } from '../auth/session';
import { CommandResultDialog } from '../commands/command-result';
import { DeviceDetail } from '../devices/device-detail';
import { clusterQueries } from '../servers/queries';
import { ServersPage } from '../servers/servers-page';
import { keys } from '../devices/queries';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const DEVICE = { id: 5, name: 'kiosk-5', online: true, configChanges: 'APPLIED', folderId: null, mac: '00E0C5000005' } as Device;

function mockServer(mine: Record<string, boolean>) {
  const urls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      urls.push(url);
      const json = (data: unknown) => new Response(JSON.stringify(data), { status: 200, headers: { 'content-type': 'application/json' } });
      if (url === '/api/v1/devices/5/access/mine') return json({ rights: mine });
      return json({ items: [], nextCursor: null });
    }),
  );
  return urls;
}

function client(me: MeResponse) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(sessionQueryKey, me);
  return queryClient;
}

const viewer = (generalRights: string[] = []): MeResponse => ({
  user: { id: 9, username: 'helpdesk', role: 'viewer' },
  csrfToken: 'c',
  superuser: false,
  generalRights,
});

function renderDetail(me: MeResponse) {
  const queryClient = client(me);
  queryClient.setQueryData(keys.device(5), DEVICE);
  queryClient.setQueryData(keys.allFolders, []);
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={queryClient}>
        {/* The panel links to the device's own page: it lives inside the router. */}
        <RouterProvider
          router={createMemoryRouter([
            { path: '*', element: <DeviceDetail id={5} tab="details" onTabChange={vi.fn()} onClose={vi.fn()} /> },
          ])}
        />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const disabled = (name: string) => screen.getByRole('button', { name }).getAttribute('aria-disabled') === 'true';

describe('rights gating', () => {
  it('disables what the account may not do on the device, and says which right is missing', async () => {
    mockServer({ browse: true, read: true, move: true, powerControl: true });
    renderDetail(viewer());
    // Until the rights are known every action waits disabled.
    expect(disabled('Move device')).toBe(true);
    await waitFor(() => expect(disabled('Move device')).toBe(false));
    expect(disabled('Rename device')).toBe(true);
    expect(disabled('Delete device')).toBe(true);
    expect(disabled('Edit inventory')).toBe(true);
    expect(disabled('Access control of kiosk-5')).toBe(false);

    fireEvent.mouseEnter(screen.getByRole('button', { name: 'Delete device' }));
    expect((await screen.findByRole('tooltip')).textContent).toBe('You need the Write right on this device');
    // A click on a disabled action opens nothing.
    fireEvent.click(screen.getByRole('button', { name: 'Delete device' }));
    expect(screen.queryByRole('dialog')).toBeNull();

    // Commands: power control allowed, send message and factory reset not.
    fireEvent.click(screen.getByRole('button', { name: 'Device commands' }));
    expect((await screen.findByRole('menuitem', { name: 'Reboot' })).hasAttribute('disabled')).toBe(false);
    expect(screen.getByRole('menuitem', { name: /Send message.*Needs the Send message right/ }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('menuitem', { name: /Reset to factory defaults.*Firmware control/ }).hasAttribute('disabled')).toBe(true);
  });

  it('asks nothing for a superuser: every action is enabled', () => {
    const urls = mockServer({});
    renderDetail({ user: { id: 1, username: 'root', role: 'superuser' }, csrfToken: 'c', superuser: true, generalRights: [] });
    expect(disabled('Rename device')).toBe(false);
    expect(disabled('Delete device')).toBe(false);
    expect(urls.filter((u) => u.includes('/access/mine'))).toEqual([]);
  });

  it('lists only the Administration pages whose general right the account holds, and leaves a page it may not use', async () => {
    mockServer({});
    const router = createMemoryRouter([{ path: '/admin', element: <AdminLayout />, children: [{ path: '*', element: <p>page</p> }] }], {
      initialEntries: ['/admin/enrollment-keys'],
    });
    render(
      <MantineProvider env="test">
        <QueryClientProvider client={client(viewer(['ldap']))}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </MantineProvider>,
    );
    const nav = await screen.findByRole('navigation', { name: 'Administration' });
    expect([...nav.querySelectorAll('a')].map((a) => a.textContent)).toEqual(['Servers', 'LDAP domains']);
    await waitFor(() => expect(router.state.location.pathname).toBe('/admin/servers'));
  });

  it('says how many devices a command left out for want of its right', () => {
    mockServer({});
    render(
      <MantineProvider env="test">
        <QueryClientProvider client={client(viewer())}>
          <CommandResultDialog
            target={{ kind: 'folder', folderId: 2, name: 'Berlin' }}
            command="reboot"
            queued={[]}
            batchId="b1"
            refused={2}
            onClose={vi.fn()}
          />
        </QueryClientProvider>
      </MantineProvider>,
    );
    expect(screen.getByTestId('command-refused').textContent).toBe('2 devices left out: you need the Power control right on them.');
    expect(screen.queryByText('There were no devices to send the command to.')).toBeNull();
  });

  it('shows the servers to every account, with Remove only for holders of the servers right', () => {
    mockServer({});
    const dead = { id: 'b.0', host: 'ums-b', pid: 1, worker: 0, version: '0.1.0', database: 'sqlite', addresses: [], port: 8443 };
    const renderServers = (me: MeResponse) => {
      const queryClient = client(me);
      queryClient.setQueryData(clusterQueries.servers, {
        items: [
          {
            ...dead,
            startedAt: new Date().toISOString(),
            lastBeat: new Date(0).toISOString(),
            status: 'dead',
            devicesConnected: 0,
            clockOffsetMs: 0,
            self: false,
          },
        ],
      });
      queryClient.setQueryData(clusterQueries.settings, { clusterAddress: null, enrollmentAddress: null });
      return render(
        <MantineProvider env="test">
          <QueryClientProvider client={queryClient}>
            <ServersPage />
          </QueryClientProvider>
        </MantineProvider>,
      );
    };
    const without = renderServers(viewer());
    expect(screen.getByText('ums-b')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Remove/ })).toBeNull();
    without.unmount();
    renderServers(viewer(['servers']));
    expect(screen.getByRole('button', { name: 'Remove ums-b (worker 0)' })).toBeTruthy();
  });
});
