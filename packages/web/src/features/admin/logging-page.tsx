import { LOG_AREAS, LOG_LEVELS, type LogArea, type LogLevelName } from '@openums/protocol';
import { Button, Group, Paper, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { downloadSupportInfo, getLoggingSettings, putLoggingSettings, type LoggingSettings } from '../../api/logging';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { getCommLogSettings, putCommLogSettings } from '../../api/device-comm-log';
import { getJobSettings, putJobSettings } from '../../api/jobs';
import { LoadError, Loading, PageHeader } from './page-states';
import { RetentionCard, type RetentionSetting } from './retention-card';

/** Retentions an administrator looks for next to the logs (each route checks its own right). */
const RETENTIONS: RetentionSetting[] = [
  {
    queryKey: ['settings', 'device-comm-log'],
    read: async (signal) => (await getCommLogSettings(signal)).retentionDays,
    write: async (days) => (await putCommLogSettings({ retentionDays: days })).retentionDays,
    title: 'Device communication logs',
    what: 'entries',
    max: 365,
    description: 'For devices whose communication log is switched on (on the device’s page).',
    testId: 'comm-log-retention',
  },
  {
    queryKey: ['settings', 'jobs'],
    read: async (signal) => (await getJobSettings(signal)).historyDays,
    write: async (days) => (await putJobSettings({ historyDays: days })).historyDays,
    title: 'Job history',
    what: 'finished job runs',
    max: 3650,
    description: 'With each device’s result.',
    testId: 'job-history-retention',
  },
];

export const loggingQueryKey = ['settings', 'logging'] as const;

const LEVEL_INFO: Record<LogLevelName, string> = {
  fatal: 'fatal: only failures that stop the server',
  error: 'error: failures',
  warn: 'warn: failures and warnings',
  info: 'info: normal operation (recommended)',
  debug: 'debug: details for finding a problem',
  trace: 'trace: everything (very verbose)',
};
const LEVEL_OPTIONS = LOG_LEVELS.map((l) => ({ value: l, label: LEVEL_INFO[l] }));
const DEFAULT = 'default';

const AREA_INFO: Record<LogArea, { label: string; description: string }> = {
  gateway: { label: 'Gateway', description: 'Device connections (WebSocket), heartbeats, online state' },
  commands: { label: 'Commands', description: 'Commands sent to devices and their results' },
  delivery: { label: 'Delivery', description: 'Settings and files delivered to devices' },
  operations: { label: 'Operations', description: 'Scheduled jobs, administrative tasks, clean-ups' },
};

/** Administration › Logging: how much the server processes log, changed without a restart. */
export function LoggingPage() {
  const query = useQuery({ queryKey: loggingQueryKey, queryFn: ({ signal }) => getLoggingSettings(signal) });
  return (
    <Stack p="lg" gap="lg" maw={1000}>
      <PageHeader
        title="Logging"
        description="How much the server processes write to their logs. A change needs no restart: this server applies it at once, every other server of the cluster within 5 seconds."
      />
      {query.isPending ? (
        <Loading what="log levels" />
      ) : query.isError && !query.data ? (
        <LoadError what="log levels" right="loggingAndAudit" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <LoggingForm settings={query.data} />
      )}
      {RETENTIONS.map((r) => (
        <RetentionCard key={r.testId} setting={r} />
      ))}
      <SupportInfoCard />
    </Stack>
  );
}

/** Saves a blob as a file through a temporary link (the browser's download). */
function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** "Save support information": one archive for a supporter, without passwords, keys or tokens. */
function SupportInfoCard() {
  const download = useMutation({
    mutationFn: () => downloadSupportInfo(),
    onSuccess: ({ blob, fileName }) => {
      saveBlob(blob, fileName);
      notifySuccess(`Saved ${fileName}`);
    },
  });
  return (
    <Paper withBorder p="md" radius="sm" aria-label="Support information" component="section">
      <Stack gap="xs">
        <Text fw={600} size="sm">
          Support information
        </Text>
        <Text size="sm" c="dimmed">
          One .tar.gz with what a supporter asks for first: versions, the servers, the configuration and settings without secrets, this
          server's recent log lines and the recent audit log. No passwords, keys or tokens are included.
        </Text>
        {download.isError && <ErrorAlert title="Not downloaded" error={download.error} />}
        <Group>
          <Button variant="default" loading={download.isPending} onClick={() => download.mutate()}>
            Download support information
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function LoggingForm({ settings }: { settings: LoggingSettings }) {
  const queryClient = useQueryClient();
  const [d, setD] = useState<LoggingSettings>(settings);
  useEffect(() => setD(settings), [settings]);
  const save = useMutation({
    mutationFn: () => putLoggingSettings(d),
    onSuccess: (saved) => {
      queryClient.setQueryData(loggingQueryKey, saved);
      notifySuccess('Log levels saved; every server applies them within 5 seconds');
    },
  });
  const setArea = (area: LogArea, value: string | null) =>
    setD((prev) => {
      const areas = { ...prev.areas };
      if (!value || value === DEFAULT) delete areas[area];
      else areas[area] = value as LogLevelName;
      return { ...prev, areas };
    });

  return (
    <Paper withBorder p="md" radius="sm" component="form" aria-label="Log levels" noValidate onSubmit={(e) => e.preventDefault()}>
      <Stack>
        <Select
          label="Default level"
          description="For every part of the server without a level of its own (the HTTP layer always follows it)."
          data={LEVEL_OPTIONS}
          value={d.level}
          onChange={(v) => v && setD((prev) => ({ ...prev, level: v as LogLevelName }))}
          allowDeselect={false}
          maw={420}
        />
        <Text fw={600} size="sm">
          Areas
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {LOG_AREAS.map((area) => (
            <Select
              key={area}
              label={AREA_INFO[area].label}
              description={AREA_INFO[area].description}
              data={[{ value: DEFAULT, label: `default (${d.level})` }, ...LOG_LEVELS.map((l) => ({ value: l, label: l }))]}
              value={d.areas[area] ?? DEFAULT}
              onChange={(v) => setArea(area, v)}
              allowDeselect={false}
            />
          ))}
        </SimpleGrid>
        {save.isError && <ErrorAlert title="Not saved" error={save.error} />}
        <Group>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            Save
          </Button>
          <Button variant="subtle" disabled={save.isPending} onClick={() => setD(settings)}>
            Reset
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
