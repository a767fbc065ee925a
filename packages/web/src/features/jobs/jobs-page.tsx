import { JOB_DEVICE_STATES, type JobDeviceState } from '@openums/protocol';
import { Anchor, Badge, Button, Group, Paper, Select, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { getDevice } from '../../api/devices';
import {
  cancelJobRun,
  deleteJob,
  getJob,
  getJobRun,
  JOB_RUN_DEVICES_PAGE,
  listJobRunDevices,
  listJobRuns,
  listJobs,
  runJob,
  updateJob,
  type Job,
  type JobRun,
} from '../../api/jobs';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { LoadError, Loading, PageHeader } from '../admin/page-states';
import { commandLabel } from '../commands/command-catalog';
import { JobDialog } from './job-dialog';
import { formatDateTime, scheduleSummary } from './schedule';
import { TargetLabel } from './target-label';

const jobsKey = ['jobs', 'list'] as const;
const runsKey = (jobId: number) => ['jobs', jobId, 'runs'] as const;

const RUN_COLOR: Record<string, string> = { running: 'blue', finished: 'teal', cancelled: 'gray', missed: 'orange', targetGone: 'orange' };
const DEVICE_COLOR: Record<string, string> = {
  queued: 'gray',
  sent: 'blue',
  succeeded: 'teal',
  failed: 'red',
  timedOut: 'orange',
  expired: 'orange',
  skipped: 'gray',
  cancelled: 'gray',
};

const jobCommandLabel = (c: string) => (c === 'settings-to-device' ? 'Send settings to the device' : commandLabel(c));

function RunState({ run }: { run: JobRun | undefined }) {
  if (!run) return <Text size="sm">—</Text>;
  const failed = (run.counts.failed ?? 0) + (run.counts.timedOut ?? 0) + (run.counts.expired ?? 0);
  return (
    <Group gap={4} wrap="nowrap">
      <Badge tt="none" style={{ flexShrink: 0 }} variant="light" color={RUN_COLOR[run.state] ?? 'gray'}>
        {run.state}
      </Badge>
      {run.total > 0 && (
        <Text size="xs" c={failed ? 'red' : 'dimmed'}>
          {run.counts.succeeded ?? 0}/{run.total} succeeded{failed ? `, ${failed} failed` : ''}
        </Text>
      )}
    </Group>
  );
}

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

function Counts({ run }: { run: JobRun }) {
  const states = JOB_DEVICE_STATES.filter((s) => (run.counts[s] ?? 0) > 0);
  if (run.total === 0)
    return (
      <Text size="xs" c="dimmed">
        {run.message ?? 'no devices'}
      </Text>
    );
  return (
    <Group gap={4}>
      <Text size="xs">{run.total} ·</Text>
      {states.map((s) => (
        <Badge key={s} size="sm" tt="none" variant="light" color={DEVICE_COLOR[s]}>
          {s} {run.counts[s]}
        </Badge>
      ))}
    </Group>
  );
}

/** One run: counts per state, Cancel while running, and each device's result, a page at a time. */
function RunDetail({ runId, onChanged }: { runId: number; onChanged: () => void }) {
  const [state, setState] = useState<JobDeviceState | null>(null);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const run = useQuery({
    queryKey: ['job-runs', runId],
    queryFn: ({ signal }) => getJobRun(runId, signal),
    refetchInterval: (q) => (q.state.data?.state === 'running' ? 2000 : false),
  });
  const devices = useQuery({
    queryKey: ['job-runs', runId, 'devices', state, cursor],
    queryFn: ({ signal }) => listJobRunDevices(runId, { state: state ?? undefined, cursor }, signal),
    refetchInterval: run.data?.state === 'running' ? 2000 : false,
  });
  const names = useQueries({
    queries: (devices.data?.items ?? []).map((d) => ({
      queryKey: ['devices', 'one-name', d.deviceId],
      queryFn: ({ signal }: { signal: AbortSignal }) => getDevice(d.deviceId, signal),
      staleTime: 60_000,
      retry: false,
    })),
  });
  const cancel = useMutation({
    mutationFn: () => cancelJobRun(runId),
    onSuccess: () => {
      notifySuccess('Run cancelled');
      void run.refetch();
      onChanged();
    },
    onError: (e) => notifyError('Not cancelled', e),
  });
  if (!run.data) return run.isError ? <ErrorAlert title="Cannot load the run" error={run.error} /> : <Loading what="run" />;
  const r = run.data;
  return (
    <Paper withBorder p="md" radius="sm" aria-label="Run" component="section">
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs">
            <Title order={4}>Run of {formatDateTime(r.startedAt)}</Title>
            <Badge tt="none" style={{ flexShrink: 0 }} variant="light" color={RUN_COLOR[r.state] ?? 'gray'}>
              {r.state}
            </Badge>
          </Group>
          {r.state === 'running' && (
            <Button color="red" variant="light" size="xs" onClick={() => cancel.mutate()} loading={cancel.isPending}>
              Cancel run
            </Button>
          )}
        </Group>
        {r.message && (
          <Text size="sm" c="dimmed">
            {r.message}
          </Text>
        )}
        <Counts run={r} />
        <Group align="flex-end">
          <Select
            label="Show"
            size="xs"
            w={180}
            data={[
              { value: 'all', label: 'All devices' },
              ...JOB_DEVICE_STATES.map((s) => ({ value: s, label: `${s} (${r.counts[s] ?? 0})` })),
            ]}
            value={state ?? 'all'}
            onChange={(v) => {
              setState(v && v !== 'all' ? (v as JobDeviceState) : null);
              setCursors([undefined]);
            }}
            allowDeselect={false}
          />
          <Text size="xs" c="dimmed">
            Expires {formatDateTime(r.expiresAt)}
          </Text>
        </Group>
        {devices.isError ? (
          <ErrorAlert title="Cannot load the devices" error={devices.error} />
        ) : (
          <Table aria-label="Device results" verticalSpacing={4} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Device</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Message</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>Finished</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(devices.data?.items ?? []).map((d, i) => (
                <Table.Tr key={d.deviceId}>
                  <Table.Td>
                    <Anchor component={Link} to={`/devices/${d.deviceId}`} size="sm">
                      {names[i]?.data?.name ?? `device ${d.deviceId}`}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" tt="none" variant="light" color={DEVICE_COLOR[d.state]}>
                      {d.state}
                    </Badge>
                  </Table.Td>
                  <Table.Td style={{ wordBreak: 'break-word' }}>{d.message ?? ''}</Table.Td>
                  <Table.Td>{formatDateTime(d.startedAt)}</Table.Td>
                  <Table.Td>{formatDateTime(d.finishedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Group gap="xs">
          <Button size="xs" variant="default" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous
          </Button>
          <Button
            size="xs"
            variant="default"
            disabled={!devices.data?.nextCursor}
            onClick={() => setCursors((c) => [...c, devices.data?.nextCursor ?? undefined])}
          >
            Next
          </Button>
          <Text size="xs" c="dimmed">
            Page {cursors.length} · {JOB_RUN_DEVICES_PAGE} devices a page
          </Text>
        </Group>
      </Stack>
    </Paper>
  );
}
