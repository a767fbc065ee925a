import type { DeviceAttributeOverwrite, DeviceAttributeType } from '@openums/protocol';
import { Button, Group, Modal, Paper, Select, Stack, Table, Text, Textarea, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  createDeviceAttribute,
  deleteDeviceAttribute,
  listDeviceAttributes,
  updateDeviceAttribute,
  type DeviceAttribute,
} from '../../api/device-attributes';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { LoadError, Loading, PageHeader } from './page-states';

const KEY = ['device-attributes'] as const;
const TYPES: Array<{ value: DeviceAttributeType; label: string }> = [
  { value: 'string', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'date', label: 'Date (yyyy-mm-dd)' },
  { value: 'range', label: 'List of values' },
];
const OVERWRITE: Array<{ value: DeviceAttributeOverwrite; label: string }> = [
  { value: 'server', label: 'Administrators' },
  { value: 'device', label: 'The device' },
  { value: 'all', label: 'Both (last change wins)' },
];
const label = <T extends string>(list: Array<{ value: T; label: string }>, v: T) => list.find((x) => x.value === v)?.label ?? v;

type Open = { kind: 'create' } | { kind: 'edit' | 'delete'; attribute: DeviceAttribute } | null;

/** Administration › Device attributes: the attributes devices carry, their types and who sets their values. */
export function DeviceAttributesPage() {
  const query = useQuery({ queryKey: KEY, queryFn: ({ signal }) => listDeviceAttributes(signal) });
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  const items = query.data?.items ?? [];
  return (
    <Stack p="lg" gap="lg" maw={1400}>
      <PageHeader
        title="Device attributes"
        description="Device-specific data such as location or department: defined here, set on each device by administrators or by the device itself (openums-agent attrs), usable in views."
      >
        <Button onClick={() => setOpen({ kind: 'create' })}>New attribute</Button>
      </PageHeader>
      {query.isPending ? (
        <Loading what="device attributes" />
      ) : query.isError && !query.data ? (
        <LoadError what="device attributes" right="globalSettings" error={query.error} onRetry={() => void query.refetch()} />
      ) : items.length === 0 ? (
        <Paper withBorder p="xl" radius="sm" maw={760} data-testid="no-attributes">
          <Text size="sm" c="dimmed">
            No device attributes yet.
          </Text>
        </Paper>
      ) : (
        <Table striped withTableBorder data-testid="attribute-definitions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Identifier</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Values set by</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{a.name}</Table.Td>
                <Table.Td>
                  <Text ff="monospace" size="sm">
                    {a.identifier}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {label(TYPES, a.type)}
                  {a.range && (
                    <Text size="xs" c="dimmed">
                      {a.range.join(', ')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{label(OVERWRITE, a.overwrite)}</Table.Td>
                <Table.Td>
                  <Group gap={6} justify="flex-end">
                    <Button size="compact-xs" variant="default" onClick={() => setOpen({ kind: 'edit', attribute: a })}>
                      Edit
                    </Button>
                    <Button size="compact-xs" variant="light" color="red" onClick={() => setOpen({ kind: 'delete', attribute: a })}>
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {(open?.kind === 'create' || open?.kind === 'edit') && (
        <AttributeDialog attribute={open.kind === 'edit' ? open.attribute : undefined} onClose={close} />
      )}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          opened
          title={`Delete ${open.attribute.name}?`}
          confirmLabel="Delete attribute"
          onClose={close}
          onConfirm={() => deleteDeviceAttribute(open.attribute.id)}
          onDone={() => {
            void queryClient.invalidateQueries({ queryKey: KEY });
            notifySuccess('Attribute deleted');
          }}
        >
          Every device loses its value of “{open.attribute.identifier}”. Views using it find nothing for it any more.
        </ConfirmDialog>
      )}
    </Stack>
  );
}

function AttributeDialog({ attribute, onClose }: { attribute?: DeviceAttribute; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [identifier, setIdentifier] = useState(attribute?.identifier ?? '');
  const [name, setName] = useState(attribute?.name ?? '');
  const [type, setType] = useState<DeviceAttributeType>(attribute?.type ?? 'string');
  const [range, setRange] = useState((attribute?.range ?? []).join('\n'));
  const [overwrite, setOverwrite] = useState<DeviceAttributeOverwrite>(attribute?.overwrite ?? 'server');
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const rangeList = [
    ...new Set(
      range
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      if (attribute) {
        await updateDeviceAttribute(attribute.id, { name, overwrite, ...(type === 'range' ? { range: rangeList } : {}) });
      } else {
        await createDeviceAttribute({ identifier, name, type, overwrite, ...(type === 'range' ? { range: rangeList } : {}) });
      }
      await queryClient.invalidateQueries({ queryKey: KEY });
      notifySuccess(attribute ? 'Attribute saved' : 'Attribute created');
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={attribute ? `Edit ${attribute.name}` : 'New device attribute'}>
      <Stack gap="sm">
        {error !== null && <ErrorAlert title="Not saved" error={error} />}
        <TextInput
          label="Identifier"
          description="Stable internal name used by devices and views: a-z, 0-9, _ and -"
          value={identifier}
          onChange={(e) => setIdentifier(e.currentTarget.value)}
          disabled={Boolean(attribute)}
          required
        />
        <TextInput label="Display name" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
        <Select
          label="Type"
          data={TYPES}
          value={type}
          onChange={(v) => v && setType(v as DeviceAttributeType)}
          disabled={Boolean(attribute)}
          allowDeselect={false}
        />
        {type === 'range' && (
          <Textarea
            label="Allowed values"
            description="One per line, in the order devices list them. Values removed here are removed from every device."
            autosize
            minRows={3}
            value={range}
            onChange={(e) => setRange(e.currentTarget.value)}
          />
        )}
        <Select
          label="Values set by"
          data={OVERWRITE}
          value={overwrite}
          onChange={(v) => v && setOverwrite(v as DeviceAttributeOverwrite)}
          allowDeselect={false}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void save()} loading={saving}>
            {attribute ? 'Save' : 'Create'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
