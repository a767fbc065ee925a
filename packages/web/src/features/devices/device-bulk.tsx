import type { BulkResult, CommandName, Device } from '@openums/protocol';
import { commandsOffered } from '@openums/protocol';
import { Alert, Badge, Button, Checkbox, Group, Menu, Modal, MultiSelect, ScrollArea, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useMemo, useState, type ReactNode } from 'react';
import { bulkAssignProfiles, bulkDeleteDevices, bulkMoveDevices, bulkSendCommand, type DeviceSelection } from '../../api/devices';
import { ErrorAlert } from '../../components/error-alert';
import { COMMANDS, type CommandInfo } from '../commands/command-catalog';
import { devicesLabel } from '../commands/command-target';
import { useAllProfiles } from '../profiles/queries';
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
            {commands.map((command, i) => (
              <Fragment key={command.name}>
                {i > 0 && command.risk !== commands[i - 1]!.risk && <Menu.Divider />}
                <Menu.Item
                  color={command.risk === 'destructive' ? 'red' : undefined}
                  onClick={() => setAction({ kind: 'command', command })}
                >
                  {command.label}
                </Menu.Item>
              </Fragment>
            ))}
          </Menu.Dropdown>
        </Menu>
        <Button size="compact-xs" variant="default" onClick={() => setAction({ kind: 'assign' })}>
          Assign profiles…
        </Button>
        <Button size="compact-xs" variant="light" color="red" onClick={() => setAction({ kind: 'delete' })}>
          Delete…
        </Button>
      </Group>
      {action && (
        <BulkDialog
          action={action}
          selection={selection}
          count={count}
          loaded={loaded}
          name={name}
          onClose={() => setAction(null)}
          onDone={onDone}
        />
      )}
    </>
  );
}

function BulkDialog({
  action,
  selection,
  count: initialCount,
  loaded,
  name,
  onClose,
  onDone,
}: {
  action: Action;
  selection: DeviceSelection;
  count: number;
  loaded: readonly Device[];
  name: (id: number) => string;
  onClose: () => void;
  onDone: () => void;
}) {
  // The count when the dialog opened: the list refetches after the action (to 0 after a deletion).
  const [count] = useState(initialCount);
  const queryClient = useQueryClient();
  const [target, setTarget] = useState<FolderKey>('root');
  const [text, setText] = useState('');
  const [understood, setUnderstood] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const profiles = useAllProfiles();
  const profileData = useMemo(
    () => (profiles.data ?? []).map((p) => ({ value: String(p.id), label: p.name })).sort((a, b) => a.label.localeCompare(b.label)),
    [profiles.data],
  );
  // A hand-picked command goes only to the devices that can run it.
  const commandSelection = useMemo<DeviceSelection>(() => {
    if (action.kind !== 'command' || 'query' in selection) return selection;
    const can = new Set(loaded.filter((d) => commandsOffered(d).includes(action.command.name)).map((d) => d.id));
    return { deviceIds: selection.deviceIds.filter((id) => can.has(id)) };
  }, [action, selection, loaded]);
  const commandCount = 'deviceIds' in commandSelection ? commandSelection.deviceIds.length : count;

  const run = useMutation({
    mutationFn: async (): Promise<BulkResult> => {
      switch (action.kind) {
        case 'move':
          return bulkMoveDevices(selection, target === 'root' ? null : target);
        case 'delete':
          return bulkDeleteDevices(selection);
        case 'assign':
          return bulkAssignProfiles(selection, picked.map(Number));
        case 'command':
          return bulkSendCommand(commandSelection, {
            command: action.command.name,
            ...(action.command.needsText ? { text: text.trim() } : {}),
          });
      }
    },
    onSuccess: async () => {
      if (action.kind === 'assign') invalidateDeviceConfiguration(queryClient);
      if (action.kind !== 'command') await invalidateInventory(queryClient);
    },
  });
  // After the result was read, the selection is spent.
  const close = () => {
    onClose();
    if (run.isSuccess) onDone();
  };

  const what = devicesLabel(action.kind === 'command' ? commandCount : count);
  const title =
    action.kind === 'move'
      ? `Move ${what}`
      : action.kind === 'delete'
        ? `Delete ${what}`
        : action.kind === 'assign'
          ? `Assign profiles to ${what}`
          : `${action.command.label.replace(/…$/, '')}: ${what}`;
  const destructive = action.kind === 'delete' || (action.kind === 'command' && action.command.risk === 'destructive');
  const blocked =
    (destructive && !understood) ||
    (action.kind === 'assign' && picked.length === 0) ||
    (action.kind === 'command' && ((action.command.needsText && !text.trim()) || commandCount === 0));

  let body: ReactNode = null;
  if (action.kind === 'move') body = <FolderSelect label="Target folder" value={target} onChange={setTarget} />;
  else if (action.kind === 'assign') {
    body = (
      <MultiSelect
        label="Profiles"
        data={profileData}
        value={picked}
        onChange={setPicked}
        searchable
        maxValues={20}
        placeholder={profiles.isPending ? 'Loading profiles…' : 'Choose profiles'}
        nothingFoundMessage="No profile with that name"
        comboboxProps={{ withinPortal: true }}
        data-autofocus
      />
    );
  } else if (action.kind === 'command') {
    body = (
      <>
        <Text size="sm">
          Each device {action.command.effect}. Devices that are offline get it when they connect.
          {'deviceIds' in selection && commandCount < selection.deviceIds.length
            ? ` ${devicesLabel(selection.deviceIds.length - commandCount)} of the selection cannot run it and are left out.`
            : ''}
        </Text>
        {action.command.needsText && (
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
      </>
    );
  } else {
    body = <Text size="sm">Their inventory records are removed; a device that is still running will have to register again.</Text>;
  }

  return (
    <Modal opened onClose={close} title={title} centered size="lg">
      {run.data ? (
        <BulkResultView action={action} result={run.data} name={name} onClose={close} />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!blocked && !run.isPending) run.mutate();
          }}
          noValidate
        >
          <Stack>
            {'query' in selection && (
              <Alert color="blue" p="xs">
                Acts on every device the list’s query matches when you confirm ({what} at the last count).
              </Alert>
            )}
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
                {action.kind === 'move' ? 'Move' : action.kind === 'delete' ? 'Delete' : action.kind === 'assign' ? 'Assign' : 'Send'}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

const DONE_LABEL = { move: 'moved', delete: 'deleted', assign: 'assigned', command: 'sent' } as const;
/** Refusals listed by name (the totals count them all). */
const SHOWN = 200;

function BulkResultView({
  action,
  result,
  name,
  onClose,
}: {
  action: Action;
  result: BulkResult;
  name: (id: number) => string;
  onClose: () => void;
}) {
  return (
    <Stack data-testid="bulk-result">
      <Group gap="xs">
        <Badge color="teal" variant="light">
          {result.done.length.toLocaleString()} {DONE_LABEL[action.kind]}
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
