import { Button, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useMemo } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { formatDateTime, formatDuration, formatShortDateTime } from '../../lib/format';
import { commandLabel } from './command-catalog';
import { CommandStateBadge } from './command-result';
import { useDeviceCommands } from './queries';

/** The commands sent to one device, newest first; states follow live events. */
export function CommandHistory({ deviceId }: { deviceId: number }) {
  const query = useDeviceCommands(deviceId);
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);

  if (query.isPending) {
    return (
      <Group gap="xs" p="xs">
        <Loader size="xs" />
        <Text size="sm">Loading commands…</Text>
      </Group>
    );
  }
  if (query.isError && !query.data) {
    return (
      <Stack gap="xs">
        <ErrorAlert title="Cannot load the command history" error={query.error} />
        <Button size="compact-sm" variant="default" w="fit-content" onClick={() => void query.refetch()}>
          Try again
        </Button>
      </Stack>
    );
  }
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed" p="xs">
        No commands have been sent to this device yet.
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      <Table fz="xs" verticalSpacing={4} horizontalSpacing={6} striped aria-label="Command history" data-testid="command-history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Command</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Sent</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((c) => (
            <Table.Tr key={c.id} data-testid="command-history-row" data-command-id={c.id}>
              <Table.Td>
                <Text size="xs" fw={500}>
                  {commandLabel(c.command)}
                </Text>
                {c.text && (
                  <Text size="xs" c="dimmed" lineClamp={2} title={c.text}>
                    “{c.text}”
                  </Text>
                )}
                {c.createdBy && (
                  <Text size="xs" c="dimmed">
                    by {c.createdBy}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <CommandStateBadge state={c.state} size="xs" />
                {c.message && (
                  <Text size="xs" c={c.state === 'failed' ? 'red' : 'dimmed'} lineClamp={3} title={c.message}>
                    {c.message}
                  </Text>
                )}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="xs" title={formatDateTime(c.createdAt)}>
                  {formatShortDateTime(c.createdAt)}
                </Text>
                {c.finishedAt && (
                  <Text size="xs" c="dimmed" title={`Finished ${formatDateTime(c.finishedAt)}`}>
                    took {tookText(c.createdAt, c.finishedAt)}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {query.hasNextPage && (
        <Button
          size="compact-xs"
          variant="subtle"
          w="fit-content"
          loading={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        >
          Load older commands
        </Button>
      )}
    </Stack>
  );
}

function tookText(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms / 1000);
}
