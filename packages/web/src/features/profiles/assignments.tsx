import type { ApplyMode, Profile } from '@openums/protocol';
import { Badge, Button, Group, Loader, Modal, Pill, ScrollArea, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { assignProfile, unassignProfile, type AssignmentTarget, type ProfileAssignment } from '../../api/profiles';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { formatDateTime } from '../../lib/format';
import { invalidateDeviceConfiguration, useAllFolders } from '../devices/queries';
import { ApplyChoice, ChangePreview } from '../configuration-editor/change-preview';
import { profileKeys, useAssignments } from './queries';

import { DevicePicker, FolderPicker, type PickedTarget } from './assignment-pickers';
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
