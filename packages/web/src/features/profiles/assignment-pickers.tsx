import type { Device, DeviceFolder } from '@openums/protocol';
import { Badge, Checkbox, CloseButton, Group, Loader, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { listDevices } from '../../api/devices';
import { type AssignmentTarget } from '../../api/profiles';
import { ErrorAlert } from '../../components/error-alert';
import { formatMac, plural } from '../../lib/format';
import { withMember } from '../../lib/sets';
import { useAllFolders } from '../devices/queries';
import classes from './profiles.module.css';

export interface PickedTarget extends AssignmentTarget {
  label: string;
}

/** Assign a profile to devices (found by name) and device folders (picked in the tree), after a preview. */ interface PickerProps {
  picked: ReadonlySet<string>;
  assigned: ReadonlySet<string>;
  onToggle: (target: PickedTarget, on: boolean) => void;
}

export function DevicePicker({ picked, assigned, onToggle }: PickerProps) {
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

export function FolderPicker({
  picked,
  assigned,
  onToggle,
  hint = 'Sub-folders inherit the profile: pick the highest folder that should get it.',
}: PickerProps & { hint?: string }) {
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
        {hint}
      </Text>
    </Stack>
  );
}
