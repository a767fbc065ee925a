import type { DeviceAttributeValue } from '@openums/protocol';
import { Group, Loader, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { getDeviceAttributeValues, putDeviceAttributeValues } from '../../api/device-attributes';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { GatedButton } from '../access/gated-button';
import type { MyRightsCheck } from '../access/use-my-rights';

const MAX = 100;
const PLACEHOLDER: Record<DeviceAttributeValue['type'], string> = {
  string: 'Text',
  number: 'Number, e.g. 12 or 3.5',
  date: 'yyyy-mm-dd',
  range: 'Choose…',
};

export const attributeKeys = { values: (id: number) => ['devices', 'attributes', id] as const };

/**
 * The device's attribute values, editable where the overwrite rule lets administrators set them
 * (server, all) and the administrator holds editSystemInformation. Saved all or nothing.
 */
export function DeviceAttributes({ deviceId, rights }: { deviceId: number; rights: MyRightsCheck }) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: attributeKeys.values(deviceId),
    queryFn: ({ signal }) => getDeviceAttributeValues(deviceId, signal),
  });
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (query.data) setDraft(Object.fromEntries(query.data.items.map((i) => [i.identifier, i.value ?? ''])));
  }, [query.data]);

  if (query.isPending) {
    return (
      <Group gap="xs">
        <Loader size="xs" />
        <Text size="sm">Loading attributes…</Text>
      </Group>
    );
  }
  if (query.isError) return <ErrorAlert title="Cannot load attributes" error={query.error} />;
  const items = query.data.items;
  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="attributes-empty">
        No device attributes are defined. Administrators with the global settings right define them under Administration › Device
        attributes.
      </Text>
    );
  }
  const editable = rights.can('editSystemInformation');
  const changes: Record<string, string | null> = {};
  for (const i of items) {
    const next = (draft[i.identifier] ?? '').trim();
    if (next !== (i.value ?? '')) changes[i.identifier] = next === '' ? null : next;
  }
  const dirty = Object.keys(changes).length > 0;

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const saved = await putDeviceAttributeValues(deviceId, changes);
      queryClient.setQueryData(attributeKeys.values(deviceId), saved);
      notifySuccess('Attributes saved');
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Stack gap="sm">
      {error !== null && <ErrorAlert title="Attributes not saved" error={error} />}
      <Table striped withTableBorder data-testid="device-attributes">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Attribute</Table.Th>
            <Table.Th>Value</Table.Th>
            <Table.Th>Set by</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((i) => {
            const locked = !editable || i.overwrite === 'device';
            const value = draft[i.identifier] ?? '';
            const set = (v: string) => setDraft((d) => ({ ...d, [i.identifier]: v }));
            return (
              <Table.Tr key={i.identifier}>
                <Table.Td>
                  <Text size="sm">{i.name}</Text>
                  <Text size="xs" c="dimmed">
                    {i.identifier} · {i.type}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {i.type === 'range' ? (
                    <Select
                      size="xs"
                      aria-label={i.name}
                      data={i.range ?? []}
                      value={value === '' ? null : value}
                      onChange={(v) => set(v ?? '')}
                      clearable
                      disabled={locked}
                      placeholder={PLACEHOLDER.range}
                    />
                  ) : (
                    <TextInput
                      size="xs"
                      aria-label={i.name}
                      value={value}
                      onChange={(e) => set(e.currentTarget.value)}
                      maxLength={MAX}
                      disabled={locked}
                      placeholder={PLACEHOLDER[i.type]}
                    />
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {i.overwrite === 'server' ? 'Administrators' : i.overwrite === 'device' ? 'The device' : 'Both'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Group justify="flex-end">
        <GatedButton size="xs" rights={rights} right="editSystemInformation" onClick={() => void save()} loading={saving} disabled={!dirty}>
          Save attributes
        </GatedButton>
      </Group>
    </Stack>
  );
}
