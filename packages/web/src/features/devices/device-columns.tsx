import type { Device } from '@openums/protocol';
import { DEVICE_COLUMNS_PREFERENCE } from '@openums/protocol';
import { Button, Checkbox, Divider, Group, Popover, ScrollArea, SimpleGrid, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { listDeviceAttributes } from '../../api/device-attributes';
import { getPreference, putPreference } from '../../api/preferences';
import { notifyError } from '../../components/notify';
import { formatDateTime, formatMac, orDash } from '../../lib/format';
import classes from './devices.module.css';
import type { FolderIndex } from './queries';

export interface ColumnContext {
  folders: FolderIndex;
}

export interface DeviceColumn {
  id: string;
  label: string;
  /** CSS grid track. */
  width: string;
  /** Minimum pixels, for the table's minimum width. */
  min: number;
  sort?: 'name' | 'mac' | 'lastContact';
  mono?: boolean;
  render: (d: Device, ctx: ColumnContext) => ReactNode;
  title?: (d: Device, ctx: ColumnContext) => string | undefined;
}

const text = (get: (d: Device) => string | null) => ({
  render: (d: Device) => orDash(get(d)),
  title: (d: Device) => get(d) ?? undefined,
});
const time = (get: (d: Device) => string | null, empty = '—') => ({ render: (d: Device) => formatDateTime(get(d), empty) });

/** Every device field as a column (the name column is rendered by the table itself). */
export const FIELD_COLUMNS: readonly DeviceColumn[] = [
  { id: 'name', label: 'Name', width: 'minmax(160px, 2fr)', min: 160, sort: 'name', ...text((d) => d.name) },
  { id: 'mac', label: 'MAC', width: '145px', min: 145, sort: 'mac', mono: true, render: (d) => formatMac(d.mac) },
  { id: 'lastIp', label: 'Last IP', width: '120px', min: 120, mono: true, ...text((d) => d.lastIp) },
  { id: 'product', label: 'Product', width: 'minmax(110px, 1fr)', min: 110, ...text((d) => d.product) },
  { id: 'version', label: 'Version', width: '90px', min: 90, ...text((d) => d.version) },
  {
    id: 'online',
    label: 'Online',
    width: '80px',
    min: 80,
    render: (d) => (
      <>
        <span className={`${classes.dot} ${d.online ? classes.dotOnline : ''}`} aria-hidden />
        {d.online ? 'Online' : 'Offline'}
      </>
    ),
  },
  { id: 'lastContact', label: 'Last contact', width: '160px', min: 160, sort: 'lastContact', ...time((d) => d.lastContact, 'Never') },
  {
    id: 'folder',
    label: 'Folder',
    width: 'minmax(140px, 1.5fr)',
    min: 140,
    render: (d, c) => c.folders.path(d.folderId),
    title: (d, c) => c.folders.path(d.folderId),
  },
  {
    id: 'configChanges',
    label: 'Configuration',
    width: '110px',
    min: 110,
    render: (d) => (d.configChanges === 'PENDING' ? 'Pending' : d.configChanges === 'APPLIED' ? 'Applied' : '—'),
  },
  { id: 'id', label: 'ID', width: '70px', min: 70, render: (d) => String(d.id) },
  { id: 'unitId', label: 'Unit ID', width: '130px', min: 130, mono: true, ...text((d) => d.unitId) },
  { id: 'networkName', label: 'Network name', width: 'minmax(120px, 1fr)', min: 120, ...text((d) => d.networkName) },
  { id: 'site', label: 'Site', width: 'minmax(100px, 1fr)', min: 100, ...text((d) => d.site) },
  { id: 'department', label: 'Department', width: 'minmax(100px, 1fr)', min: 100, ...text((d) => d.department) },
  { id: 'costCenter', label: 'Cost center', width: '110px', min: 110, ...text((d) => d.costCenter) },
  { id: 'assetId', label: 'Asset ID', width: '110px', min: 110, ...text((d) => d.assetId) },
  { id: 'serialNumber', label: 'Serial number', width: '130px', min: 130, ...text((d) => d.serialNumber) },
  { id: 'inServiceDate', label: 'In service since', width: '110px', min: 110, ...text((d) => d.inServiceDate) },
  { id: 'comment', label: 'Comment', width: 'minmax(140px, 1.5fr)', min: 140, ...text((d) => d.comment) },
  { id: 'lastBoot', label: 'Last boot', width: '160px', min: 160, ...time((d) => d.lastBoot) },
  { id: 'registeredAt', label: 'Registered', width: '160px', min: 160, ...time((d) => d.registeredAt) },
  {
    id: 'connectedServer',
    label: 'Connected to',
    width: '130px',
    min: 130,
    render: (d) => (d.connectedServer ? `${d.connectedServer.host} (${d.connectedServer.worker})` : '—'),
  },
];

export const DEFAULT_COLUMNS: readonly string[] = ['name', 'mac', 'lastIp', 'product', 'version', 'online', 'lastContact'];
const ATTR = 'attr:';

function attributeColumn(identifier: string, label: string): DeviceColumn {
  return {
    id: `${ATTR}${identifier}`,
    label,
    width: 'minmax(110px, 1fr)',
    min: 110,
    render: (d) => orDash(d.attributes?.[identifier]),
    title: (d) => d.attributes?.[identifier],
  };
}

/**
 * The device list's columns, kept per administrator on the server (preference `devices.columns`),
 * so they follow the administrator to another browser. Name is always shown, first.
 */
export function useDeviceColumns() {
  const queryClient = useQueryClient();
  const key = ['preferences', DEVICE_COLUMNS_PREFERENCE] as const;
  const stored = useQuery({ queryKey: key, queryFn: ({ signal }) => getPreference(DEVICE_COLUMNS_PREFERENCE, signal), staleTime: 60_000 });
  const attributes = useQuery({
    queryKey: ['device-attributes'],
    queryFn: ({ signal }) => listDeviceAttributes(signal),
    staleTime: 60_000,
  });
  const catalogue = useMemo(
    () => [...FIELD_COLUMNS, ...(attributes.data?.items ?? []).map((a) => attributeColumn(a.identifier, a.name))],
    [attributes.data],
  );
  const save = useMutation({
    mutationFn: (ids: string[]) => putPreference(DEVICE_COLUMNS_PREFERENCE, ids),
    onMutate: (ids) => {
      // A read still in flight (the first load, a refetch) must not overwrite the choice just made;
      // cancelled at once, not awaited: the checkbox shows the choice in the same render.
      void queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData(key);
      queryClient.setQueryData(key, { key: DEVICE_COLUMNS_PREFERENCE, value: ids, updatedAt: null });
      return { previous };
    },
    onError: (error, _ids, context) => {
      queryClient.setQueryData(key, context?.previous);
      notifyError('Columns not saved', error);
    },
  });
  const value = stored.data?.value;
  const chosen = Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : DEFAULT_COLUMNS;
  const byId = new Map(catalogue.map((c) => [c.id, c]));
  // Unknown ids (an attribute deleted since) are dropped; name stays first.
  const columns = ['name', ...chosen.filter((id) => id !== 'name')].map((id) => byId.get(id)).filter((c): c is DeviceColumn => !!c);
  const attributeIds = columns.filter((c) => c.id.startsWith(ATTR)).map((c) => c.id.slice(ATTR.length));
  return { columns, catalogue, attributeIds, loading: stored.isPending, setColumns: (ids: string[]) => save.mutate(ids) };
}

export function ColumnChooser({
  columns,
  catalogue,
  onChange,
}: {
  columns: readonly DeviceColumn[];
  catalogue: readonly DeviceColumn[];
  onChange: (ids: string[]) => void;
}) {
  const ids = columns.map((c) => c.id);
  const toggle = (id: string, on: boolean) => onChange(on ? [...ids, id] : ids.filter((c) => c !== id));
  const fields = catalogue.filter((c) => !c.id.startsWith(ATTR));
  const attributes = catalogue.filter((c) => c.id.startsWith(ATTR));
  const box = (c: DeviceColumn) => (
    <Checkbox
      key={c.id}
      size="xs"
      label={c.label}
      checked={ids.includes(c.id)}
      disabled={c.id === 'name'}
      onChange={(e) => toggle(c.id, e.currentTarget.checked)}
    />
  );
  return (
    <Popover position="bottom-end" withinPortal shadow="md" width={380}>
      <Popover.Target>
        <Button size="compact-xs" variant="default" aria-label="Choose columns">
          Columns ({columns.length})
        </Button>
      </Popover.Target>
      <Popover.Dropdown aria-label="Columns">
        <ScrollArea.Autosize mah={420}>
          <Stack gap="xs">
            <SimpleGrid cols={2} spacing={6} verticalSpacing={6}>
              {fields.map(box)}
            </SimpleGrid>
            {attributes.length > 0 && (
              <>
                <Divider label="Device attributes" labelPosition="left" />
                <SimpleGrid cols={2} spacing={6} verticalSpacing={6}>
                  {attributes.map(box)}
                </SimpleGrid>
              </>
            )}
            <Group justify="space-between">
              <Text size="xs" c="dimmed">
                Kept for your account on the server.
              </Text>
              <Button size="compact-xs" variant="subtle" onClick={() => onChange([...DEFAULT_COLUMNS])}>
                Defaults
              </Button>
            </Group>
          </Stack>
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
