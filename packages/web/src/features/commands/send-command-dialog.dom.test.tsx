// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keys } from '../devices/queries';
import { commandInfo } from './command-catalog';
import type { CommandTarget } from './command-target';
import { SendCommandDialog } from './send-command-dialog';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderDialog(target: CommandTarget, command: string, onSent = vi.fn()) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(keys.allFolders, [
    { id: 1, name: 'Site', parentId: null, childCount: 1, deviceCount: 2 },
    { id: 2, name: 'Floor', parentId: 1, childCount: 0, deviceCount: 5 },
  ]);
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <SendCommandDialog target={target} command={commandInfo(command)!} onClose={vi.fn()} onSent={onSent} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return onSent;
}

function mockFetch(status: number, body: unknown) {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

describe('SendCommandDialog', () => {
  it('names the folder, counts its devices with and without sub-folders, and sends to the folder', async () => {
    const fetchMock = mockFetch(201, { commands: [{ id: 9, deviceId: 3, state: 'queued' }] });
    const onSent = renderDialog({ kind: 'folder', folderId: 1, name: 'Site' }, 'reboot');
    expect(screen.getByText(/to every device in the folder/).textContent).toContain('Site and its sub-folders');
    expect(screen.getByTestId('command-target-count').textContent).toContain('Reaches 7 devices.');
    fireEvent.click(screen.getByLabelText('Include sub-folders'));
    expect(screen.getByTestId('command-target-count').textContent).toContain('Reaches 2 devices.');

    fireEvent.click(screen.getByRole('button', { name: 'Send to 2 devices' }));
    await waitFor(() => expect(onSent).toHaveBeenCalledWith([{ id: 9, deviceId: 3, state: 'queued' }], false, 0));
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/devices/commands');
    expect(JSON.parse(init.body as string)).toEqual({ command: 'reboot', folderId: 1, recursive: false });
  });

  it('asks for an explicit acknowledgement before a factory reset', () => {
    renderDialog({ kind: 'device', deviceId: 4, name: 'kiosk-4', online: true }, 'reset-factory-defaults');
    expect(screen.getByTestId('command-danger').textContent).toContain('enrolled again with a new enrollment key');
    const confirm = screen.getByRole('button', { name: 'Reset to factory defaults' });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByLabelText(/I understand/));
    expect((confirm as HTMLButtonElement).disabled).toBe(false);
  });

  it("needs a text for a message, and shows the server's refusal inline", async () => {
    mockFetch(422, { error: { code: 'COMMAND_NOT_SUPPORTED', message: 'wakeup is not supported yet' } });
    renderDialog({ kind: 'device', deviceId: 4, name: 'kiosk-4', online: false }, 'wakeup');
    fireEvent.click(screen.getByRole('button', { name: 'Wake up' }));
    expect((await screen.findByRole('alert')).textContent).toContain('wakeup is not supported yet');
    cleanup();

    renderDialog({ kind: 'device', deviceId: 4, name: 'kiosk-4', online: false }, 'send-message');
    expect(screen.getByText(/The device is offline/)).toBeTruthy();
    const send = screen.getByRole('button', { name: 'Send message' });
    expect((send as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(/Message/), { target: { value: 'Maintenance at 18:00' } });
    expect((send as HTMLButtonElement).disabled).toBe(false);
  });
});
