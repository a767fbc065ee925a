import type { CommandName } from '@openums/protocol';
import { Alert, Button, Checkbox, Group, Menu, Modal, Stack, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { Fragment, useState, type ReactNode } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import type { CommandInfo } from './command-catalog';

/** The commands as menu items, a divider between risk levels, destructive ones red. */
export function CommandMenuItems({ commands, onChoose }: { commands: readonly CommandInfo[]; onChoose: (command: CommandInfo) => void }) {
  return commands.map((command, i) => (
    <Fragment key={command.name}>
      {i > 0 && command.risk !== commands[i - 1]!.risk && <Menu.Divider />}
      <Menu.Item color={command.risk === 'destructive' ? 'red' : undefined} onClick={() => onChoose(command)}>
        {command.label}
      </Menu.Item>
    </Fragment>
  ));
}

/** A command's name without the "…" of its menu item: "Send message". */
export const commandName = (command: CommandInfo) => command.label.replace(/…$/, '');

interface ManyDevicesCommandDialogProps<R> {
  command: CommandInfo;
  /** What receives it, after the command's name in the title: "Reboot: 12 devices". */
  target: string;
  size?: string;
  /** The confirmation above the message field: what it goes to and what each device does. */
  intro: ReactNode;
  /** Said above "I understand" of a destructive command. */
  danger?: ReactNode;
  submitLabel: string;
  /** Whether the submit button is red. */
  submitRed: boolean;
  errorTitle: string;
  /** Nothing may be sent yet (for example no selected device can run the command). */
  blocked?: boolean;
  send: (body: { command: CommandName; text?: string }) => Promise<R>;
  /** What was sent and refused, with a button that calls `close`. */
  renderResult: (result: R, close: () => void) => ReactNode;
  onClose: () => void;
  /** After the result was read and the dialog closed. */
  onDone?: () => void;
}

/**
 * Confirmation of a command to many devices (a selection, a view): the message of "Send
 * message", an acknowledgement for a destructive command, then what the server answered.
 */
export function ManyDevicesCommandDialog<R>({
  command,
  target,
  size,
  intro,
  danger,
  submitLabel,
  submitRed,
  errorTitle,
  blocked: notReady = false,
  send,
  renderResult,
  onClose,
  onDone,
}: ManyDevicesCommandDialogProps<R>) {
  const [text, setText] = useState('');
  const [understood, setUnderstood] = useState(false);
  const action = useMutation({ mutationFn: () => send({ command: command.name, ...(command.needsText ? { text: text.trim() } : {}) }) });
  const destructive = command.risk === 'destructive';
  const blocked = (command.needsText && !text.trim()) || (destructive && !understood) || notReady;
  const close = () => {
    onClose();
    if (action.isSuccess) onDone?.();
  };
  return (
    <Modal opened onClose={close} title={`${commandName(command)}: ${target}`} centered size={size}>
      {action.data !== undefined ? (
        renderResult(action.data, close)
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!blocked && !action.isPending) action.mutate();
          }}
          noValidate
        >
          <Stack>
            {intro}
            {command.needsText && (
              <Textarea
                label="Message"
                required
                autosize
                minRows={3}
                maxLength={2000}
                value={text}
                onChange={(e) => setText(e.currentTarget.value)}
                data-autofocus
              />
            )}
            {destructive && (
              <Alert color="red" title="This cannot be undone">
                {danger}
                <Checkbox
                  mt={danger ? 'sm' : undefined}
                  label="I understand"
                  checked={understood}
                  onChange={(e) => setUnderstood(e.currentTarget.checked)}
                />
              </Alert>
            )}
            {action.error && <ErrorAlert title={errorTitle} error={action.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" color={submitRed ? 'red' : undefined} loading={action.isPending} disabled={blocked}>
                {submitLabel}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
