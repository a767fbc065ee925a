import { ADMIN_TASK_TYPES, type AdminTaskType } from '@openums/protocol';
import { Badge, Button, Group, Modal, NumberInput, Paper, Select, Stack, Switch, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  createAdminTask,
  deleteAdminTask,
  listAdminTaskRuns,
  listAdminTasks,
  runAdminTask,
  updateAdminTask,
  type AdminTask,
  type AdminTaskOptions,
} from '../../api/admin-tasks';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import {
  formatDateTime,
  isFieldError,
  SCHEDULE_FIELDS,
  ScheduleEditor,
  scheduleDraftOf,
  scheduleOf,
  sameSchedule,
  scheduleProblems,
  scheduleSummary,
  serverFieldError,
  type ScheduleDraft,
} from '../jobs/schedule';
import { LoadError, Loading, PageHeader } from './page-states';

export const adminTasksQueryKey = ['admin-tasks'] as const;

const TYPE_LABEL: Record<AdminTaskType, string> = {
  backup: 'Back up the database',
  purgeAuditLog: 'Purge the audit log',
  purgeTaskHistory: 'Purge the task history',
  deleteStaleDevices: 'Delete stale devices',
  mailNotificationSummary: 'Mail a notification summary',
};

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
        description="Work on the server itself — backups, purges, removing stale devices, a mailed notification summary — once or on a schedule. Each task runs once per cluster; every run is kept in its history."
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

interface OptionsDraft {
  type: AdminTaskType;
  directory: string;
  keep: number | string;
  days: number | string;
  limit: number | string;
  recipients: string;
}

function optionsDraftOf(o?: AdminTaskOptions): OptionsDraft {
  const d: OptionsDraft = { type: 'backup', directory: '', keep: 7, days: 90, limit: 100, recipients: '' };
  if (!o) return d;
  switch (o.type) {
    case 'backup':
      return { ...d, type: o.type, directory: o.directory, keep: o.keep };
    case 'purgeAuditLog':
    case 'purgeTaskHistory':
      return { ...d, type: o.type, days: o.olderThanDays };
    case 'deleteStaleDevices':
      return { ...d, type: o.type, days: o.noContactDays, limit: o.limit };
    case 'mailNotificationSummary':
      return { ...d, type: o.type, recipients: o.recipients.join('\n') };
  }
}

