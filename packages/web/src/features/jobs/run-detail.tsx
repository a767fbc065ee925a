import { JOB_DEVICE_STATES, type JobDeviceState } from '@openums/protocol';
import { Anchor, Badge, Button, Group, Paper, Progress, Select, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQueries, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { getDevice } from '../../api/devices';
import { cancelJobRun, getJobRun, JOB_RUN_DEVICES_PAGE, listJobRunDevices, type JobRun } from '../../api/jobs';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { Loading } from '../admin/page-states';
import { formatDateTime } from './schedule';

export const RUN_COLOR: Record<string, string> = {
  running: 'blue',
  finished: 'teal',
  cancelled: 'gray',
  missed: 'orange',
  targetGone: 'orange',
};
export const DEVICE_COLOR: Record<string, string> = {
  queued: 'gray',
  sent: 'blue',
  succeeded: 'teal',
  failed: 'red',
  timedOut: 'orange',
  expired: 'orange',
  skipped: 'gray',
  cancelled: 'gray',
};

export function RunState({ run }: { run: JobRun | undefined }) {
  if (!run) return <Text size="sm">—</Text>;
  const failed = (run.counts.failed ?? 0) + (run.counts.timedOut ?? 0) + (run.counts.expired ?? 0);
  return (
    <Group gap={4} wrap="nowrap">
      <Badge tt="none" style={{ flexShrink: 0 }} variant="light" color={RUN_COLOR[run.state] ?? 'gray'}>
        {run.state}
      </Badge>
      {run.total > 0 && (
        <Text size="xs" c={failed ? 'red' : 'dimmed'} style={{ whiteSpace: 'nowrap' }}>
          {run.counts.succeeded ?? 0}/{run.total} succeeded{failed ? `, ${failed} failed` : ''}
        </Text>
      )}
    </Group>
  );
}

export function Counts({ run }: { run: JobRun }) {
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

/** Devices of a run that are finished (neither queued nor in flight). */
export function doneOf(run: JobRun): number {
  return run.total - (run.counts.queued ?? 0) - (run.counts.sent ?? 0);
}

const PROGRESS_SECTIONS: { states: JobDeviceState[]; color: string; label: string }[] = [
  { states: ['succeeded'], color: 'teal', label: 'succeeded' },
  { states: ['failed', 'timedOut', 'expired'], color: 'red', label: 'failed, timed out or expired' },
  { states: ['skipped', 'cancelled'], color: 'gray.5', label: 'skipped or cancelled' },
  { states: ['sent'], color: 'blue', label: 'in flight' },
];

/**
 * How far a run is: a bar of finished devices by outcome (devices in flight striped) and "n of
 * total done". Polled views refresh it every 2 s while the run is running.
 */
export function RunProgress({ run, size = 'md', w }: { run: JobRun; size?: 'sm' | 'md'; w?: number }) {
  if (run.total === 0)
    return (
      <Text size="xs" c="dimmed">
        {run.state === 'running' ? 'Finding the devices…' : (run.message ?? 'no devices')}
      </Text>
    );
  const done = doneOf(run);
  const pct = (n: number) => (n / run.total) * 100;
  return (
    <Stack gap={2} w={w} data-testid="run-progress">
      <Progress.Root
        size={size === 'sm' ? 'sm' : 'lg'}
        aria-label={`${done} of ${run.total} devices done`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={run.total}
        aria-valuenow={done}
      >
        {PROGRESS_SECTIONS.map((p) => {
          const n = p.states.reduce((sum, st) => sum + (run.counts[st] ?? 0), 0);
          return n > 0 ? (
            <Progress.Section
              key={p.label}
              withAria={false}
              value={pct(n)}
              color={p.color}
              striped={p.label === 'in flight'}
              animated={p.label === 'in flight' && run.state === 'running'}
              title={`${n} ${p.label}`}
            />
          ) : null;
        })}
      </Progress.Root>
      <Text size="xs" c="dimmed">
        {done} of {run.total} done{run.state === 'running' ? ` · ${run.counts.sent ?? 0} in flight · ${run.counts.queued ?? 0} queued` : ''}
      </Text>
    </Stack>
  );
}

/** One run: counts per state, Cancel while running, and each device's result, a page at a time. */
export function RunDetail({ runId, onChanged }: { runId: number; onChanged: () => void }) {
  const [state, setState] = useState<JobDeviceState | null>(null);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const run = useQuery({
    queryKey: ['job-runs', runId],
    queryFn: ({ signal }) => getJobRun(runId, signal),
    refetchInterval: (q) => (q.state.data?.state === 'running' ? 2000 : false),
  });
  // The rows follow the run's progress: the run is polled (every 2 s while running) and the
  // device page is read again after each change of its state or counts, never before the run
  // itself was read. Devices are resolved by the scheduler after Run now answers: a list read
  // at once and only polled "while running" kept the empty first page of a run that resolved
  // and finished between two polls.
  const progress = run.data ? `${run.data.state}:${JSON.stringify(run.data.counts)}` : null;
  const devices = useQuery({
    queryKey: ['job-runs', runId, 'devices', state, cursor, progress],
    queryFn: ({ signal }) => listJobRunDevices(runId, { state: state ?? undefined, cursor }, signal),
    enabled: progress !== null,
    placeholderData: keepPreviousData,
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
            {r.server && (
              <Text size="sm" c="dimmed">
                on {r.server}
              </Text>
            )}
          </Group>
          {r.state === 'running' && (
            <Button color="red" variant="light" size="xs" onClick={() => cancel.mutate()} loading={cancel.isPending}>
              Cancel run
            </Button>
          )}
        </Group>
        {r.message && r.total > 0 && (
          <Text size="sm" c="dimmed">
            {r.message}
          </Text>
        )}
        <RunProgress run={r} />
        {r.total > 0 && <Counts run={r} />}
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
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Anchor component={Link} to={`/devices/${d.deviceId}`} size="sm">
                      {names[i]?.data?.name ?? `device ${d.deviceId}`}
                    </Anchor>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Badge size="sm" tt="none" variant="light" color={DEVICE_COLOR[d.state]} style={{ flexShrink: 0 }}>
                      {d.state}
                    </Badge>
                  </Table.Td>
                  <Table.Td style={{ wordBreak: 'break-word' }}>{d.message ?? ''}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(d.startedAt)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(d.finishedAt)}</Table.Td>
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
