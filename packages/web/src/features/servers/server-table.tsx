import { Badge, Button, Group, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isApiError } from '../../api/client';
import { deleteServer, type ServerProcess } from '../../api/servers';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { notifySuccess } from '../../components/notify';
import { formatDateTime } from '../../lib/format';
import { useGeneralRight } from '../access/use-general-rights';
import { formatAgo, formatClockOffset, isClockOff } from './cluster-health';
import { clusterQueries } from './queries';

const name = (s: ServerProcess) => `${s.host} (worker ${s.worker})`;

/** Running before dead, then by host and worker: the order does not jump between refreshes. */
const byStatusHostWorker = (a: ServerProcess, b: ServerProcess) =>
  (a.status === b.status ? 0 : a.status === 'running' ? -1 : 1) || a.host.localeCompare(b.host) || a.worker - b.worker;

/** The server processes of the cluster; `now` is when the list was fetched (for "last beat … ago"). */
export function ServerTable({ servers, now }: { servers: readonly ServerProcess[]; now: number }) {
  const canManage = useGeneralRight('servers');
  const [removing, setRemoving] = useState<ServerProcess | null>(null);
  const queryClient = useQueryClient();
  const rows = [...servers].sort(byStatusHostWorker);

  return (
    <>
      <Table.ScrollContainer minWidth={1000}>
        <Table
          striped
          highlightOnHover
          fz="sm"
          verticalSpacing={6}
          aria-label="Servers"
          data-testid="server-table"
          style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Host</Table.Th>
              <Table.Th ta="right">Worker</Table.Th>
              <Table.Th ta="right">PID</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th ta="right">Devices connected</Table.Th>
              <Table.Th>Last beat</Table.Th>
              <Table.Th ta="right" title="This server's clock minus the database's clock">
                Clock offset
              </Table.Th>
              <Table.Th aria-label="Actions" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((s) => {
              const clockOff = isClockOff(s.clockOffsetMs);
              return (
                <Table.Tr key={s.id} data-testid="server-row" data-server-id={s.id} data-status={s.status} data-self={s.self || undefined}>
                  <Table.Td miw={230} maw={320}>
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm" fw={500} truncate title={s.host}>
                        {s.host}
                      </Text>
                      {s.self && (
                        <Badge
                          size="xs"
                          variant="outline"
                          color="teal"
                          title="The server that answered this page"
                          style={{ flexShrink: 0, minWidth: 'max-content' }}
                          data-testid="self-marker"
                        >
                          This server
                        </Badge>
                      )}
                    </Group>
                    <Text size="xs" c="dimmed" truncate title={[...s.addresses.map((a) => `${a}:${s.port}`), s.database].join('\n')}>
                      {s.addresses.length ? `${s.addresses.join(', ')} · port ${s.port}` : `port ${s.port}`}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">{s.worker}</Table.Td>
                  <Table.Td ta="right">{s.pid}</Table.Td>
                  <Table.Td>
                    <Badge
                      color={s.status === 'running' ? 'green' : 'red'}
                      variant="light"
                      style={{ minWidth: 'max-content' }}
                      data-testid="server-status"
                      title={s.status === 'dead' ? 'No beat for three beat intervals; its devices were marked offline' : undefined}
                    >
                      {s.status === 'running' ? 'Running' : 'Dead'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{s.version}</Table.Td>
                  <Table.Td ta="right">{s.status === 'running' ? s.devicesConnected.toLocaleString() : '—'}</Table.Td>
                  <Table.Td title={formatDateTime(s.lastBeat)} style={{ whiteSpace: 'nowrap' }}>
                    {formatAgo(s.lastBeat, now)}
                  </Table.Td>
                  <Table.Td
                    ta="right"
                    style={{ whiteSpace: 'nowrap' }}
                    c={clockOff ? 'red' : undefined}
                    fw={clockOff ? 700 : undefined}
                    title={clockOff ? 'More than a minute off the database clock: synchronize this server (NTP)' : undefined}
                    data-testid="clock-offset"
                    data-clock-off={clockOff || undefined}
                  >
                    {formatClockOffset(s.clockOffsetMs)}
                  </Table.Td>
                  <Table.Td ta="right">
                    {s.status === 'dead' && canManage && (
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        onClick={() => setRemoving(s)}
                        aria-label={`Remove ${name(s)}`}
                      >
                        Remove
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {removing && (
        <ConfirmDialog
          opened
          title="Remove server entry"
          confirmLabel="Remove"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            try {
              await deleteServer(removing.id);
            } catch (error) {
              // Removed by someone else meanwhile: the entry is gone, as asked.
              if (!isApiError(error, 'SERVER_NOT_FOUND')) {
                void queryClient.invalidateQueries({ queryKey: clusterQueries.servers });
                if (isApiError(error, 'SERVER_RUNNING')) throw new Error(`${name(removing)} is running again, so it was not removed.`);
                throw error;
              }
            }
            queryClient.setQueryData<{ items: ServerProcess[] }>(clusterQueries.servers, (data) =>
              data ? { ...data, items: data.items.filter((s) => s.id !== removing.id) } : data,
            );
            void queryClient.invalidateQueries({ queryKey: clusterQueries.servers });
          }}
          onDone={() => notifySuccess(`${name(removing)} removed from the list`)}
        >
          Remove <b>{name(removing)}</b>, process {removing.pid}, from the list? Its last beat was at {formatDateTime(removing.lastBeat)}.
          This only removes the entry: if the process is started again, it registers itself again.
        </ConfirmDialog>
      )}
    </>
  );
}
