import { ADMIN_TASK_TYPES, type AdminTaskType } from '@openums/protocol';
import { Button, Group, Modal, NumberInput, Select, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { createAdminTask, updateAdminTask, type AdminTask, type AdminTaskOptions } from '../../api/admin-tasks';
import { ErrorAlert } from '../../components/error-alert';
import {
  isViewTaskType,
  VIEW_TASK_DEFAULTS,
  VIEW_TASK_FIELDS,
  viewTaskDraftOf,
  viewTaskOptionsOf,
  viewTaskProblems,
  ViewTaskFields,
  type ViewTaskDraft,
} from './admin-task-view-options';
import { notifySuccess } from '../../components/notify';
import {
  isFieldError,
  SCHEDULE_FIELDS,
  ScheduleEditor,
  sameSchedule,
  scheduleDraftOf,
  scheduleOf,
  scheduleProblems,
  serverFieldError,
  type ScheduleDraft,
} from '../jobs/schedule';

export const TYPE_LABEL: Record<AdminTaskType, string> = {
  backup: 'Back up the database',
  purgeAuditLog: 'Purge the audit log',
  purgeTaskHistory: 'Purge the task history',
  deleteStaleDevices: 'Delete stale devices',
  mailNotificationSummary: 'Mail a notification summary',
  assignProfilesToView: "Assign profiles to a view's devices",
  exportView: 'Export a view (mail or file)',
};

interface OptionsDraft extends ViewTaskDraft {
  type: AdminTaskType;
  directory: string;
  keep: number | string;
  days: number | string;
  limit: number | string;
  recipients: string;
}

function optionsDraftOf(o?: AdminTaskOptions): OptionsDraft {
  const d: OptionsDraft = { ...VIEW_TASK_DEFAULTS, type: 'backup', directory: '', keep: 7, days: 90, limit: 100, recipients: '' };
  if (!o) return d;
  switch (o.type) {
    case 'assignProfilesToView':
    case 'exportView':
      return { ...d, ...viewTaskDraftOf(o), type: o.type };
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
    case 'assignProfilesToView':
    case 'exportView':
      return viewTaskOptionsOf(d.type, d);
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
const OTHER_OPTION_FIELDS = ['directory', 'keep', 'olderThanDays', 'noContactDays', 'limit', 'recipients'].map((k) => `body.options.${k}`);

/** Create or change an administrative task; the server's field errors are shown at their fields. */
export function TaskDialog({ task, onClose, onSaved }: { task: AdminTask | null; onClose: () => void; onSaved: () => void }) {
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
  const vProblems = isViewTaskType(o.type) ? viewTaskProblems(o.type, o) : {};
  const err = save.error;
  const f = (...fields: string[]) => serverFieldError(err, ...fields);
  const submit = () => {
    setTouched(true);
    if (!nameProblem && Object.keys(sProblems).length === 0 && Object.keys(vProblems).length === 0) save.mutate();
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
          {isViewTaskType(o.type) && (
            <ViewTaskFields
              type={o.type}
              value={o}
              onChange={(next) => setO((p) => ({ ...p, ...next }))}
              problems={touched ? vProblems : {}}
              error={err}
            />
          )}
          {/* An options problem the fields above do not name (e.g. the type). */}
          {f('body.options') && ![...OTHER_OPTION_FIELDS, ...VIEW_TASK_FIELDS].some((k) => f(k)) && (
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
