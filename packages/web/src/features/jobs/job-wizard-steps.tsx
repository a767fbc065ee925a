import { JOB_COMMANDS, type JobCommand } from '@openums/protocol';
import {
  Badge,
  Checkbox,
  CloseButton,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Tabs,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { errorMessage } from '../../api/client';
import type { JobTarget } from '../../api/jobs';
import { listServers } from '../../api/servers';
import { FolderPathSelect } from '../../components/folder-path-select';
import { DevicePicker, FolderPicker, type PickedTarget } from '../profiles/assignment-pickers';
import { jobCommandLabel, NUMBER_OPTIONS, targetKey, type JobDraft } from './job-draft';
import { TARGET_COLOR } from './job-facts';
import { useJobFolders } from './job-folders';
import { serverFieldError } from './schedule';
import { TargetLabel } from './target-label';
import { ViewPicker } from './view-picker';

export interface StepProps {
  draft: JobDraft;
  onChange: (next: JobDraft) => void;
  /** The form's own problems on this step (shown once Next or Save was tried). */
  problems: Record<string, string>;
  /** The last failed save: its `details.field` is shown at that field. */
  serverError: unknown;
}

/** Step 1: what the job is and does. */
export function CommandStep({ draft: d, onChange, problems, serverError }: StepProps) {
  const set = <K extends keyof JobDraft>(k: K, v: JobDraft[K]) => onChange({ ...d, [k]: v });
  const f = (field: string) => serverFieldError(serverError, field);
  const folders = useJobFolders();
  return (
    <Stack>
      <SimpleGrid cols={2}>
        <TextInput
          label="Name"
          value={d.name}
          onChange={(e) => set('name', e.currentTarget.value)}
          error={problems.name ?? f('body.name')}
          maxLength={100}
          required
          data-autofocus
        />
        <Select
          label="Command"
          data={JOB_COMMANDS.map((c) => ({ value: c, label: jobCommandLabel(c) }))}
          value={d.command}
          onChange={(v) => v && set('command', v as JobCommand)}
          allowDeselect={false}
          error={f('body.command')}
          comboboxProps={{ withinPortal: true }}
        />
      </SimpleGrid>
      {d.command === 'send-message' && (
        <Textarea
          label="Message"
          description="Shown on each device"
          autosize
          minRows={2}
          maxLength={2000}
          value={d.text}
          onChange={(e) => set('text', e.currentTarget.value)}
          error={problems.text ?? f('body.text')}
          required
        />
      )}
      <TextInput
        label="Comment"
        value={d.comment}
        onChange={(e) => set('comment', e.currentTarget.value)}
        maxLength={2000}
        error={f('body.comment')}
      />
      <FolderPathSelect
        label="Job folder"
        description="Where the job is listed; folders only sort jobs."
        value={d.folderId ?? 'root'}
        onChange={(v) => set('folderId', v === 'root' ? null : v)}
        folders={folders}
        error={f('body.folderId')}
      />
      <Switch
        label="Enabled"
        description="A disabled job runs only when started with Run now"
        checked={d.enabled}
        onChange={(e) => set('enabled', e.currentTarget.checked)}
      />
    </Stack>
  );
}

/** Step 2: devices, device folders and saved views, as removable badges above three pickers. */
export function TargetsStep({ draft: d, onChange, problems, serverError }: StepProps) {
  const picked = useMemo(() => new Set(d.targets.map(targetKey)), [d.targets]);
  const none = useMemo(() => new Set<string>(), []);
  const toggle = (t: PickedTarget | (JobTarget & { label: string }), on: boolean) => {
    const rest = d.targets.filter((x) => targetKey(x) !== targetKey(t as JobTarget));
    onChange({ ...d, targets: on ? [...rest, { type: t.type as JobTarget['type'], id: t.id, label: t.label }] : rest });
  };
  const error = problems.targets ?? serverFieldError(serverError, 'body.targets');
  return (
    <Stack gap={6}>
      <Text size="xs" c="dimmed">
        Folders (with their sub-folders) and views are resolved each time the job runs.
      </Text>
      <Group gap={6} mb={4} data-testid="job-targets" aria-label="Picked targets" role="list">
        {d.targets.length === 0 ? (
          <Text size="sm" c="dimmed">
            None picked yet
          </Text>
        ) : (
          d.targets.map((t) => (
            <Badge
              key={targetKey(t)}
              role="listitem"
              tt="none"
              variant="light"
              color={TARGET_COLOR[t.type]}
              rightSection={
                <CloseButton
                  size="xs"
                  aria-label={`Remove ${t.label ?? targetKey(t)}`}
                  onClick={() => onChange({ ...d, targets: d.targets.filter((x) => targetKey(x) !== targetKey(t)) })}
                />
              }
            >
              {t.label ?? <TargetLabel target={t} />}
            </Badge>
          ))
        )}
      </Group>
      {error && (
        <Text size="sm" c="red" role="alert" data-testid="targets-error">
          {error}
        </Text>
      )}
      <Tabs defaultValue="folders" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="folders">Folders</Tabs.Tab>
          <Tabs.Tab value="devices">Devices</Tabs.Tab>
          <Tabs.Tab value="views">Views</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="folders" pt="xs">
          <FolderPicker picked={picked} assigned={none} onToggle={toggle} hint="A folder includes the devices of its sub-folders." />
        </Tabs.Panel>
        <Tabs.Panel value="devices" pt="xs">
          <DevicePicker picked={picked} assigned={none} onToggle={toggle} />
        </Tabs.Panel>
        <Tabs.Panel value="views" pt="xs">
          <ViewPicker picked={picked} onToggle={toggle} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** Step 4: how the run goes (the reference's options) and the server host it runs on. */
export function OptionsStep({ draft: d, onChange, problems, serverError }: StepProps) {
  const setOption = (k: string, v: number | string | boolean) => onChange({ ...d, options: { ...d.options, [k]: v } });
  const f = (field: string) => serverFieldError(serverError, field);
  return (
    <Stack>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        {NUMBER_OPTIONS.map((o) => (
          <NumberInput
            key={o.key}
            label={o.label}
            description={o.description}
            min={o.min}
            max={o.max}
            allowDecimal={false}
            value={d.options[o.key] as number | string}
            onChange={(v) => setOption(o.key, v)}
            error={problems[o.key] ?? f(`body.options.${o.key}`)}
          />
        ))}
      </SimpleGrid>
      <Group align="flex-start">
        <Checkbox
          label="Retry at the next boot"
          description="Devices that were offline get the command when they start"
          checked={d.options.retryNextBoot as boolean}
          onChange={(e) => setOption('retryNextBoot', e.currentTarget.checked)}
        />
        <Checkbox
          label="Log results"
          description="One line per finished run in the server log"
          checked={d.options.logResults as boolean}
          onChange={(e) => setOption('logResults', e.currentTarget.checked)}
        />
      </Group>
      <HostSelect value={d.host} onChange={(host) => onChange({ ...d, host })} error={f('body.host')} />
    </Stack>
  );
}

/** Host assignment: any server, or the servers of one host (from the server list). */
function HostSelect({ value, onChange, error }: { value: string | null; onChange: (host: string | null) => void; error?: string }) {
  const servers = useQuery({ queryKey: ['servers', 'list'], queryFn: ({ signal }) => listServers(signal), staleTime: 30_000 });
  const data = useMemo(() => {
    const running = new Set((servers.data?.items ?? []).filter((s) => s.status === 'running').map((s) => s.host));
    const hosts = [...new Set((servers.data?.items ?? []).map((s) => s.host))].sort();
    if (value && !hosts.includes(value)) hosts.push(value);
    return [{ value: '', label: 'Any server' }, ...hosts.map((h) => ({ value: h, label: running.has(h) ? h : `${h} (not running)` }))];
  }, [servers.data, value]);
  return (
    <Select
      label="Run on server"
      description={
        servers.isError
          ? `The server list cannot be read (${errorMessage(servers.error)}): only “Any server” or the stored host can be chosen.`
          : 'Pin the job to one host of the cluster: its runs start there while a server of that host runs (otherwise another server takes over).'
      }
      data={data}
      value={value ?? ''}
      onChange={(v) => onChange(v ? v : null)}
      allowDeselect={false}
      error={error}
      w={{ base: '100%', sm: 420 }}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
