// @vitest-environment jsdom
import type { Device, DeviceSettingsResponse } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EffectiveParameter } from '../../api/profiles';
import { sessionQueryKey } from '../auth/session';
import { DeviceOwnConfiguration, profileNotes } from './device-own-configuration';
import { keys } from './queries';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const DEVICE = { id: 5, name: 'kiosk-5', online: false, configChanges: 'APPLIED' } as Device;
const OFFICE = { type: 'profile', id: 3, name: 'Office', priority: false, via: 'folder', folderId: 2, folderName: 'Site A' } as const;
const OWN = { type: 'device', id: 5, name: 'kiosk-5', priority: false, via: 'direct' } as const;

const SETTINGS: DeviceSettingsResponse = {
  settings: { 'userinterface.screensaver.timeout': 10, 'network.dns.servers': ['10.0.0.53'], 'vendor.future.knob': 'on' },
  updatedAt: '2026-01-01T00:00:00.000Z',
  configChanges: 'APPLIED',
  revision: 4,
  apply: 'now',
  appliedRevision: 4,
  appliedAt: '2026-01-01T00:00:00.000Z',
  lastError: null,
};

const EFFECTIVE: EffectiveParameter[] = [
  { key: 'userinterface.screensaver.timeout', value: 25, source: OFFICE, overridden: [{ value: 10, source: OWN }] },
  { key: 'system.time.ntp.interval', value: 30, source: OFFICE, overridden: [] },
  { key: 'network.dns.servers', value: ['10.0.0.53'], source: OWN, overridden: [] },
  { key: 'sessions.rdp[profile:3:1].server', value: 'ts1', source: OFFICE, overridden: [] },
];

type Call = { method: string; url: string; body: unknown };

function mockServer(put: (body: { settings: Record<string, unknown> }) => { status: number; data: unknown }) {
  const calls: Call[] = [];
  let stored = SETTINGS;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, url, body });
      const json = (status: number, data: unknown) =>
        new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
      if (method === 'PUT' && url === '/api/v1/devices/5/settings') {
        const answer = put(body);
        if (answer.status === 200) stored = answer.data as DeviceSettingsResponse;
        return json(answer.status, answer.data);
      }
      if (url === '/api/v1/devices/5/settings') return json(200, stored);
      if (url === '/api/v1/devices/5/effective-configuration') return json(200, { parameters: EFFECTIVE });
      return json(200, {});
    }),
  );
  return calls;
}

function renderTab() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(sessionQueryKey, { user: { id: 1, username: 'admin', role: 'superuser' }, csrfToken: null });
  queryClient.setQueryData(keys.settings(5), SETTINGS);
  queryClient.setQueryData(keys.effective(5), { parameters: EFFECTIVE });
  const router = createMemoryRouter([{ path: '/devices', element: <DeviceOwnConfiguration device={DEVICE} /> }], {
    initialEntries: ['/devices?device=5&tab=own'],
  });
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const row = (key: string) => document.querySelector<HTMLElement>(`[data-testid="param-row"][data-key="${key}"]`);

async function showRow(key: string) {
  fireEvent.change(screen.getByLabelText('Search parameters'), { target: { value: key } });
  await waitFor(() => expect(row(key)).not.toBeNull());
  return within(row(key)!);
}

describe('profileNotes', () => {
  it('marks activated values a profile overrides, names profiles that set what the device leaves alone, and skips profile instances', () => {
    const notes = profileNotes(EFFECTIVE, { 'userinterface.screensaver.timeout': 10 });
    expect(notes.get('userinterface.screensaver.timeout')).toEqual({
      tone: 'override',
      text: 'Overridden by Profile Office (via folder Site A), which sets 25: this value does not take effect.',
      to: '/profiles/3',
      linkText: 'Open profile',
    });
    expect(notes.get('system.time.ntp.interval')?.tone).toBe('info');
    expect(notes.get('system.time.ntp.interval')?.text).toBe('Profile Office (via folder Site A) sets 30 on this device.');
    expect(notes.has('network.dns.servers')).toBe(false);
    expect([...notes.keys()].filter((k) => k.startsWith('sessions.rdp[1]'))).toEqual([]);
  });
});

