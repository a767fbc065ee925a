import { Anchor, Badge, Button, Group, Paper, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { deleteJob, getJob, listJobRuns, listJobs, runJob, updateJob, type Job } from '../../api/jobs';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { LoadError, Loading, PageHeader } from '../admin/page-states';
import { commandLabel } from '../commands/command-catalog';
import { JobDialog } from './job-dialog';
import { formatDateTime, scheduleSummary } from './schedule';
import { Counts, RUN_COLOR, RunDetail, RunState } from './run-detail';
import { TargetLabel } from './target-label';

const jobsKey = ['jobs', 'list'] as const;
const runsKey = (jobId: number) => ['jobs', jobId, 'runs'] as const;

const jobCommandLabel = (c: string) => (c === 'settings-to-device' ? 'Send settings to the device' : commandLabel(c));

/** Jobs: commands for devices, folders and views, run once or on a schedule, with a state per device. */
export function JobsPage() {
  const { jobId } = useParams();
  const id = jobId ? Number(jobId) : null;
  return id !== null && Number.isInteger(id) ? <JobDetail id={id} /> : <JobList />;
}

function JobList() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const query = useQuery({ queryKey: jobsKey, queryFn: ({ signal }) => listJobs(undefined, signal), refetchInterval: 15_000 });
  const jobs = query.data?.items ?? [];
  // The last run of each job shown (one small request each; a page holds at most 200 jobs).
  const lastRuns = useQueries({
    queries: jobs.map((j) => ({
      queryKey: [...runsKey(j.id), 'last'],
      queryFn: ({ signal }: { signal: AbortSignal }) => listJobRuns(j.id, 1, undefined, signal),
      refetchInterval: 15_000,
    })),
  });
  return (
    <Stack p="lg" gap="lg">
      <PageHeader
        title="Jobs"
        description="A command for devices, folders (with their sub-folders) and views, run once or on a schedule; every run keeps each device's result."
      >
        <Button onClick={() => setCreating(true)}>New job</Button>
      </PageHeader>
      {query.isPending ? (
        <Loading what="jobs" />
      ) : query.isError && !query.data ? (
        <LoadError what="jobs" right="jobs" error={query.error} onRetry={() => void query.refetch()} />
      ) : jobs.length === 0 ? (
        <Paper withBorder p="md">
          <Text c="dimmed">No jobs yet.</Text>
        </Paper>
      ) : (
        <Paper withBorder radius="sm">
          <Table striped highlightOnHover aria-label="Jobs" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Command</Table.Th>
                <Table.Th>Targets</Table.Th>
                <Table.Th>Schedule</Table.Th>
                <Table.Th>Next run</Table.Th>
                <Table.Th>Last run</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {jobs.map((j, i) => (
                <Table.Tr key={j.id} data-testid={`job-${j.name}`}>
                  <Table.Td>
                    <Anchor component={Link} to={`/jobs/${j.id}`} fw={500}>
                      {j.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{jobCommandLabel(j.command)}</Table.Td>
                  <Table.Td>{j.targets.length === 1 ? <TargetLabel target={j.targets[0]!} /> : `${j.targets.length} targets`}</Table.Td>
                  <Table.Td>{scheduleSummary(j.schedule)}</Table.Td>
                  <Table.Td>{j.enabled ? formatDateTime(j.nextRunAt) : 'disabled'}</Table.Td>
                  <Table.Td>
                    <RunState run={lastRuns[i]?.data?.items[0]} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {creating && (
        <JobDialog
          job={null}
          onClose={() => setCreating(false)}
          onSaved={(job) => {
            void queryClient.invalidateQueries({ queryKey: jobsKey });
            void navigate(`/jobs/${job.id}`);
          }}
        />
      )}
    </Stack>
  );
}

function JobDetail({ id }: { id: number }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
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
  if (job.isPending) return <Loading what="job" />;
  if (job.isError)
    return (
      <Stack p="lg">
        <Anchor component={Link} to="/jobs">
          ← All jobs
        </Anchor>
        <LoadError what="job" right="jobs" error={job.error} onRetry={() => void job.refetch()} />
      </Stack>
    );
  const j = job.data;
  const shownRun = runId ?? runs.data?.items[0]?.id ?? null;
  return (
    <Stack p="lg" gap="md">
      <Anchor component={Link} to="/jobs" size="sm">
        ← All jobs
      </Anchor>
      <PageHeader title={j.name} description={j.comment ?? `${jobCommandLabel(j.command)} · ${scheduleSummary(j.schedule)}`}>
        <Switch aria-label="Enabled" label="Enabled" checked={j.enabled} onChange={() => toggle.mutate(j)} disabled={toggle.isPending} />
        <Button onClick={() => run.mutate()} loading={run.isPending}>
          Run now
        </Button>
        <Button variant="default" onClick={() => setEditing(true)}>
          Edit
        </Button>
        <Button variant="subtle" color="red" onClick={() => setDeleting(true)}>
          Delete
        </Button>
      </PageHeader>
      <Paper withBorder p="md" radius="sm">
        <Table variant="vertical" withRowBorders={false} verticalSpacing={4} aria-label="Job">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={160}>Command</Table.Th>
              <Table.Td>
                {jobCommandLabel(j.command)}
                {j.text ? ` — “${j.text}”` : ''}
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Targets</Table.Th>
              <Table.Td>
                <Group gap={6}>
                  {j.targets.map((t) => (
                    <Badge
                      key={`${t.type}:${t.id}`}
                      variant="light"
                      color={t.type === 'device' ? 'blue' : t.type === 'folder' ? 'grape' : 'teal'}
                    >
                      <TargetLabel target={t} />
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Schedule</Table.Th>
              <Table.Td>{scheduleSummary(j.schedule)}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Next run</Table.Th>
              <Table.Td>{j.enabled ? formatDateTime(j.nextRunAt) : 'disabled'}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Options</Table.Th>
              <Table.Td>
                {j.options.maxThreads} at a time · delay {j.options.delaySeconds} s · timeout {j.options.timeoutSeconds} s · expiry{' '}
                {j.options.expiryMinutes} min{j.options.retryNextBoot ? ' · retry at next boot' : ''}
                {j.options.logResults ? ' · results logged' : ''}
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
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
                <Table.Th>State</Table.Th>
                <Table.Th>Devices</Table.Th>
                <Table.Th>Finished</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {runs.data.items.map((r) => (
                <Table.Tr
                  key={r.id}
                  onClick={() => setRunId(r.id)}
                  style={{ cursor: 'pointer' }}
                  bg={r.id === shownRun ? 'var(--mantine-color-blue-light)' : undefined}
                  aria-selected={r.id === shownRun}
                >
                  <Table.Td>{formatDateTime(r.startedAt)}</Table.Td>
                  <Table.Td>{r.trigger === 'manual' ? `manual${r.createdBy ? ` (${r.createdBy})` : ''}` : 'schedule'}</Table.Td>
                  <Table.Td>
                    <Badge tt="none" style={{ flexShrink: 0 }} variant="light" color={RUN_COLOR[r.state] ?? 'gray'}>
                      {r.state}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Counts run={r} />
                  </Table.Td>
                  <Table.Td>{formatDateTime(r.finishedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {shownRun !== null && <RunDetail key={shownRun} runId={shownRun} onChanged={refresh} />}
      {editing && <JobDialog job={j} onClose={() => setEditing(false)} onSaved={refresh} />}
      <ConfirmDialog
        opened={deleting}
        title="Delete job"
        confirmLabel="Delete"
        onClose={() => setDeleting(false)}
        onConfirm={() => deleteJob(id)}
        onDone={() => {
          refresh();
          void navigate('/jobs');
        }}
      >
        Delete “{j.name}” and its run history? A running run is cancelled.
      </ConfirmDialog>
    </Stack>
  );
}
