import type { JobRepeat } from '@openums/protocol';
import { Anchor, Badge, Group, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { DraftTarget, JobStep } from './job-draft';
import { jobCommandLabel, targetKey } from './job-draft';
import { useJobFolders } from './job-folders';
import { scheduleSummary } from './schedule';
import { TargetLabel } from './target-label';

export interface JobFactsInput {
  command: string;
  text: string | null;
  targets: DraftTarget[];
  schedule: { startAt: string; repeat?: JobRepeat | null };
  enabled: boolean;
  comment: string | null;
  folderId: number | null;
  host?: string | null;
  options: {
    maxThreads: number;
    delaySeconds: number;
    timeoutSeconds: number;
    expiryMinutes: number;
    retryNextBoot: boolean;
    logResults: boolean;
  };
}

export const TARGET_COLOR = { device: 'blue', folder: 'grape', view: 'teal' } as const;

export function TargetBadges({ targets }: { targets: DraftTarget[] }) {
  return (
    <Group gap={6}>
      {targets.map((t) => (
        <Badge key={targetKey(t)} tt="none" variant="light" color={TARGET_COLOR[t.type]}>
          {t.label ?? <TargetLabel target={t} />}
        </Badge>
      ))}
    </Group>
  );
}

export function optionsSummary(o: JobFactsInput['options']): string {
  return (
    `${o.maxThreads} at a time · delay ${o.delaySeconds} s · timeout ${o.timeoutSeconds} s · expiry ${o.expiryMinutes} min` +
    (o.retryNextBoot ? ' · retry at next boot' : '') +
    (o.logResults ? ' · results logged' : '')
  );
}

/**
 * What a job does, as a two-column table: the job page and the wizard's summary (there each
 * section has a Change link to its step; `extra` rows come first, e.g. the next run).
 */
export function JobFacts({
  job,
  extra,
  onChange,
  label = 'Job',
}: {
  job: JobFactsInput;
  extra?: { label: string; value: ReactNode }[];
  onChange?: (step: JobStep) => void;
  label?: string;
}) {
  const folders = useJobFolders();
  const change = (step: JobStep, what: string) =>
    onChange && (
      <Anchor component="button" type="button" size="xs" onClick={() => onChange(step)} aria-label={`Change ${what}`}>
        Change
      </Anchor>
    );
  const row = (th: string, td: ReactNode, edit?: ReactNode) => (
    <Table.Tr key={th}>
      <Table.Th w={150} style={{ verticalAlign: 'top' }}>
        {th}
      </Table.Th>
      <Table.Td>
        {edit ? (
          <Group gap="xs" wrap="wrap">
            {td}
            {edit}
          </Group>
        ) : (
          td
        )}
      </Table.Td>
    </Table.Tr>
  );
  return (
    <Table variant="vertical" withRowBorders={false} verticalSpacing={4} aria-label={label}>
      <Table.Tbody>
        {row('Command', `${jobCommandLabel(job.command)}${job.text ? ` — “${job.text}”` : ''}`, change('command', 'command'))}
        {row(
          'Targets',
          job.targets.length ? (
            <TargetBadges targets={job.targets} />
          ) : (
            <Text span c="dimmed" size="sm">
              none
            </Text>
          ),
          change('targets', 'targets'),
        )}
        {row('Schedule', scheduleSummary(job.schedule), change('schedule', 'schedule'))}
        {extra?.map((e) => row(e.label, e.value))}
        {row('Options', optionsSummary(job.options), change('options', 'options'))}
        {row('Runs on', job.host ? `host ${job.host}` : 'any server', change('options', 'server'))}
        {row('Folder', job.folderId === null ? 'none' : folders.index.path(job.folderId), change('command', 'folder'))}
        {onChange && row('Enabled', job.enabled ? 'yes' : 'no — it runs only when started by hand')}
        {job.comment && row('Comment', job.comment)}
      </Table.Tbody>
    </Table>
  );
}
