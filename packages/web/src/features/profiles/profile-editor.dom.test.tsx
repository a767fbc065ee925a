// @vitest-environment jsdom
import type { Profile } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProfileEditor } from './profile-editor';
import { profileKeys } from './queries';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const PROFILE: Profile = {
  id: 7,
  name: 'Office',
  type: 'standard',
  basedOn: '12.1',
  folderId: null,
  settings: { 'sessions.rdp[1].password': '********', 'userinterface.screensaver.timeout': 10 },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

type Call = { method: string; url: string; body: unknown };

function mockServer() {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, url, body });
      const json = (status: number, data: unknown) =>
        new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
      if (method === 'POST' && url === '/api/v1/profiles/7/preview') {
        return json(200, {
          affectedDevices: 3,
          changedDevices: 2,
          sample: { deviceId: 4, deviceName: 'kiosk-4', changes: [{ key: 'userinterface.screensaver.timeout', before: 10, after: 20 }] },
        });
      }
      if (method === 'PATCH' && url === '/api/v1/profiles/7') return json(200, { ...PROFILE, settings: body.settings });
      return json(200, { items: [], nextCursor: null });
    }),
  );
  return calls;
}

function renderEditor() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(profileKeys.one(7), PROFILE);
  queryClient.setQueryData(profileKeys.folders, []);
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <ProfileEditor
          profileId={7}
          tab="parameters"
          canWrite
          onTabChange={vi.fn()}
          onOpenProfile={vi.fn()}
          onDeleted={vi.fn()}
          onFolderChanged={vi.fn()}
          onExport={vi.fn()}
          onDirtyChange={vi.fn()}
        />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const row = (key: string) => document.querySelector<HTMLElement>(`[data-testid="param-row"][data-key="${key}"]`);

describe('ProfileEditor', () => {
  it('validates in the browser, previews the change and saves with the chosen apply mode, keeping masked secrets', async () => {
    const calls = mockServer();
    renderEditor();
    expect(screen.getByTestId('activated-count').textContent).toBe('2 of 249 parameters activated');

    fireEvent.change(screen.getByLabelText('Search parameters'), { target: { value: 'screensaver idle minutes' } });
    await waitFor(() => expect(row('userinterface.screensaver.timeout')).not.toBeNull());
    const timeout = within(row('userinterface.screensaver.timeout')!);
    const input = timeout.getByLabelText('Value of userinterface.screensaver.timeout') as HTMLInputElement;
    expect(input.value).toBe('10');

    fireEvent.change(input, { target: { value: '99999' } });
    expect(timeout.getByText('expected an integer from 1 to 720 (minutes), got number 99999')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('invalid-count').textContent).toBe('1 invalid value');

    fireEvent.change(input, { target: { value: '20' } });
    expect(screen.queryByTestId('invalid-count')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));

    const dialog = within(await screen.findByRole('dialog', { name: 'Save "Office"' }));
    expect(dialog.getByTestId('save-summary').textContent).toBe('In this profile: 1 value changed.');
    await waitFor(() =>
      expect(dialog.getByTestId('preview-summary').textContent).toBe('2 of 3 devices reached by this profile get a new configuration.'),
    );
    expect(dialog.getByTestId('preview-diff').textContent).toContain('userinterface.screensaver.timeout');
    const preview = calls.find((c) => c.url === '/api/v1/profiles/7/preview');
    expect(preview?.body).toEqual({ settings: { 'sessions.rdp[1].password': '********', 'userinterface.screensaver.timeout': 20 } });

    fireEvent.click(dialog.getByLabelText('At next reboot'));
    fireEvent.click(dialog.getByRole('button', { name: 'Save profile' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({
      settings: { 'sessions.rdp[1].password': '********', 'userinterface.screensaver.timeout': 20 },
      apply: 'next-reboot',
    });
    await waitFor(() => expect(screen.getByTestId('save-bar').textContent).toContain('No unsaved changes'));
  });

  it('activates a parameter with its default, remembers a deactivated value, and edits a list', async () => {
    mockServer();
    renderEditor();
    fireEvent.change(screen.getByLabelText('Search parameters'), { target: { value: 'network.dns.servers' } });
    await waitFor(() => expect(row('network.dns.servers')).not.toBeNull());
    const dns = () => within(row('network.dns.servers')!);
    expect(dns().getByText(/Not activated/)).toBeTruthy();

    fireEvent.click(dns().getByRole('button', { name: 'Set network.dns.servers' }));
    expect(dns().getByText('Empty list')).toBeTruthy();
    fireEvent.click(dns().getByRole('button', { name: 'Add entry' }));
    fireEvent.change(dns().getByLabelText('Entry 1 of network.dns.servers'), { target: { value: 'not a host!' } });
    expect(dns().getByTestId('param-error').textContent).toBe('entry 1 ("not a host!") does not have the required format');
    fireEvent.change(dns().getByLabelText('Entry 1 of network.dns.servers'), { target: { value: '10.0.0.53' } });
    expect(dns().queryByTestId('param-error')).toBeNull();

    fireEvent.click(dns().getByLabelText('Activate network.dns.servers'));
    expect(dns().getByText(/Not activated/)).toBeTruthy();
    fireEvent.click(dns().getByLabelText('Activate network.dns.servers'));
    expect((dns().getByLabelText('Entry 1 of network.dns.servers') as HTMLInputElement).value).toBe('10.0.0.53');
    expect(screen.getByTestId('save-bar').textContent).toContain('1 unsaved change');

    fireEvent.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect(screen.getByTestId('save-bar').textContent).toContain('No unsaved changes');
  });
});