describe('DeviceOwnConfiguration', () => {
  it('shows overrides and unknown reported values, and saves only catalogue parameters with the chosen apply mode', async () => {
    const calls = mockServer((body) => ({
      status: 200,
      data: { ...SETTINGS, settings: body.settings, revision: 5, configChanges: 'PENDING' },
    }));
    renderTab();

    expect(screen.getByTestId('activated-count').textContent).toBe('2 of 249 parameters activated');
    expect(screen.getByTestId('overridden-count').textContent).toBe('1 activated value is overridden by a profile');
    const unknown = within(screen.getByTestId('unknown-settings'));
    expect(unknown.getByText(/1 reported value unknown to this server's catalogue/)).toBeTruthy();
    expect(unknown.getByText('vendor.future.knob')).toBeTruthy();
    expect(screen.queryByLabelText('Activate vendor.future.knob')).toBeNull();

    const timeout = await showRow('userinterface.screensaver.timeout');
    expect(row('userinterface.screensaver.timeout')!.dataset.overridden).toBe('true');
    expect(timeout.getByTestId('param-note').textContent).toContain('Overridden by Profile Office (via folder Site A), which sets 25');
    fireEvent.change(timeout.getByLabelText('Value of userinterface.screensaver.timeout'), { target: { value: '20' } });

    const ntp = await showRow('system.time.ntp.interval');
    expect(ntp.getByTestId('param-note').textContent).toContain('Profile Office (via folder Site A) sets 30 on this device.');
    expect(screen.getByTestId('save-bar').textContent).toContain('1 unsaved change');

    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Save the device configuration of "kiosk-5"' }));
    expect(dialog.getByTestId('save-summary').textContent).toBe('In the device’s own configuration: 1 value changed.');
    expect(dialog.getByTestId('save-overridden').textContent).toContain('userinterface.screensaver.timeout');
    expect(dialog.getByTestId('save-unknown').textContent).toContain('vendor.future.knob');
    expect(dialog.getByText('The device is offline: it gets the change when it next connects.')).toBeTruthy();
    fireEvent.click(dialog.getByLabelText('At next reboot'));
    fireEvent.click(dialog.getByRole('button', { name: 'Save device configuration' }));

    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      settings: { 'userinterface.screensaver.timeout': 20, 'network.dns.servers': ['10.0.0.53'] },
      apply: 'next-reboot',
    });
    await waitFor(() => expect(screen.getByTestId('save-bar').textContent).toContain('No unsaved changes'));
  });

  it('shows a value the server refuses on its parameter', async () => {
    mockServer(() => ({
      status: 400,
      data: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'network.dns.servers: entry 2 is refused by this server',
          details: { field: 'settings.network.dns.servers' },
        },
      },
    }));
    renderTab();
    const dns = await showRow('network.dns.servers');
    fireEvent.click(dns.getByRole('button', { name: 'Add entry' }));
    fireEvent.change(dns.getByLabelText('Entry 2 of network.dns.servers'), { target: { value: '10.0.0.54' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    const dialog = within(await screen.findByRole('dialog'));
    fireEvent.click(dialog.getByRole('button', { name: 'Save device configuration' }));

    const alert = within(await dialog.findByTestId('error-alert'));
    expect(alert.getByText('The server refused a value')).toBeTruthy();
    expect(alert.getByText(/entry 2 is refused by this server/).textContent).toContain('(network.dns.servers)');
    fireEvent.click(alert.getByRole('button', { name: 'Show this parameter' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(within(row('network.dns.servers')!).getByTestId('param-error').textContent).toBe('entry 2 is refused by this server');
    expect((screen.getByRole('button', { name: 'Save…' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(row('network.dns.servers')!).getByLabelText('Entry 2 of network.dns.servers'), {
      target: { value: '10.0.0.55' },
    });
    expect(within(row('network.dns.servers')!).queryByTestId('param-error')).toBeNull();
  });
});
