import type { BulkResult, CommandName, Device } from '@openums/protocol';
import { commandsOffered } from '@openums/protocol';
import { Alert, Badge, Button, Checkbox, Group, Menu, Modal, ScrollArea, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import { bulkAssignProfiles, bulkDeleteDevices, bulkMoveDevices, bulkSendCommand, type DeviceSelection } from '../../api/devices';
import { ErrorAlert } from '../../components/error-alert';
import { COMMANDS, type CommandInfo } from '../commands/command-catalog';
import { devicesLabel } from '../commands/command-target';
import { CommandMenuItems, ManyDevicesCommandDialog } from '../commands/many-devices-command';
import { ProfilesMultiSelect } from '../profiles/profile-options';
import { FolderSelect } from './folder-select';
import { invalidateDeviceConfiguration, invalidateInventory, type FolderKey } from './queries';

type Action = { kind: 'move' } | { kind: 'delete' } | { kind: 'assign' } | { kind: 'command'; command: CommandInfo };

interface BulkActionsProps {
  selection: DeviceSelection;
  /** How many devices the selection holds (the query's count for "all matching"). */
  count: number;
  /** The selected devices that are loaded (all of a hand-picked set): what the command menu offers. */
  loaded: readonly Device[];
  name: (id: number) => string;
  onDone: () => void;
}

/** The selection's actions: move, command, assign profiles, delete — each answered per device. */
export function BulkActions({ selection, count, loaded, name, onDone }: BulkActionsProps) {
  const [action, setAction] = useState<Action | null>(null);
  // A command is offered when at least one selected device can run it; for "all matching" every command the server takes.
  const offered = useMemo(() => {
    if ('query' in selection) return new Set<CommandName>(COMMANDS.map((c) => c.name));
    const out = new Set<CommandName>();
    for (const d of loaded) for (const c of commandsOffered(d)) out.add(c);
    return out;
  }, [selection, loaded]);
  const commands = COMMANDS.filter((c) => offered.has(c.name));
  return (
    <>
      <Group gap={6} style={{ rowGap: 4 }} data-testid="bulk-actions">
        <Button size="compact-xs" variant="default" onClick={() => setAction({ kind: 'move' })}>
          Move…
        </Button>
        <Menu position="bottom-start" withinPortal shadow="md" width={260} disabled={commands.length === 0}>
          <Menu.Target>
            <Button
              size="compact-xs"
              variant="default"
              disabled={commands.length === 0}
              title={commands.length ? undefined : 'No selected device can run a command'}
            >
              Command ▾
            </Button>
          </Menu.Target>
          <Menu.Dropdown aria-label="Commands for the selected devices">
            <CommandMenuItems commands={commands} onChoose={(command) => setAction({ kind: 'command', command })} />
          </Menu.Dropdown>
        </Menu>
        <Button size="compact-xs" variant="default" onClick={() => setAction({ kind: 'assign' })}>
          Assign profiles…
        </Button>
        <Button size="compact-xs" variant="light" color="red" onClick={() => setAction({ kind: 'delete' })}>
          Delete…
        </Button>
      </Group>
      {action?.kind === 'command' && (
        <BulkCommandDialog
          command={action.command}
          selection={selection}
          count={count}
          loaded={loaded}
          name={name}
          onClose={() => setAction(null)}
          onDone={onDone}
        />
      )}
      {action && action.kind !== 'command' && (
        <BulkDialog action={action} selection={selection} count={count} name={name} onClose={() => setAction(null)} onDone={onDone} />
      )}
    </>
  );
}

interface BulkDialogProps {
  selection: DeviceSelection;
  count: number;
  name: (id: number) => string;
  onClose: () => void;
  onDone: () => void;
}

/** Acts on every device the list's query matches: said above the confirmation. */
function QueryNotice({ selection, what }: { selection: DeviceSelection; what: string }) {
  if (!('query' in selection)) return null;
  return (
    <Alert color="blue" p="xs">
      Acts on every device the list’s query matches when you confirm ({what} at the last count).
    </Alert>
  );
}

function BulkCommandDialog({
  command,
  selection,
  count: initialCount,
  loaded,
  name,
  onClose,
  onDone,
}: BulkDialogProps & { command: CommandInfo; loaded: readonly Device[] }) {
  // The count when the dialog opened: the list refetches after the action.
  const [count] = useState(initialCount);
  // A hand-picked command goes only to the devices that can run it.
  const commandSelection = useMemo<DeviceSelection>(() => {
    if ('query' in selection) return selection;
    const can = new Set(loaded.filter((d) => commandsOffered(d).includes(command.name)).map((d) => d.id));
    return { deviceIds: selection.deviceIds.filter((id) => can.has(id)) };
  }, [command, selection, loaded]);
  const commandCount = 'deviceIds' in commandSelection ? commandSelection.deviceIds.length : count;
  const what = devicesLabel(commandCount);
  return (
    <ManyDevicesCommandDialog
      command={command}
      target={what}
      size="lg"
      intro={
        <>
          <QueryNotice selection={selection} what={what} />
          <Text size="sm">
            Each device {command.effect}. Devices that are offline get it when they connect.
            {'deviceIds' in selection && commandCount < selection.deviceIds.length
              ? ` ${devicesLabel(selection.deviceIds.length - commandCount)} of the selection cannot run it and are left out.`
              : ''}
          </Text>
        </>
      }
      submitLabel="Send"
      submitRed={command.risk === 'destructive'}
      errorTitle="Nothing was done"
      blocked={commandCount === 0}
      send={(body) => bulkSendCommand(commandSelection, body)}
      renderResult={(result, close) => <BulkResultView done="sent" result={result} name={name} onClose={close} />}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

type OtherAction = Exclude<Action, { kind: 'command' }>;

function BulkDialog({ action, selection, count: initialCount, name, onClose, onDone }: BulkDialogProps & { action: OtherAction }) {
  // The count when the dialog opened: the list refetches after the action (to 0 after a deletion).
  const [count] = useState(initialCount);
  const queryClient = useQueryClient();
  const [target, setTarget] = useState<FolderKey>('root');
  const [understood, setUnderstood] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);

  const run = useMutation({
    mutationFn: async (): Promise<BulkResult> => {
      switch (action.kind) {
        case 'move':
          return bulkMoveDevices(selection, target === 'root' ? null : target);
        case 'delete':
          return bulkDeleteDevices(selection);
        case 'assign':
          return bulkAssignProfiles(selection, picked.map(Number));
      }
    },
    onSuccess: async () => {
      if (action.kind === 'assign') invalidateDeviceConfiguration(queryClient);
      await invalidateInventory(queryClient);
    },
  });
  // After the result was read, the selection is spent.
  const close = () => {
    onClose();
    if (run.isSuccess) onDone();
  };

  const what = devicesLabel(count);
  const title = action.kind === 'move' ? `Move ${what}` : action.kind === 'delete' ? `Delete ${what}` : `Assign profiles to ${what}`;
  const destructive = action.kind === 'delete';
  const blocked = (destructive && !understood) || (action.kind === 'assign' && picked.length === 0);

  let body: ReactNode = null;
  if (action.kind === 'move') body = <FolderSelect label="Target folder" value={target} onChange={setTarget} />;
  else if (action.kind === 'assign') {
    body = <ProfilesMultiSelect value={picked} onChange={setPicked} placeholder="Choose profiles" />;
  } else {
    body = <Text size="sm">Their inventory records are removed; a device that is still running will have to register again.</Text>;
  }

  return (
    <Modal opened onClose={close} title={title} centered size="lg">
      {run.data ? (
        <BulkResultView done={DONE_LABEL[action.kind]} result={run.data} name={name} onClose={close} />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!blocked && !run.isPending) run.mutate();
          }}
          noValidate
        >
          <Stack>
            <QueryNotice selection={selection} what={what} />
            {body}
            {destructive && (
              <Alert color="red" title="This cannot be undone">
                <Checkbox label="I understand" checked={understood} onChange={(e) => setUnderstood(e.currentTarget.checked)} />
              </Alert>
            )}
            {run.error && <ErrorAlert title="Nothing was done" error={run.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" color={destructive ? 'red' : undefined} loading={run.isPending} disabled={blocked}>
                {action.kind === 'move' ? 'Move' : action.kind === 'delete' ? 'Delete' : 'Assign'}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

const DONE_LABEL = { move: 'moved', delete: 'deleted', assign: 'assigned' } as const;
/** Refusals listed by name (the totals count them all). */
const SHOWN = 200;

function BulkResultView({
  done,
  result,
  name,
  onClose,
}: {
  /** What happened to the devices that were acted on: "moved". */
  done: string;
  result: BulkResult;
  name: (id: number) => string;
  onClose: () => void;
}) {
  return (
    <Stack data-testid="bulk-result">
      <Group gap="xs">
        <Badge color="teal" variant="light">
          {result.done.length.toLocaleString()} {done}
        </Badge>
        {result.refused.length > 0 && (
          <Badge color="red" variant="light">
            {result.refused.length.toLocaleString()} refused
          </Badge>
        )}
        {result.missing.length > 0 && (
          <Badge color="gray" variant="light">
            {result.missing.length.toLocaleString()} no longer there
          </Badge>
        )}
      </Group>
      {result.refused.length > 0 && (
        <ScrollArea.Autosize mah={300}>
          <Stack gap={4}>
            {result.refused.slice(0, SHOWN).map((r) => (
              <Text size="sm" key={r.deviceId} data-testid="bulk-refused">
                <b>{name(r.deviceId)}</b>: {r.message}
              </Text>
            ))}
            {result.refused.length > SHOWN && (
              <Text size="xs" c="dimmed">
                …and {result.refused.length - SHOWN} more
              </Text>
            )}
          </Stack>
        </ScrollArea.Autosize>
      )}
      <Group justify="flex-end">
        <Button onClick={onClose}>Close</Button>
      </Group>
    </Stack>
  );
}
