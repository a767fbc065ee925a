import type { Device, DeviceSort, ViewExportField } from '@openums/protocol';
import { VIEW_EXPORT_DEFAULT_COLUMNS, VIEW_EXPORT_FIELDS } from '@openums/protocol';
import { Button, Checkbox, Group, Popover, Select, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useLocalStorage } from '@mantine/hooks';
import { formatMac, formatShortDateTime } from '../../lib/format';
import { useAllFolders } from '../devices/queries';
import { humanizeField } from './criteria-model';
import classes from './views.module.css';

const LABELS: Partial<Record<ViewExportField, string>> = {
  id: 'ID',
  unitId: 'Unit ID',
  mac: 'MAC address',
  lastIp: 'Last IP',
  folderId: 'Folder',
  assetId: 'Asset ID',
  registeredAt: 'Registered',
  configChanges: 'Config changes',
  connectedServer: 'Server',
};
export const columnLabel = (c: ViewExportField) => LABELS[c] ?? humanizeField(c);

const SORTS: { value: DeviceSort; label: string }[] = [
  { value: 'name', label: 'Name A–Z' },
  { value: '-name', label: 'Name Z–A' },
  { value: '-lastContact', label: 'Last contact, newest' },
  { value: 'lastContact', label: 'Last contact, oldest' },
  { value: 'mac', label: 'MAC' },
  { value: 'id', label: 'Registered order' },
];

/** A column: a Device field, or `attribute:<identifier>` (export and mail only: the grid has no attribute values). */
export type ViewColumn = ViewExportField | `attribute:${string}`;
const isDeviceField = (c: string): c is ViewExportField => (VIEW_EXPORT_FIELDS as readonly string[]).includes(c);
export const gridColumns = (columns: readonly ViewColumn[]) => columns.filter(isDeviceField);

/** The chosen columns, remembered in this browser; also what Export and Mail send. */
export function useViewColumns(attributes: readonly { identifier: string }[]) {
  const [stored, setStored] = useLocalStorage<string[]>({
    key: 'openums.views.columns',
    defaultValue: [...VIEW_EXPORT_DEFAULT_COLUMNS],
    getInitialValueInEffect: false,
  });
  const known = new Set(attributes.map((a) => `attribute:${a.identifier}`));
  // Device fields in the Device object's order, then attributes still defined.
  const fields = VIEW_EXPORT_FIELDS.filter((f) => stored.includes(f));
  const attrs = stored.filter((c) => known.has(c)) as ViewColumn[];
  const columns: ViewColumn[] = fields.length ? [...fields, ...attrs] : [...VIEW_EXPORT_DEFAULT_COLUMNS, ...attrs];
  return [columns, setStored as (c: ViewColumn[]) => void] as const;
}

export function ColumnChooser({
  columns,
  onChange,
  attributes,
}: {
  columns: readonly ViewColumn[];
  onChange: (c: ViewColumn[]) => void;
  attributes: readonly { identifier: string; name: string }[];
}) {
  const deviceCount = gridColumns(columns).length;
  const toggle = (column: ViewColumn, on: boolean) => onChange(on ? [...columns, column] : columns.filter((c) => c !== column));
  return (
    <Popover position="bottom-end" withinPortal shadow="md" width={380}>
      <Popover.Target>
        <Button size="compact-xs" variant="default" aria-label="Choose columns">
          Columns ({columns.length})
        </Button>
      </Popover.Target>
      <Popover.Dropdown aria-label="Columns">
        <Stack gap="xs">
          <SimpleGrid cols={2} spacing={6} verticalSpacing={6}>
            {VIEW_EXPORT_FIELDS.map((field) => (
              <Checkbox
                key={field}
                size="xs"
                label={columnLabel(field)}
                checked={columns.includes(field)}
                // The grid needs one device column.
                disabled={deviceCount === 1 && columns.includes(field)}
                onChange={(e) => toggle(field, e.currentTarget.checked)}
              />
            ))}
          </SimpleGrid>
          {attributes.length > 0 && (
            <>
              <Text size="xs" fw={600} c="dimmed">
                Device attributes (export and mail only)
              </Text>
              <SimpleGrid cols={2} spacing={6} verticalSpacing={6}>
                {attributes.map((a) => {
                  const column: ViewColumn = `attribute:${a.identifier}`;
                  return (
                    <Checkbox
                      key={a.identifier}
                      size="xs"
                      label={a.name}
                      checked={columns.includes(column)}
                      onChange={(e) => toggle(column, e.currentTarget.checked)}
                    />
                  );
                })}
              </SimpleGrid>
            </>
          )}
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              Export and mail use these columns too.
            </Text>
            <Button size="compact-xs" variant="subtle" onClick={() => onChange([...VIEW_EXPORT_DEFAULT_COLUMNS])}>
              Defaults
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

export function SortSelect({ value, onChange }: { value: DeviceSort; onChange: (s: DeviceSort) => void }) {
  return (
    <Select
      aria-label="Sort by"
      size="xs"
      w={170}
      data={SORTS}
      value={value}
      onChange={(v) => v && onChange(v as DeviceSort)}
      allowDeselect={false}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

interface GridProps {
  devices: readonly Device[];
  columns: readonly ViewExportField[];
  onOpenDevice?: (device: Device) => void;
}

export function ResultGrid({ devices, columns, onOpenDevice }: GridProps) {
  const folders = useAllFolders();
  const now = new Date();
  const cell = (device: Device, column: ViewExportField) => {
    const value = device[column];
    if (value === null || value === undefined || value === '')
      return (
        <Text c="dimmed" span>
          —
        </Text>
      );
    switch (column) {
      case 'mac':
        return formatMac(String(value));
      case 'lastContact':
      case 'lastBoot':
      case 'registeredAt':
        return <span title={String(value)}>{formatShortDateTime(String(value), now)}</span>;
      case 'online':
        // Text, not a badge: narrow columns stay readable at 1024 px.
        return (
          <Text span size="sm" c={value ? 'teal.8' : 'dimmed'}>
            {value ? '● online' : '○ offline'}
          </Text>
        );
      case 'folderId':
        return folders.index.path(Number(value));
      case 'connectedServer':
        return typeof value === 'object' && 'id' in value ? value.id : String(value);
      case 'configChanges':
        return value === 'PENDING' ? 'pending' : 'applied';
      default:
        return String(value);
    }
  };
  return (
    <Table
      className={classes.gridTable}
      striped
      highlightOnHover
      withRowBorders={false}
      verticalSpacing={4}
      fz="sm"
      data-testid="view-results"
    >
      <Table.Thead>
        <Table.Tr>
          {columns.map((c) => (
            <Table.Th key={c}>{columnLabel(c)}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {devices.map((device) => (
          <Table.Tr
            key={device.id}
            data-testid="view-result-row"
            onClick={onOpenDevice ? () => onOpenDevice(device) : undefined}
            style={onOpenDevice ? { cursor: 'pointer' } : undefined}
          >
            {columns.map((c) => (
              <Table.Td key={c}>{cell(device, c)}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
