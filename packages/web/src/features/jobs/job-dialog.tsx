import { JOB_COMMANDS, JOB_OPTION_DEFAULTS, type JobCommand } from '@openums/protocol';
import {
  Accordion,
  Badge,
  Button,
  Checkbox,
  CloseButton,
  Group,
  Modal,
  NumberInput,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Tabs,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { createJob, updateJob, type Job, type JobTarget } from '../../api/jobs';
import { listAllViewFolders, listViews } from '../../api/views';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { commandLabel } from '../commands/command-catalog';
import { DevicePicker, FolderPicker, type PickedTarget } from '../profiles/assignment-pickers';
import { TargetLabel } from './target-label';
import {
  isFieldError,
  SCHEDULE_FIELDS,
  ScheduleEditor,
  scheduleDraftOf,
  scheduleOf,
  sameSchedule,
  scheduleProblems,
  serverFieldError,
  type ScheduleDraft,
} from './schedule';

const key = (t: JobTarget) => `${t.type}:${t.id}`;
type OptionKey = keyof typeof JOB_OPTION_DEFAULTS;
const NUMBER_OPTIONS: {
  key: Exclude<OptionKey, 'logResults' | 'retryNextBoot'>;
  label: string;
  description: string;
  min: number;
  max: number;
}[] = [
  { key: 'maxThreads', label: 'Devices at a time', description: 'Commands in flight at once', min: 1, max: 1000 },
  { key: 'delaySeconds', label: 'Delay (s)', description: 'Between two devices', min: 0, max: 3600 },
  { key: 'timeoutSeconds', label: 'Timeout (s)', description: 'Wait for one device’s answer', min: 1, max: 86_400 },
  { key: 'expiryMinutes', label: 'Expiry (min)', description: 'Devices not reached by then expire', min: 1, max: 43_200 },
];

interface Draft {
  name: string;
  command: JobCommand;
  text: string;
  targets: (JobTarget & { label?: string })[];
  enabled: boolean;
  comment: string;
  options: Record<OptionKey, number | string | boolean>;
}

function draftOf(job: Job | null): Draft {
  return {
    name: job?.name ?? '',
    command: (job?.command as JobCommand | undefined) ?? 'refresh-sysinfo',
    text: job?.text ?? '',
    targets: job ? job.targets.map((t) => ({ ...t })) : [],
    enabled: job?.enabled ?? true,
    comment: job?.comment ?? '',
    options: { ...JOB_OPTION_DEFAULTS, ...(job?.options ?? {}) },
  };
}

const KNOWN_FIELDS = ['body.name', 'body.command', 'body.text', 'body.targets', 'body.options', ...SCHEDULE_FIELDS];

/** Create or change a scheduled job. */
export function JobDialog({ job, onClose, onSaved }: { job: Job | null; onClose: () => void; onSaved: (job: Job) => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(job));
  const [initialSchedule] = useState<ScheduleDraft>(() => scheduleDraftOf(job?.schedule));
  const [schedule, setSchedule] = useState<ScheduleDraft>(initialSchedule);
  const [touched, setTouched] = useState(false);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((p) => ({ ...p, [k]: v }));
  const picked = useMemo(() => new Set(d.targets.map(key)), [d.targets]);
  const none = useMemo(() => new Set<string>(), []);
  const toggle = (t: PickedTarget | (JobTarget & { label: string }), on: boolean) =>
    setD((p) => {
      const rest = p.targets.filter((x) => key(x) !== key(t as JobTarget));
      return { ...p, targets: on ? [...rest, { type: t.type as JobTarget['type'], id: t.id, label: t.label }] : rest };
    });
  const save = useMutation({
    mutationFn: () => {
      const options = Object.fromEntries(
        Object.entries(d.options).map(([k, v]) => [k, typeof v === 'boolean' ? v : Number(v)]),
      ) as unknown as Job['options'];
      const body = {
        name: d.name.trim(),
        command: d.command,
        ...(d.command === 'send-message' ? { text: d.text } : {}),
        targets: d.targets.map((t) => ({ type: t.type, id: t.id })),
        // Unchanged on an edit: left out, so a one-off job that already ran can still be renamed.
        ...(job && sameSchedule(schedule, initialSchedule) ? {} : { schedule: scheduleOf(schedule) }),
        enabled: d.enabled,
        comment: d.comment.trim() || null,
        options,
      };
      return job ? updateJob(job.id, body) : createJob({ ...body, schedule: scheduleOf(schedule) });
    },
    onSuccess: (saved) => {
      notifySuccess(job ? 'Job saved' : 'Job created');
      onSaved(saved);
      onClose();
    },
  });
  const err = save.error;
  const f = (...fields: string[]) => serverFieldError(err, ...fields);
  const problems: Record<string, string> = {};
  if (!d.name.trim()) problems.name = 'Enter a name';
  if (d.command === 'send-message' && !d.text.trim()) problems.text = 'Enter the message';
  if (d.targets.length === 0) problems.targets = 'Pick at least one device, folder or view';
  const sProblems = scheduleProblems(schedule);
  const shown = (k: string) => (touched ? problems[k] : undefined);
  const submit = () => {
    setTouched(true);
    if (Object.keys(problems).length === 0 && Object.keys(sProblems).length === 0) save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={job ? `Edit “${job.name}”` : 'New job'} size="xl" centered>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <SimpleGrid cols={2}>
            <TextInput
              label="Name"
              value={d.name}
              onChange={(e) => set('name', e.currentTarget.value)}
              error={shown('name') ?? f('body.name')}
              maxLength={100}
              required
              data-autofocus
            />
            <Select
              label="Command"
              data={JOB_COMMANDS.map((c) => ({
                value: c,
                label: c === 'settings-to-device' ? 'Send settings to the device' : commandLabel(c),
              }))}
              value={d.command}
              onChange={(v) => v && set('command', v as JobCommand)}
              allowDeselect={false}
              error={f('body.command')}
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
              error={shown('text') ?? f('body.text')}
            />
          )}
          <div>
            <Text size="sm" fw={500}>
              Targets
            </Text>
            <Text size="xs" c="dimmed" mb={4}>
              Folders (with their sub-folders) and views are resolved each time the job runs.
            </Text>
            <Group gap={6} mb="xs" data-testid="job-targets">
              {d.targets.length === 0 ? (
                <Text size="sm" c={shown('targets') ? 'red' : 'dimmed'}>
                  {shown('targets') ?? 'None picked yet'}
                </Text>
              ) : (
                d.targets.map((t) => (
                  <Badge
                    key={key(t)}
                    tt="none"
                    variant="light"
                    color={t.type === 'device' ? 'blue' : t.type === 'folder' ? 'grape' : 'teal'}
                    rightSection={
                      <CloseButton
                        size="xs"
                        aria-label={`Remove ${t.label ?? key(t)}`}
                        onClick={() => setD((p) => ({ ...p, targets: p.targets.filter((x) => key(x) !== key(t)) }))}
                      />
                    }
                  >
                    {t.label ?? <TargetLabel target={t} />}
                  </Badge>
                ))
              )}
            </Group>
            {f('body.targets') && (
              <Text size="xs" c="red" mb={4}>
                {f('body.targets')}
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
          </div>
          <Text size="sm" fw={500}>
            Schedule
          </Text>
          <ScheduleEditor value={schedule} onChange={setSchedule} problems={touched ? sProblems : {}} serverError={err} />
          <Accordion variant="contained">
            <Accordion.Item value="options">
              <Accordion.Control>Options</Accordion.Control>
              <Accordion.Panel>
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
                      onChange={(v) => set('options', { ...d.options, [o.key]: v })}
                      error={f(`body.options.${o.key}`)}
                    />
                  ))}
                </SimpleGrid>
                <Group mt="sm">
                  <Checkbox
                    label="Retry at the next boot"
                    description="Devices that were offline get the command when they start"
                    checked={d.options.retryNextBoot as boolean}
                    onChange={(e) => set('options', { ...d.options, retryNextBoot: e.currentTarget.checked })}
                  />
                  <Checkbox
                    label="Log results"
                    description="Write each device's result to the server log"
                    checked={d.options.logResults as boolean}
                    onChange={(e) => set('options', { ...d.options, logResults: e.currentTarget.checked })}
                  />
                </Group>
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
          <TextInput label="Comment" value={d.comment} onChange={(e) => set('comment', e.currentTarget.value)} maxLength={2000} />
          <Switch label="Enabled" checked={d.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
          {err && !isFieldError(err, KNOWN_FIELDS) && <ErrorAlert title="Could not save" error={err} />}
          {err && isFieldError(err, ['body.options']) && !NUMBER_OPTIONS.some((o) => f(`body.options.${o.key}`)) && (
            <ErrorAlert title="Could not save" error={err} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {job ? 'Save' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Saved views of one view folder, picked by name. */
function ViewPicker({
  picked,
  onToggle,
}: {
  picked: ReadonlySet<string>;
  onToggle: (t: JobTarget & { label: string }, on: boolean) => void;
}) {
  const [folder, setFolder] = useState<string>('root');
  const folders = useQuery({ queryKey: ['view-folders', 'all'], queryFn: ({ signal }) => listAllViewFolders(signal) });
  const views = useQuery({
    queryKey: ['job-view-picker', folder],
    queryFn: ({ signal }) => listViews(folder === 'root' ? 'root' : Number(folder), undefined, signal),
  });
  return (
    <Stack gap={6}>
      <Select
        size="sm"
        label="View folder"
        data={[{ value: 'root', label: 'Top level' }, ...(folders.data ?? []).map((f) => ({ value: String(f.id), label: f.name }))]}
        value={folder}
        onChange={(v) => setFolder(v ?? 'root')}
        allowDeselect={false}
        searchable
      />
      <ScrollArea h={200}>
        {views.isError ? (
          <ErrorAlert title="Cannot load views" error={views.error} />
        ) : (views.data?.items ?? []).length === 0 ? (
          <Text size="sm" c="dimmed" p="xs">
            {views.isPending ? 'Loading…' : 'No views here.'}
          </Text>
        ) : (
          (views.data?.items ?? []).map((v) => (
            <Checkbox
              key={v.id}
              p={4}
              label={v.name}
              aria-label={v.name}
              checked={picked.has(`view:${v.id}`)}
              onChange={(e) => onToggle({ type: 'view', id: v.id, label: v.name }, e.currentTarget.checked)}
            />
          ))
        )}
      </ScrollArea>
    </Stack>
  );
}
