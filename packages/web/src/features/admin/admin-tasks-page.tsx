import type { AdminTaskType } from '@openums/protocol';
import { Badge, Button, Group, Modal, Paper, Stack, Switch, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { deleteAdminTask, listAdminTaskRuns, listAdminTasks, runAdminTask, updateAdminTask, type AdminTask } from '../../api/admin-tasks';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { formatDateTime, scheduleSummary } from '../jobs/schedule';
import { TaskDialog, TYPE_LABEL } from './admin-task-dialog';
import { LoadError, Loading, PageHeader } from './page-states';

export const adminTasksQueryKey = ['admin-tasks'] as const;

const STATE_COLOR: Record<string, string> = { running: 'blue', succeeded: 'teal', failed: 'red' };

export function StateBadge({ state }: { state: string | null }) {
  if (!state) return <Text size="sm">—</Text>;
  return (
    <Badge variant="light" tt="none" style={{ flexShrink: 0, overflow: 'visible' }} color={STATE_COLOR[state] ?? 'gray'}>
      {state}
    </Badge>
  );
}

/** Administration › Administrative tasks: work on the server itself, on a schedule. */
export function AdminTasksPage() {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: adminTasksQueryKey,
    queryFn: ({ signal }) => listAdminTasks(undefined, signal),
    refetchInterval: 10_000,
  });
  const [editing, setEditing] = useState<AdminTask | 'new' | null>(null);
  const [history, setHistory] = useState<AdminTask | null>(null);
  const [deleting, setDeleting] = useState<AdminTask | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: adminTasksQueryKey });
  const toggle = useMutation({
    mutationFn: (t: AdminTask) => updateAdminTask(t.id, { enabled: !t.enabled }),
    onSuccess: () => void refresh(),
    onError: (e) => notifyError('Not changed', e),
  });
  const run = useMutation({
    mutationFn: (t: AdminTask) => runAdminTask(t.id),
    onSuccess: (_r, t) => {
      notifySuccess(`“${t.name}” started`);
      void refresh();
      void queryClient.invalidateQueries({ queryKey: ['admin-tasks', t.id, 'runs'] });
    },
    onError: (e) => notifyError('Not started', e),
  });
  return (
    <Stack p="lg" gap="lg">
      <PageHeader
        title="Administrative tasks"
        description="Work on the server itself — backups, purges, removing stale devices, a mailed notification summary, assigning profiles to a view's devices, exporting a view — once or on a schedule. Each task runs once per cluster; every run is kept in its history."
      >
        <Button onClick={() => setEditing('new')}>New task</Button>
      </PageHeader>
      {query.isPending ? (
        <Loading what="administrative tasks" />
      ) : query.isError && !query.data ? (
        <LoadError what="administrative tasks" right="globalSettings" error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <Paper withBorder p="md">
          <Text c="dimmed">No tasks yet. A backup task is a good first one.</Text>
        </Paper>
      ) : (
        <Paper withBorder radius="sm">
          <Table striped highlightOnHover aria-label="Administrative tasks" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Schedule</Table.Th>
                <Table.Th>Next run</Table.Th>
                <Table.Th>Last run</Table.Th>
                <Table.Th>Enabled</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.items.map((t) => (
                <Table.Tr key={t.id} data-testid={`task-${t.name}`}>
                  <Table.Td fw={500}>{t.name}</Table.Td>
                  <Table.Td>{TYPE_LABEL[t.type as AdminTaskType] ?? t.type}</Table.Td>
                  <Table.Td>{scheduleSummary(t.schedule)}</Table.Td>
                  <Table.Td>{t.enabled ? formatDateTime(t.nextRunAt) : 'disabled'}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap', minWidth: 140 }}>
                    <Stack gap={2} align="flex-start">
                      <StateBadge state={t.lastState} />
                      {t.lastRunAt && (
                        <Text size="xs" c="dimmed">
                          {formatDateTime(t.lastRunAt)}
                        </Text>
                      )}
                      {t.lastMessage && t.lastState !== 'running' && (
                        <Text
                          size="xs"
                          lineClamp={2}
                          title={t.lastMessage}
                          maw={320}
                          style={{ whiteSpace: 'normal' }}
                          data-testid="last-result"
                        >
                          {t.lastMessage}
                        </Text>
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Switch
                      aria-label={`Enabled: ${t.name}`}
                      checked={t.enabled}
                      onChange={() => toggle.mutate(t)}
                      disabled={toggle.isPending}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap" justify="flex-end">
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => run.mutate(t)}
                        loading={run.isPending && run.variables?.id === t.id}
                      >
                        Run now
                      </Button>
                      <Button size="xs" variant="default" onClick={() => setHistory(t)}>
                        History
                      </Button>
                      <Button size="xs" variant="subtle" onClick={() => setEditing(t)}>
                        Edit
                      </Button>
                      <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(t)}>
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {editing && <TaskDialog task={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={() => void refresh()} />}
      {history && <HistoryDialog task={history} onClose={() => setHistory(null)} />}
      <ConfirmDialog
        opened={deleting !== null}
        title="Delete task"
        confirmLabel="Delete"
        onClose={() => setDeleting(null)}
        onConfirm={() => deleteAdminTask(deleting!.id)}
        onDone={() => void refresh()}
      >
        Delete “{deleting?.name}” and its run history?
      </ConfirmDialog>
    </Stack>
  );
}

function HistoryDialog({ task, onClose }: { task: AdminTask; onClose: () => void }) {
  const query = useQuery({
    queryKey: ['admin-tasks', task.id, 'runs'],
    queryFn: ({ signal }) => listAdminTaskRuns(task.id, undefined, signal),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.state === 'running') ? 2000 : 10_000),
  });
  return (
    <Modal opened onClose={onClose} title={`History of “${task.name}”`} size="xl" centered>
      {query.isPending ? (
        <Loading what="runs" />
      ) : query.isError ? (
        <ErrorAlert title="Cannot load the runs" error={query.error} />
      ) : query.data.items.length === 0 ? (
        <Text c="dimmed">Not run yet.</Text>
      ) : (
        <Table aria-label="Runs" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Started</Table.Th>
              <Table.Th>Finished</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Message</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {query.data.items.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.startedAt)}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.finishedAt)}</Table.Td>
                <Table.Td style={{ minWidth: 110 }}>
                  <StateBadge state={r.state} />
                </Table.Td>
                <Table.Td style={{ wordBreak: 'break-word' }}>{r.message ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Modal>
  );
}