function optionsOf(d: OptionsDraft): AdminTaskOptions {
  switch (d.type) {
    case 'backup':
      return { type: 'backup', directory: d.directory.trim(), keep: Number(d.keep) };
    case 'purgeAuditLog':
    case 'purgeTaskHistory':
      return { type: d.type, olderThanDays: Number(d.days) };
    case 'deleteStaleDevices':
      return { type: 'deleteStaleDevices', noContactDays: Number(d.days), limit: Number(d.limit) };
    case 'mailNotificationSummary':
      return {
        type: 'mailNotificationSummary',
        recipients: d.recipients
          .split(/[\s,;]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      };
  }
}

const KNOWN_FIELDS = ['body.name', 'body.options', ...SCHEDULE_FIELDS];

function TaskDialog({ task, onClose, onSaved }: { task: AdminTask | null; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(task?.name ?? '');
  const [enabled, setEnabled] = useState(task?.enabled ?? true);
  const [o, setO] = useState<OptionsDraft>(() => optionsDraftOf(task?.options));
  const [initialSchedule] = useState<ScheduleDraft>(() => scheduleDraftOf(task?.schedule));
  const [schedule, setSchedule] = useState<ScheduleDraft>(initialSchedule);
  const [touched, setTouched] = useState(false);
  const setOpt = <K extends keyof OptionsDraft>(k: K, v: OptionsDraft[K]) => setO((p) => ({ ...p, [k]: v }));
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), options: optionsOf(o), schedule: scheduleOf(schedule), enabled };
      if (!task) return createAdminTask(body);
      // An unchanged schedule is left out of the change.
      const { schedule: changed, ...rest } = body;
      return updateAdminTask(task.id, sameSchedule(schedule, initialSchedule) ? rest : { ...rest, schedule: changed });
    },
    onSuccess: () => {
      notifySuccess(task ? 'Task saved' : 'Task created');
      onSaved();
      onClose();
    },
  });
  const sProblems = scheduleProblems(schedule);
  const nameProblem = name.trim() ? undefined : 'Enter a name';
  const err = save.error;
  const f = (...fields: string[]) => serverFieldError(err, ...fields);
  const submit = () => {
    setTouched(true);
    if (!nameProblem && Object.keys(sProblems).length === 0) save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={task ? `Edit “${task.name}”` : 'New administrative task'} size="lg" centered>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={(touched ? nameProblem : undefined) ?? f('body.name')}
            maxLength={100}
            required
            data-autofocus
          />
          <Select
            label="Type"
            data={ADMIN_TASK_TYPES.map((t) => ({ value: t, label: TYPE_LABEL[t] }))}
            value={o.type}
            onChange={(v) => v && setOpt('type', v as AdminTaskType)}
            allowDeselect={false}
            disabled={task !== null}
            description={task ? 'The type of a saved task stays; create a new task for another type.' : undefined}
          />
          {o.type === 'backup' && (
            <Group align="flex-start" grow>
              <TextInput
                label="Directory"
                description="Absolute path on the server; must exist and be writable by it"
                placeholder="/var/backups/openums"
                value={o.directory}
                onChange={(e) => setOpt('directory', e.currentTarget.value)}
                error={f('body.options.directory')}
                required
              />
              <NumberInput
                label="Keep"
                description="The newest backups kept"
                min={1}
                max={1000}
                allowDecimal={false}
                value={o.keep}
                onChange={(v) => setOpt('keep', v)}
                error={f('body.options.keep')}
                maw={160}
              />
            </Group>
          )}
          {(o.type === 'purgeAuditLog' || o.type === 'purgeTaskHistory') && (
            <NumberInput
              label="Older than (days)"
              description={
                o.type === 'purgeAuditLog'
                  ? 'Audit log entries older than this are deleted'
                  : 'Finished task runs older than this are deleted'
              }
              min={1}
              max={3650}
              allowDecimal={false}
              value={o.days}
              onChange={(v) => setOpt('days', v)}
              error={f('body.options.olderThanDays')}
              w={260}
            />
          )}
          {o.type === 'deleteStaleDevices' && (
            <Group align="flex-start" grow>
              <NumberInput
                label="No contact for (days)"
                min={1}
                max={3650}
                allowDecimal={false}
                value={o.days}
                onChange={(v) => setOpt('days', v)}
                error={f('body.options.noContactDays')}
              />
              <NumberInput
                label="At most per run"
                min={1}
                max={10000}
                allowDecimal={false}
                value={o.limit}
                onChange={(v) => setOpt('limit', v)}
                error={f('body.options.limit')}
              />
            </Group>
          )}
          {o.type === 'deleteStaleDevices' && (
            <Text size="xs" c="orange">
              Deleted devices are gone (there is no recycle bin); each deletion is in the audit log.
            </Text>
          )}
          {o.type === 'mailNotificationSummary' && (
            <Textarea
              label="Recipients"
              description="One address per line; sent through Administration › Mail"
              autosize
              minRows={2}
              value={o.recipients}
              onChange={(e) => setOpt('recipients', e.currentTarget.value)}
              error={f('body.options.recipients')}
            />
          )}
          {/* An options problem the fields above do not name (e.g. the type). */}
          {f('body.options') &&
            !['directory', 'keep', 'olderThanDays', 'noContactDays', 'limit', 'recipients'].some((k) => f(`body.options.${k}`)) && (
              <Text size="xs" c="red">
                {f('body.options')}
              </Text>
            )}
          <Text fw={600} size="sm">
            Schedule
          </Text>
          <ScheduleEditor value={schedule} onChange={setSchedule} problems={touched ? sProblems : {}} serverError={err} />
          <Switch label="Enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          {err && !isFieldError(err, KNOWN_FIELDS) && <ErrorAlert title="Could not save" error={err} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {task ? 'Save' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
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
