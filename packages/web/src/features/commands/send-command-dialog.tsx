import { Alert, Button, Checkbox, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { sendCommand, type QueuedCommand, type SendCommandBody } from '../../api/commands';
import { ErrorAlert } from '../../components/error-alert';
import { useAllFolders } from '../devices/queries';
import type { CommandInfo } from './command-catalog';
import { countFolderDevices, devicesLabel, type CommandTarget } from './command-target';

interface SendCommandDialogProps {
  target: CommandTarget;
  command: CommandInfo;
  onClose: () => void;
  /** `refused`: devices the administrator may see but lacks the command's right on (no command for them). */
  onSent: (queued: QueuedCommand[], recursive: boolean, refused: number) => void;
}

/** Confirmation that names the target and how many devices it reaches; server errors stay inline. */
export function SendCommandDialog({ target, command, onClose, onSent }: SendCommandDialogProps) {
  const [recursive, setRecursive] = useState(true);
  const [text, setText] = useState('');
  const [understood, setUnderstood] = useState(false);
  const folders = useAllFolders();

  const count = target.kind === 'device' ? 1 : folders.data ? countFolderDevices(folders.data, target.folderId, recursive) : null;
  const action = useMutation({
    mutationFn: () => {
      const body: SendCommandBody =
        target.kind === 'device'
          ? { command: command.name, deviceIds: [target.deviceId] }
          : { command: command.name, folderId: target.folderId, recursive };
      if (command.needsText) body.text = text.trim();
      return sendCommand(body);
    },
    onSuccess: (result) => onSent(result.commands, recursive, result.refused?.length ?? 0),
  });

  const destructive = command.risk === 'destructive';
  const blocked = (command.needsText && !text.trim()) || (destructive && !understood) || count === 0;
  const confirmLabel =
    target.kind === 'device' ? command.label.replace(/…$/, '') : `Send to ${count === null ? 'all devices' : devicesLabel(count)}`;

  return (
    <Modal opened onClose={onClose} title={`${command.label.replace(/…$/, '')}: confirm`} centered size="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!blocked && !action.isPending) action.mutate();
        }}
        noValidate
      >
        <Stack>
          {target.kind === 'device' ? (
            <Text>
              Send <b>{command.label.replace(/…$/, '')}</b> to the device <b>{target.name}</b>? The device {command.effect}.
            </Text>
          ) : (
            <>
              <Text>
                Send <b>{command.label.replace(/…$/, '')}</b> to every device in the folder <b>{target.name}</b>
                {recursive ? ' and its sub-folders' : ''}? Each device {command.effect}.
              </Text>
              <Checkbox label="Include sub-folders" checked={recursive} onChange={(e) => setRecursive(e.currentTarget.checked)} />
              <Text size="sm" data-testid="command-target-count" c={count === 0 ? 'red' : undefined}>
                {count === null
                  ? 'Counting devices…'
                  : count === 0
                    ? 'There are no devices here; nothing would be sent.'
                    : `Reaches ${devicesLabel(count)}.`}
              </Text>
            </>
          )}
          {target.kind === 'device' && !target.online && command.name !== 'wakeup' && (
            <Alert color="yellow" variant="light">
              The device is offline. The command waits on the server and is delivered when the device connects (for up to 24 hours).
            </Alert>
          )}
          {command.needsText && (
            <Textarea
              label="Message"
              description="Shown on the screen of the device"
              required
              autosize
              minRows={3}
              maxRows={8}
              maxLength={2000}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              data-autofocus
            />
          )}
          {destructive && (
            <Alert color="red" title="This cannot be undone" data-testid="command-danger">
              Resetting to factory defaults erases the configuration and the enrollment of{' '}
              {target.kind === 'device' ? 'the device' : count === null ? 'every device here' : `all ${devicesLabel(count)}`}. Afterwards
              {target.kind === 'device' ? ' it has' : ' each has'} to be enrolled again with a new enrollment key before it can be managed.
              <Checkbox
                mt="sm"
                label="I understand; the device(s) must be enrolled again with a new key"
                checked={understood}
                onChange={(e) => setUnderstood(e.currentTarget.checked)}
              />
            </Alert>
          )}
          {action.error && <ErrorAlert title="Not sent" error={action.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              color={command.risk === 'normal' ? undefined : 'red'}
              loading={action.isPending}
              disabled={blocked}
              data-autofocus={!command.needsText || undefined}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
