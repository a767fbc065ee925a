import type { FolderRuleTestDevice } from '@openums/protocol';
import { Badge, Button, Checkbox, Group, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { applyRules, testRules, type ApplyDefaultFolderRulesResponse } from '../../api/default-folder-rules';
import { listDevices } from '../../api/devices';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { FolderSelect } from '../devices/folder-select';
import type { FolderKey } from '../devices/queries';

const FIELDS: Array<[keyof FolderRuleTestDevice, string, string]> = [
  ['structureTag', 'Structure tag', 'DE-AUG'],
  ['lastIp', 'IP address', '10.1.2.77'],
  ['mac', 'MAC', '00:E0:C5:12:34:56'],
  ['name', 'Name', 'ITC00E0C5123456'],
  ['product', 'Product', 'OpenUMS Linux'],
  ['version', 'Version', '12.1.0'],
  ['site', 'Site', ''],
  ['department', 'Department', ''],
];

/** "Where would a device with these properties land?" */
export function TestBox() {
  const [device, setDevice] = useState<Record<string, string>>({});
  const [folder, setFolder] = useState<FolderKey>('root');
  const [at, setAt] = useState<'registration' | 'boot'>('registration');
  const test = useMutation({
    mutationFn: () => {
      const props = Object.fromEntries(Object.entries(device).filter(([, v]) => v.trim() !== '')) as FolderRuleTestDevice;
      return testRules({ device: { ...props, ...(folder !== 'root' ? { folderId: folder } : {}) }, at });
    },
  });
  const r = test.data;
  return (
    <Paper withBorder p="md" radius="sm" data-testid="rule-test-box" miw={360}>
      <Stack gap="sm">
        <Title order={3} size="h5">
          Test: where would a device land?
        </Title>
        <SimpleGrid cols={2} spacing="xs" verticalSpacing={6}>
          {FIELDS.map(([key, label, placeholder]) => (
            <TextInput
              key={key}
              size="xs"
              label={label}
              placeholder={placeholder ? `e.g. ${placeholder}` : undefined}
              value={device[key] ?? ''}
              onChange={(e) => setDevice({ ...device, [key]: e.currentTarget.value })}
            />
          ))}
        </SimpleGrid>
        <FolderSelect label="Where it is now" value={folder} onChange={setFolder} description="Top level: in no folder, as a new device." />
        <Group justify="space-between">
          <SegmentedControl
            size="xs"
            value={at}
            onChange={(v) => setAt(v as 'registration' | 'boot')}
            data={[
              { value: 'registration', label: 'At registration' },
              { value: 'boot', label: 'At boot' },
            ]}
          />
          <Button size="xs" onClick={() => test.mutate()} loading={test.isPending}>
            Test
          </Button>
        </Group>
        {test.isError && <ErrorAlert title="Not tested" error={test.error} />}
        {r && (
          <Stack gap={4} data-testid="rule-test-result">
            <Text size="sm">
              {r.decidingRule ? (
                <>
                  Rule <b>{r.decidingRule.name}</b> decides: <b>{r.targetPath ?? '—'}</b>
                  {r.createsFolder && ` (folder ${r.createsFolder} is created)`}
                </>
              ) : (
                'No rule decides a folder.'
              )}
            </Text>
            {r.path.length > 0 && (
              <Text size="xs" c="dimmed">
                Matching rules: {r.path.map((p) => p.name).join(' › ')}
              </Text>
            )}
            <Group gap={6}>
              <Badge color={r.moves ? 'green' : 'gray'} variant="light">
                {r.moves ? 'moves' : 'stays'}
              </Badge>
              <Text size="xs">{r.reason}</Text>
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

/** At most this many devices in one preview (one apply call). */
const APPLY_LIMIT = 1000;

/** "Apply rules now" to the devices of a folder: the preview of moves first, then the moves. */
export function ApplyPanel() {
  const queryClient = useQueryClient();
  const [folder, setFolder] = useState<FolderKey>('root');
  const [recursive, setRecursive] = useState(true);
  const [ids, setIds] = useState<number[]>([]);
  const preview = useMutation({
    mutationFn: async () => {
      const found: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await listDevices({ folderId: folder, recursive, q: '', sort: 'name' }, cursor);
        found.push(...page.items.map((d) => d.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && found.length < APPLY_LIMIT);
      setIds(found.slice(0, APPLY_LIMIT));
      return found.length
        ? applyRules(found.slice(0, APPLY_LIMIT), true)
        : ({ dryRun: true, moved: 0, items: [] } as ApplyDefaultFolderRulesResponse);
    },
  });
  const apply = useMutation({
    mutationFn: () => applyRules(ids, false),
    onSuccess: async (r) => {
      notifySuccess(`${r.moved} device${r.moved === 1 ? '' : 's'} moved`);
      preview.reset();
      await queryClient.invalidateQueries({ queryKey: ['folders'] });
      await queryClient.invalidateQueries({ queryKey: ['devices'] });
    },
  });
  const items = preview.data?.items ?? [];
  const moving = items.filter((i) => i.moves).length;
  return (
    <Paper withBorder p="md" radius="sm" data-testid="rule-apply" miw={360}>
      <Stack gap="sm">
        <Title order={3} size="h5">
          Apply rules now
        </Title>
        <FolderSelect label="Devices in" value={folder} onChange={setFolder} />
        <Group justify="space-between">
          <Checkbox label="With sub-folders" checked={recursive} onChange={(e) => setRecursive(e.currentTarget.checked)} />
          <Button size="xs" variant="default" onClick={() => preview.mutate()} loading={preview.isPending}>
            Preview moves
          </Button>
        </Group>
        {preview.isError && <ErrorAlert title="No preview" error={preview.error} />}
        {apply.isError && <ErrorAlert title="Not applied" error={apply.error} />}
        {preview.data && (
          <Stack gap="xs" data-testid="rule-apply-preview">
            <Text size="sm">
              {items.length} device{items.length === 1 ? '' : 's'}, {moving} would move.
            </Text>
            {items.length > 0 && (
              <Table withTableBorder striped fz="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Device</Table.Th>
                    <Table.Th>From</Table.Th>
                    <Table.Th>To</Table.Th>
                    <Table.Th>Why</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.slice(0, 200).map((i) => (
                    <Table.Tr key={i.deviceId} data-moves={i.moves || undefined}>
                      <Table.Td>{i.deviceName}</Table.Td>
                      <Table.Td>{i.fromPath ?? 'Top level'}</Table.Td>
                      <Table.Td>{i.moves ? i.toPath : '—'}</Table.Td>
                      <Table.Td>{i.reason}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Group justify="flex-end">
              <Button size="xs" disabled={moving === 0} onClick={() => apply.mutate()} loading={apply.isPending}>
                Move {moving} device{moving === 1 ? '' : 's'}
              </Button>
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
