// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commandInfo } from './command-catalog';
import { ManyDevicesCommandDialog } from './many-devices-command';

afterEach(cleanup);

function renderDialog(command: string, send: (body: unknown) => Promise<{ sent: number }>, extra: { blocked?: boolean } = {}) {
  const onClose = vi.fn();
  const onDone = vi.fn();
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <ManyDevicesCommandDialog
          command={commandInfo(command)!}
          target="12 devices"
          intro={<p>Send it to 12 devices?</p>}
          danger="Every device loses its enrollment."
          submitLabel="Send"
          submitRed={false}
          errorTitle="Not sent"
          send={send}
          renderResult={(result, close) => (
            <button type="button" onClick={close}>
              Sent to {result.sent}
            </button>
          )}
          onClose={onClose}
          onDone={onDone}
          {...extra}
        />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { onClose, onDone };
}

const sendButton = () => screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;

describe('ManyDevicesCommandDialog', () => {
  it('needs the message of "Send message", sends it trimmed, shows the result and is done when closed', async () => {
    const send = vi.fn(async () => ({ sent: 12 }));
    const { onClose, onDone } = renderDialog('send-message', send);
    expect(screen.getByRole('dialog', { name: 'Send message: 12 devices' })).toBeTruthy();
    expect(sendButton().disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(/Message/), { target: { value: '  Maintenance at 18:00 ' } });
    fireEvent.click(sendButton());
    await waitFor(() => expect(send).toHaveBeenCalledWith({ command: 'send-message', text: 'Maintenance at 18:00' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Sent to 12' }));
    expect(onClose).toHaveBeenCalled();
    expect(onDone).toHaveBeenCalled();
  });

  it('asks for an acknowledgement before a destructive command and shows a refusal inline', async () => {
    const send = vi.fn(async () => {
      throw new Error('refused by the server');
    });
    const { onDone } = renderDialog('reset-factory-defaults', send);
    expect(screen.getByText('Every device loses its enrollment.')).toBeTruthy();
    expect(sendButton().disabled).toBe(true);
    fireEvent.click(screen.getByLabelText('I understand'));
    fireEvent.click(sendButton());
    await waitFor(() => expect(send).toHaveBeenCalledWith({ command: 'reset-factory-defaults' }));
    expect((await screen.findByTestId('error-alert')).textContent).toContain('Not sent');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onDone).not.toHaveBeenCalled();
  });

  it('sends nothing while blocked', () => {
    renderDialog('reboot', vi.fn(), { blocked: true });
    expect(sendButton().disabled).toBe(true);
  });
});
