import type { ApplyMode, Device, DeviceFolder, Profile } from '@openums/protocol';
import {
  Badge,
  Button,
  Checkbox,
  CloseButton,
  Group,
  Loader,
  Modal,
  Pill,
  ScrollArea,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { listDevices } from '../../api/devices';
import { assignProfile, unassignProfile, type AssignmentTarget, type ProfileAssignment } from '../../api/profiles';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { formatDateTime, formatMac, plural } from '../../lib/format';
import { withMember } from '../../lib/sets';
import { invalidateDeviceConfiguration, useAllFolders } from '../devices/queries';
import { ApplyChoice, ChangePreview } from '../configuration-editor/change-preview';
import classes from './profiles.module.css';
import { profileKeys, useAssignments } from './queries';

const targetId = (t: AssignmentTarget) => `${t.type}:${t.id}`;

/** Where a profile is assigned directly, with removal. */
export function AssignmentsPanel({ profile, canWrite }: { profile: Profile; canWrite: boolean }) {
  const query = useAssignments(profile.id);
  const folders = useAllFolders();
  const [removing, setRemoving] = useState<ProfileAssignment | null>(null);
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <ScrollArea style={{ flex: 1 }}>
      <Stack p="md" gap="sm" maw={1000}>
        <Text size="sm" c="dimmed">
          The devices and device folders this profile is assigned to. Devices in an assigned folder, and in its sub-folders, get the profile
          too.
          {canWrite && ' Use “Assign…” above to add more.'}
        </Text>
        {query.isPending ? (
          <Group gap="xs">
            <Loader size="xs" />
            <Text size="sm">Loading assignments…</Text>
          </Group>
        ) : query.isError ? (
          <ErrorAlert title="Cannot load the assignments" error={query.error} />
        ) : items.length === 0 ? (
          <Text size="sm" data-testid="no-assignments">
            Not assigned yet: no device gets this profile.
          </Text>
        ) : (
          <Table withTableBorder striped highlightOnHover verticalSpacing={6} aria-label="Assignments" data-testid="assignment-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={100}>Type</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th w={200}>Assigned</Table.Th>
                {canWrite && <Table.Th w={100} aria-label="Actions" />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((a) => (
                <Table.Tr key={targetId(a)} data-testid="assignment-row">
                  <Table.Td>
                    <Badge variant="light" color={a.type === 'folder' ? 'blue' : 'teal'}>
                      {a.type === 'folder' ? 'Folder' : 'Device'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{a.type === 'folder' && folders.index.byId.has(a.id) ? folders.index.path(a.id) : a.name}</Table.Td>
                  <Table.Td>{formatDateTime(a.assignedAt)}</Table.Td>
                  {canWrite && (
                    <Table.Td>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        onClick={() => setRemoving(a)}
                        aria-label={`Remove assignment to ${a.name}`}
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {query.hasNextPage && (
          <Button
            variant="subtle"
            size="compact-sm"
            w="fit-content"
            loading={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            Load more
          </Button>
        )}
      </Stack>
      {removing && <RemoveAssignmentDialog profile={profile} assignment={removing} onClose={() => setRemoving(null)} />}
    </ScrollArea>
  );
}

function RemoveAssignmentDialog({
  profile,
  assignment,
  onClose,
}: {
  profile: Profile;
  assignment: ProfileAssignment;
  onClose: () => void;
}) {
  const [apply, setApply] = useState<ApplyMode>('now');
  const queryClient = useQueryClient();
  const target = { type: assignment.type, id: assignment.id };
  const remove = useMutation({
    mutationFn: () => unassignProfile(profile.id, [target], apply),
    onSuccess: () => {
      onClose();
      notifySuccess(`"${profile.name}" is no longer assigned to ${assignment.name}`);
      invalidateDeviceConfiguration(queryClient);
      void queryClient.invalidateQueries({ queryKey: profileKeys.assignments(profile.id) });
    },
  });
  return (
    <Modal opened onClose={onClose} title="Remove assignment" centered size="lg">
      <Stack>
        <Text size="sm">
          Remove the assignment of <b>{profile.name}</b> to the {assignment.type} <b>{assignment.name}</b>?
        </Text>
        <ChangePreview profileId={profile.id} request={{ unassign: [target] }} />
        <ApplyChoice value={apply} onChange={setApply} />
        {remove.error && <ErrorAlert title="Could not remove the assignment" error={remove.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
            Remove assignment
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

interface PickedTarget extends AssignmentTarget {
  label: string;
}

/** Assign a profile to devices (found by name) and device folders (picked in the tree), after a preview. */
export function AssignProfileDialog({ profile, onClose, onAssigned }: { profile: Profile; onClose: () => void; onAssigned?: () => void }) {
  const [mode, setMode] = useState<'devices' | 'folders'>('devices');
  const [picked, setPicked] = useState<PickedTarget[]>([]);
  const [apply, setApply] = useState<ApplyMode>('now');
  const existing = useAssignments(profile.id);
  const assigned = useMemo(() => new Set((existing.data?.pages.flatMap((p) => p.items) ?? []).map(targetId)), [existing.data]);
  const pickedIds = useMemo(() => new Set(picked.map(targetId)), [picked]);
  const [previewTargets] = useDebouncedValue(picked, 400);
  const queryClient = useQueryClient();

  const toggle = (target: PickedTarget, on: boolean) =>
    setPicked((prev) =>
      on ? [...prev.filter((p) => targetId(p) !== targetId(target)), target] : prev.filter((p) => targetId(p) !== targetId(target)),
    );

  const assign = useMutation({
    mutationFn: () =>
      assignProfile(
        profile.id,
        picked.map(({ type, id }) => ({ type, id })),
        apply,
      ),
    onSuccess: (result) => {
      onClose();
      onAssigned?.();
      const n = result.devices;
      const reach = n === undefined ? '' : `; ${n === 1 ? '1 device gets' : `${n} devices get`} the new configuration`;
      notifySuccess(`"${profile.name}" assigned to ${picked.length} ${picked.length === 1 ? 'target' : 'targets'}${reach}`);
      invalidateDeviceConfiguration(queryClient);
      void queryClient.invalidateQueries({ queryKey: profileKeys.assignments(profile.id) });
    },
  });

  return (
    <Modal opened onClose={onClose} title={`Assign "${profile.name}"`} centered size="xl">
      <Stack gap="sm">
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as 'devices' | 'folders')}
          data={[
            { value: 'devices', label: 'Devices' },
            { value: 'folders', label: 'Device folders' },
          ]}
          w="fit-content"
        />
        {mode === 'devices' ? (
          <DevicePicker picked={pickedIds} assigned={assigned} onToggle={toggle} />
        ) : (
          <FolderPicker picked={pickedIds} assigned={assigned} onToggle={toggle} />
        )}
        <div>
          <Text size="sm" fw={500} mb={4}>
            Selected ({picked.length})
          </Text>
          {picked.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nothing selected yet.
            </Text>
          ) : (
            <Group gap={6} data-testid="picked-targets">
              {picked.map((t) => (
                <Pill
                  key={targetId(t)}
                  withRemoveButton
                  onRemove={() => toggle(t, false)}
                  removeButtonProps={{ 'aria-label': `Unselect ${t.label}` }}
                >
                  {t.type === 'folder' ? `Folder ${t.label}` : t.label}
                </Pill>
              ))}
            </Group>
          )}
        </div>
        {previewTargets.length > 0 && (
          <ChangePreview profileId={profile.id} request={{ assign: previewTargets.map(({ type, id }) => ({ type, id })) }} />
        )}
        <ApplyChoice value={apply} onChange={setApply} />
        {assign.error && <ErrorAlert title="Could not assign" error={assign.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button disabled={picked.length === 0} loading={assign.isPending} onClick={() => assign.mutate()}>
            {picked.length ? `Assign to ${picked.length} ${picked.length === 1 ? 'target' : 'targets'}` : 'Assign'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

interface PickerProps {
  picked: ReadonlySet<string>;
  assigned: ReadonlySet<string>;
  onToggle: (target: PickedTarget, on: boolean) => void;
}

function DevicePicker({ picked, assigned, onToggle }: PickerProps) {
  const [text, setText] = useState('');
  const [q] = useDebouncedValue(text.trim(), 250);
  const folders = useAllFolders();
  const query = useQuery({
    // Not under ['devices', 'list']: those keys hold paged lists that live updates patch.
    queryKey: ['device-picker', q],
    queryFn: ({ signal }) => listDevices({ folderId: undefined, recursive: true, q, sort: 'name' }, undefined, signal),
  });
  const devices: Device[] = query.data?.items ?? [];
  return (
    <Stack gap={6}>
      <TextInput
        size="sm"
        type="search"
        label="Find devices"
        placeholder="Name, MAC, IP, unit id or serial (prefix)"
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        data-autofocus
        rightSection={query.isFetching ? <Loader size={12} /> : undefined}
      />
      <ScrollArea h={240} className={classes.pickerBox} data-testid="device-picker">
        {query.isError ? (
          <ErrorAlert title="Cannot search devices" error={query.error} />
        ) : query.isPending ? null : devices.length === 0 ? (
          <Text size="sm" c="dimmed" p="xs">
            {q ? `No device starts with "${q}".` : 'No devices yet.'}
          </Text>
        ) : (
          devices.map((d) => {
            const id = `device:${d.id}`;
            const already = assigned.has(id);
            return (
              <Checkbox
                key={d.id}
                className={classes.pickerRow}
                checked={already || picked.has(id)}
                disabled={already}
                onChange={(e) => onToggle({ type: 'device', id: d.id, label: d.name }, e.currentTarget.checked)}
                aria-label={d.name}
                label={
                  <Group gap={8} wrap="nowrap">
                    <Text size="sm" fw={500}>
                      {d.name}
                    </Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {formatMac(d.mac)}
                    </Text>
                    <Text size="xs" c="dimmed" truncate>
                      {folders.index.path(d.folderId)}
                    </Text>
                    {already && (
                      <Badge size="xs" variant="light">
                        already assigned
                      </Badge>
                    )}
                  </Group>
                }
              />
            );
          })
        )}
        {query.data?.nextCursor && (
          <Text size="xs" c="dimmed" p="xs">
            Showing the first {devices.length} matches; type more of the name to narrow down.
          </Text>
        )}
      </ScrollArea>
    </Stack>
  );
}

function FolderPicker({ picked, assigned, onToggle }: PickerProps) {
  const folders = useAllFolders();
  const [expandedByUser, setExpanded] = useState<ReadonlySet<number> | null>(null);
  // A small tree starts open; a large one starts with its top level.
  const expanded = useMemo(
    () => expandedByUser ?? new Set((folders.data ?? []).length <= 60 ? (folders.data ?? []).map((f) => f.id) : []),
    [expandedByUser, folders.data],
  );
  const [filter, setFilter] = useState('');
  const children = useMemo(() => {
    const map = new Map<number | null, DeviceFolder[]>();
    for (const f of folders.data ?? []) {
      const parent = f.parentId !== null && folders.index.byId.has(f.parentId) ? f.parentId : null;
      map.set(parent, [...(map.get(parent) ?? []), f]);
    }
    for (const list of map.values()) list.sort((a, b) => a.name.localeCompare(b.name));
    return map;
  }, [folders.data, folders.index]);
  const needle = filter.trim().toLowerCase();
  const matches = useMemo(
    () =>
      needle
        ? (folders.data ?? [])
            .filter((f) => folders.index.path(f.id).toLowerCase().includes(needle))
            .sort((a, b) => folders.index.path(a.id).localeCompare(folders.index.path(b.id)))
        : [],
    [needle, folders.data, folders.index],
  );

  const row = (folder: DeviceFolder, level: number, showPath: boolean) => {
    const id = `folder:${folder.id}`;
    const already = assigned.has(id);
    const inheritedFrom = already
      ? undefined
      : folders.index
          .ancestors(folder.id)
          .slice(0, -1)
          .reverse()
          .find((a) => assigned.has(`folder:${a}`));
    const kids = children.get(folder.id) ?? [];
    const open = expanded.has(folder.id);
    return (
      <div key={folder.id}>
        <Group gap={4} wrap="nowrap" pl={(level - 1) * 18} className={classes.pickerRow}>
          {kids.length > 0 && !showPath ? (
            <CloseButton
              size="sm"
              icon={
                <span style={{ display: 'inline-block', transform: open ? 'rotate(90deg)' : undefined, transition: 'transform 120ms' }}>
                  ▸
                </span>
              }
              aria-label={`${open ? 'Collapse' : 'Expand'} ${folder.name}`}
              onClick={() => setExpanded(withMember(expanded, folder.id, !open))}
            />
          ) : (
            <span style={{ width: 22, flex: 'none' }} />
          )}
          <Checkbox
            checked={already || picked.has(id)}
            disabled={already}
            aria-label={folders.index.path(folder.id)}
            onChange={(e) => onToggle({ type: 'folder', id: folder.id, label: folders.index.path(folder.id) }, e.currentTarget.checked)}
            label={
              <Group gap={8} wrap="nowrap">
                <Text size="sm">{showPath ? folders.index.path(folder.id) : folder.name}</Text>
                <Text size="xs" c="dimmed">
                  {plural(folder.deviceCount, 'device')}
                </Text>
                {already && (
                  <Badge size="xs" variant="light">
                    already assigned
                  </Badge>
                )}
                {inheritedFrom !== undefined && (
                  <Badge size="xs" variant="light" color="gray" title={`Gets the profile from ${folders.index.path(inheritedFrom)}`}>
                    inherits it
                  </Badge>
                )}
              </Group>
            }
          />
        </Group>
        {open && !showPath && kids.map((k) => row(k, level + 1, false))}
      </div>
    );
  };

  return (
    <Stack gap={6}>
      <TextInput
        size="sm"
        type="search"
        label="Find folders"
        placeholder="Part of a folder's name"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
      />
      <ScrollArea h={240} className={classes.pickerBox} data-testid="folder-picker">
        {folders.isError ? (
          <ErrorAlert title="Cannot load folders" error={folders.error} />
        ) : folders.isPending ? (
          <Group gap="xs" p="xs">
            <Loader size="xs" />
            <Text size="sm">Loading folders…</Text>
          </Group>
        ) : (folders.data ?? []).length === 0 ? (
          <Text size="sm" c="dimmed" p="xs">
            There are no device folders yet.
          </Text>
        ) : needle ? (
          matches.length ? (
            matches.map((f) => row(f, 1, true))
          ) : (
            <Text size="sm" c="dimmed" p="xs">
              No folder matches "{filter.trim()}".
            </Text>
          )
        ) : (
          (children.get(null) ?? []).map((f) => row(f, 1, false))
        )}
      </ScrollArea>
      <Text size="xs" c="dimmed">
        Sub-folders inherit the profile: pick the highest folder that should get it.
      </Text>
    </Stack>
  );
}
