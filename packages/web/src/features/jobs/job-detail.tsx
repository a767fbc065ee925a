import { Anchor, Badge, Button, Paper, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { deleteJob, getJob, listJobRuns, runJob, updateJob, type Job } from '../../api/jobs';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { LoadError, Loading, PageHeader } from '../admin/page-states';
import { jobCommandLabel } from './job-draft';
import { JobFacts } from './job-facts';
import { MoveJobDialog } from './job-folder-dialogs';
import { JobWizard } from './job-wizard';
import { Counts, RUN_COLOR, RunDetail, RunProgress } from './run-detail';
import { formatDateTime, scheduleSummary } from './schedule';

export const runsKey = (jobId: number) => ['jobs', jobId, 'runs'] as const;

/** One job: what it does, Run now / Edit / Move / Delete, its last 20 runs and the open run's devices. */
export function JobDetail({ id, back, backLabel = 'All jobs' }: { id: number; back: string; backLabel?: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<'edit' | 'move' | 'delete' | null>(null);
  const [runId, setRunId] = useState<number | null>(null);
  const job = useQuery({ queryKey: ['jobs', id], queryFn: ({ signal }) => getJob(id, signal) });
  const runs = useQuery({
    queryKey: runsKey(id),
    queryFn: ({ signal }) => listJobRuns(id, 20, undefined, signal),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.state === 'running') ? 2000 : 15_000),
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['jobs'] });
  };
  const run = useMutation({
    mutationFn: () => runJob(id),
    onSuccess: (r) => {
      notifySuccess('Run started');
      setRunId(r.runId);
      refresh();
    },
    onError: (e) => notifyError('Not started', e),
  });
  const toggle = useMutation({
    mutationFn: (j: Job) => updateJob(j.id, { enabled: !j.enabled }),
    onSuccess: refresh,
    onError: (e) => notifyError('Not changed', e),
  });
  const backLink = (
    <Anchor component={Link} to={back} size="sm">
      ← {backLabel}
    </Anchor>
  );
  if (job.isPending) return <Loading what="job" />;
  if (job.isError)
    return (
      <Stack p="lg">
        {backLink}
        <LoadError what="job" right="jobs" error={job.error} onRetry={() => void job.refetch()} />
      </Stack>
    );
  const j = job.data;
  const shownRun = runId ?? runs.data?.items[0]?.id ?? null;
  const ranOn = runs.data?.items.some((r) => r.server);
  return (
    <Stack p="lg" gap="md">
      {backLink}
      <PageHeader title={j.name} description={j.comment ?? `${jobCommandLabel(j.command)} · ${scheduleSummary(j.schedule)}`}>
        <Switch aria-label="Enabled" label="Enabled" checked={j.enabled} onChange={() => toggle.mutate(j)} disabled={toggle.isPending} />
        <Button onClick={() => run.mutate()} loading={run.isPending}>
          Run now
        </Button>
        <Button variant="default" onClick={() => setDialog('edit')}>
          Edit
        </Button>
        <Button variant="default" onClick={() => setDialog('move')}>
          Move to folder
        </Button>
        <Button variant="subtle" color="red" onClick={() => setDialog('delete')}>
          Delete
        </Button>
      </PageHeader>
      <Paper withBorder p="md" radius="sm">
        <JobFacts
          job={j}
          extra={[{ label: 'Next run', value: j.enabled ? formatDateTime(j.nextRunAt) : 'disabled (runs only with Run now)' }]}
        />
      </Paper>
      <Title order={3} size="h4">
        Runs
      </Title>
      {runs.isPending ? (
        <Loading what="runs" />
      ) : runs.isError ? (
        <ErrorAlert title="Cannot load the runs" error={runs.error} />
      ) : runs.data.items.length === 0 ? (
        <Text c="dimmed" size="sm">
          Not run yet.
        </Text>
      ) : (
        <Paper withBorder radius="sm">
          <Table highlightOnHover aria-label="Runs" verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Started</Table.Th>
                <Table.Th>Trigger</Table.Th>
                {ranOn && <Table.Th>Server</Table.Th>}
                <Table.Th>State</Table.Th>
                <Table.Th w={320}>Devices</Table.Th>
                <Table.Th>Finished</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {runs.data.items.map((r) => (
                <Table.Tr
                  key={r.id}
                  onClick={() => setRunId(r.id)}
                  // The open run: a teal edge as in the trees (a coloured row hid the light state badges).
                  style={{ cursor: 'pointer', boxShadow: r.id === shownRun ? 'inset 3px 0 0 var(--mantine-color-teal-6)' : undefined }}
                  aria-selected={r.id === shownRun}
                >
                  <Table.Td>{formatDateTime(r.startedAt)}</Table.Td>
                  <Table.Td>{r.trigger === 'manual' ? `manual${r.createdBy ? ` (${r.createdBy})` : ''}` : 'schedule'}</Table.Td>
                  {ranOn && <Table.Td>{r.server ?? '—'}</Table.Td>}
                  <Table.Td>
                    <Badge tt="none" style={{ flexShrink: 0 }} variant="light" color={RUN_COLOR[r.state] ?? 'gray'}>
                      {r.state}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      <RunProgress run={r} size="sm" />
                      {r.total > 0 && <Counts run={r} />}
                    </Stack>
                  </Table.Td>
                  <Table.Td>{formatDateTime(r.finishedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {shownRun !== null && <RunDetail key={shownRun} runId={shownRun} onChanged={refresh} />}
      {dialog === 'edit' && <JobWizard job={j} onClose={() => setDialog(null)} onSaved={refresh} />}
      {dialog === 'move' && <MoveJobDialog job={j} onClose={() => setDialog(null)} onMoved={refresh} />}
      <ConfirmDialog
        opened={dialog === 'delete'}
        title="Delete job"
        confirmLabel="Delete"
        onClose={() => setDialog(null)}
        onConfirm={() => deleteJob(id)}
        onDone={() => {
          refresh();
          void navigate(back);
        }}
      >
        Delete “{j.name}” and its run history? A running run is cancelled.
      </ConfirmDialog>
    </Stack>
  );
}
