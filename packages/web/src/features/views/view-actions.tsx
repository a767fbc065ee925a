import type { ApplyMode, AssignViewProfilesResponse, View, ViewExportFormat } from '@openums/protocol';
import { COMMAND_RIGHT } from '@openums/protocol';
import { Alert, Badge, Button, Group, Menu, Modal, ScrollArea, Select, Stack, Table, TagsInput, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { assignViewProfiles, mailView, sendViewCommand, viewExportUrl } from '../../api/views-actions';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { ApplyChoice } from '../configuration-editor/change-preview';
import { RIGHT_LABELS } from '../access/rights-labels';
import { COMMANDS, type CommandInfo } from '../commands/command-catalog';
import { devicesLabel } from '../commands/command-target';
import { commandName, CommandMenuItems, ManyDevicesCommandDialog } from '../commands/many-devices-command';
import { ProfilesMultiSelect, useProfileOptions } from '../profiles/profile-options';

const FORMATS: { value: ViewExportFormat; label: string }[] = [
  { value: 'csv', label: 'CSV (spreadsheets, scripts)' },
  { value: 'xlsx', label: 'Excel workbook (.xlsx)' },
  { value: 'json', label: 'JSON' },
];

/** Why the actions are off (unsaved view, changed criteria, no right), or undefined when they may run. */
export type ActionBlock = string | undefined;

function Blockable({ reason, children }: { reason: ActionBlock; children: (blocked: boolean) => ReactNode }) {
  return <span title={reason}>{children(reason !== undefined)}</span>;
}

/** Downloads: plain links, the session cookie authenticates the GET; the server names the file. */
export function ExportMenu({ view, columns, blocked }: { view: View | null; columns: readonly string[]; blocked: ActionBlock }) {
  return (
    <Blockable reason={blocked}>
      {(off) => (
        <Menu position="bottom-end" withinPortal shadow="md" disabled={off}>
          <Menu.Target>
            <Button size="compact-xs" variant="default" disabled={off}>
              Export ▾
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>Every matching device, chosen columns</Menu.Label>
            {view &&
              FORMATS.map((f) => (
                <Menu.Item key={f.value} component="a" href={viewExportUrl(view.id, f.value, columns)} download>
                  {f.label}
                </Menu.Item>
              ))}
          </Menu.Dropdown>
        </Menu>
      )}
    </Blockable>
  );
}

export function MailDialog({ view, columns, onClose }: { view: View; columns: readonly string[]; onClose: () => void }) {
  const [format, setFormat] = useState<ViewExportFormat>('csv');
  const [recipients, setRecipients] = useState<string[]>([]);
  const action = useMutation({
    mutationFn: () => mailView(view.id, { format, columns: [...columns], ...(recipients.length ? { recipients } : {}) }),
    onSuccess: (r) => {
      notifySuccess(`Mailed ${r.fileName} (${devicesLabel(r.devices)}) to ${r.recipients.join(', ')}`);
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={`Mail "${view.name}"`} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!action.isPending) action.mutate();
        }}
        noValidate
      >
        <Stack>
          <Select
            label="Format"
            data={FORMATS}
            value={format}
            onChange={(v) => v && setFormat(v as ViewExportFormat)}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
          />
          <TagsInput
            label="Recipients"
            description="Press Enter after each address. Leave empty to use the administrative recipients of the mail settings."
            value={recipients}
            onChange={setRecipients}
            maxTags={50}
            splitChars={[',', ' ', ';']}
            placeholder="ops@example.com"
          />
          <Text size="xs" c="dimmed">
            The attachment holds every matching device with the {columns.length} chosen columns; at most 10 MiB (use Export for more).
          </Text>
          {action.error && <ErrorAlert title="Not sent" error={action.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={action.isPending}>
              Send mail
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** "Commands" on a view: the commands' catalogue, a confirmation naming the count, then what was sent and refused. */
export function ViewCommandMenu({ view, count, blocked }: { view: View | null; count: number | null; blocked: ActionBlock }) {
  const [chosen, setChosen] = useState<CommandInfo | null>(null);
  return (
    <>
      <Blockable reason={blocked}>
        {(off) => (
          <Menu position="bottom-end" withinPortal shadow="md" width={260} disabled={off}>
            <Menu.Target>
              <Button size="compact-xs" variant="light" disabled={off}>
                Commands ▾
              </Button>
            </Menu.Target>
            <Menu.Dropdown aria-label="Commands for the view's devices">
              <Menu.Label>To every device of the view</Menu.Label>
              <CommandMenuItems commands={COMMANDS} onChoose={setChosen} />
            </Menu.Dropdown>
          </Menu>
        )}
      </Blockable>
      {chosen && view && <ViewCommandDialog view={view} command={chosen} count={count} onClose={() => setChosen(null)} />}
    </>
  );
}

function ViewCommandDialog({
  view,
  command,
  count,
  onClose,
}: {
  view: View;
  command: CommandInfo;
  count: number | null;
  onClose: () => void;
}) {
  const name = commandName(command);
  return (
    <ManyDevicesCommandDialog
      command={command}
      target={view.name}
      intro={
        <Text>
          Send <b>{name}</b> to every device of the view <b>{view.name}</b> as it matches now
          {count !== null ? ` (${devicesLabel(count)} at the last count)` : ''}? Each device {command.effect}.
        </Text>
      }
      danger="Every device of the view loses its configuration and enrollment."
      submitLabel="Send to the view’s devices"
      submitRed={command.risk !== 'normal'}
      errorTitle="Not sent"
      send={(body) => sendViewCommand(view.id, body)}
      renderResult={(result, close) => (
        <Stack data-testid="view-command-result">
          <Text>
            <b>{name}</b> queued for {devicesLabel(result.commands.length)}; connected devices get it at once, the others when they connect.
          </Text>
          {(result.refused?.length ?? 0) > 0 && (
            <Alert color="orange">
              {devicesLabel(result.refused!.length)} left out: you need the {RIGHT_LABELS[COMMAND_RIGHT[command.name]]} right on them.
            </Alert>
          )}
          <Group justify="flex-end">
            <Button onClick={close}>Close</Button>
          </Group>
        </Stack>
      )}
      onClose={onClose}
    />
  );
}

const RESULT_COLOR = { assigned: 'teal', skipped: 'yellow', refused: 'red' } as const;
/** Rows shown of a large result (the totals count them all). */
const SHOWN = 500;

export function AssignProfilesDialog({
  view,
  count,
  deviceName,
  onClose,
}: {
  view: View;
  count: number | null;
  /** Names of devices already loaded in the grid; others show as #id. */
  deviceName: (id: number) => string;
  onClose: () => void;
}) {
  const { options } = useProfileOptions();
  const [picked, setPicked] = useState<string[]>([]);
  const [apply, setApply] = useState<ApplyMode>('now');
  const action = useMutation({ mutationFn: () => assignViewProfiles(view.id, { profileIds: picked.map(Number), apply }) });
  const profileName = (id: number) => options.find((d) => d.value === String(id))?.label ?? `#${id}`;
  return (
    <Modal opened onClose={onClose} title={`Assign profiles to "${view.name}"`} centered size="lg">
      {action.data ? (
        <AssignResult result={action.data} deviceName={deviceName} profileName={profileName} onClose={onClose} />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (picked.length && !action.isPending) action.mutate();
          }}
          noValidate
        >
          <Stack>
            <Text size="sm">
              Assigns the profiles directly to every device the view matches now
              {count !== null ? ` (${devicesLabel(count)} at the last count)` : ''}. Devices that already have a profile, or run another
              major version than it is made for, are skipped.
            </Text>
            <ProfilesMultiSelect value={picked} onChange={setPicked} placeholder="Choose up to 20 profiles" />
            <ApplyChoice value={apply} onChange={setApply} />
            {action.error && <ErrorAlert title="Not assigned" error={action.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={action.isPending} disabled={picked.length === 0}>
                Assign
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function AssignResult({
  result,
  deviceName,
  profileName,
  onClose,
}: {
  result: AssignViewProfilesResponse;
  deviceName: (id: number) => string;
  profileName: (id: number) => string;
  onClose: () => void;
}) {
  // Problems first: what needs attention is at the top.
  const order = { refused: 0, skipped: 1, assigned: 2 } as const;
  const items = [...result.items].sort((a, b) => order[a.result] - order[b.result]);
  return (
    <Stack data-testid="assign-result">
      <Group gap="xs">
        <Badge color="teal" variant="light">
          {result.assigned} assigned
        </Badge>
        <Badge color="yellow" variant="light">
          {result.skipped} skipped
        </Badge>
        <Badge color="red" variant="light">
          {result.refused} refused
        </Badge>
      </Group>
      {items.length === 0 ? (
        <Text size="sm">The view matched no devices; nothing was assigned.</Text>
      ) : (
        <ScrollArea.Autosize mah={360}>
          <Table fz="sm" verticalSpacing={4} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Device</Table.Th>
                <Table.Th>Profile</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th>Reason</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.slice(0, SHOWN).map((item) => (
                <Table.Tr key={`${item.deviceId}-${item.profileId}`} data-testid="assign-result-row">
                  <Table.Td>{deviceName(item.deviceId)}</Table.Td>
                  <Table.Td>{profileName(item.profileId)}</Table.Td>
                  <Table.Td>
                    <Badge size="xs" color={RESULT_COLOR[item.result]} variant="light">
                      {item.result}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{item.reason ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {items.length > SHOWN && (
            <Text size="xs" c="dimmed" mt={4}>
              First {SHOWN} of {items.length} rows shown.
            </Text>
          )}
        </ScrollArea.Autosize>
      )}
      <Group justify="flex-end">
        <Button onClick={onClose}>Close</Button>
      </Group>
    </Stack>
  );
}
