import { VIEW_EXPORT_FIELDS, type AdminTaskOptions, type ApplyMode, type ViewExportFormat } from '@openums/protocol';
import { Group, MultiSelect, NumberInput, SegmentedControl, Select, Stack, TagsInput, Text, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { listAllViews } from '../../api/admin-tasks';
import { isApiError } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { ApplyChoice } from '../configuration-editor/change-preview';
import { serverFieldError } from '../jobs/schedule';
import { useAllProfiles } from '../profiles/queries';

type ViewTaskType = 'assignProfilesToView' | 'exportView';
export const isViewTaskType = (t: string): t is ViewTaskType => t === 'assignProfilesToView' || t === 'exportView';

/** The dialog's fields of the two view tasks (strings as the inputs hold them). */
export interface ViewTaskDraft {
  viewId: string | null;
  profileIds: string[];
  apply: ApplyMode;
  format: ViewExportFormat;
  /** Empty: the export's default columns. */
  columns: string[];
  delivery: 'mail' | 'directory';
  mailTo: string;
  exportDirectory: string;
  /** '' = keep every file. */
  exportKeep: number | string;
}

export const VIEW_TASK_DEFAULTS: ViewTaskDraft = {
  viewId: null,
  profileIds: [],
  apply: 'now',
  format: 'csv',
  columns: [],
  delivery: 'mail',
  mailTo: '',
  exportDirectory: '',
  exportKeep: '',
};

export function viewTaskDraftOf(o: AdminTaskOptions): Partial<ViewTaskDraft> {
  if (o.type === 'assignProfilesToView') return { viewId: String(o.viewId), profileIds: o.profileIds.map(String), apply: o.apply ?? 'now' };
  if (o.type !== 'exportView') return {};
  const base = { viewId: String(o.viewId), format: o.format, columns: o.columns ?? [] };
  return 'mail' in o.to
    ? { ...base, delivery: 'mail', mailTo: o.to.mail.join('\n') }
    : { ...base, delivery: 'directory', exportDirectory: o.to.directory, exportKeep: o.to.keep ?? '' };
}

export const splitAddresses = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export function viewTaskOptionsOf(type: ViewTaskType, d: ViewTaskDraft): AdminTaskOptions {
  const viewId = Number(d.viewId);
  if (type === 'assignProfilesToView') return { type, viewId, profileIds: d.profileIds.map(Number), apply: d.apply };
  const to =
    d.delivery === 'mail'
      ? { mail: splitAddresses(d.mailTo) }
      : { directory: d.exportDirectory.trim(), ...(d.exportKeep === '' ? {} : { keep: Number(d.exportKeep) }) };
  return { type, viewId, format: d.format, ...(d.columns.length ? { columns: d.columns } : {}), to };
}

/** What the dialog checks before sending (the server checks again and names the field). */
export function viewTaskProblems(type: ViewTaskType, d: ViewTaskDraft): Record<string, string> {
  const p: Record<string, string> = {};
  if (!d.viewId) p.viewId = 'Choose a view';
  if (type === 'assignProfilesToView' && d.profileIds.length === 0) p.profileIds = 'Choose at least one profile';
  if (type === 'exportView' && d.delivery === 'mail') {
    const list = splitAddresses(d.mailTo);
    const bad = list.find((a) => !/^[^\s@]+@[^\s@]+$/.test(a));
    if (!list.length) p.mailTo = 'Enter at least one address';
    else if (bad) p.mailTo = `“${bad}” is not a mail address`;
  }
  if (type === 'exportView' && d.delivery === 'directory' && !d.exportDirectory.trim().startsWith('/'))
    p.exportDirectory = 'Enter an absolute directory on the server';
  return p;
}

/**
 * The server's problem with one of these fields: `details.field` of a check (a missing view,
 * an unwritable directory), or the matching issue of a schema failure (a bad address).
 */
export function viewFieldError(error: unknown, field: string): string | undefined {
  const checked = serverFieldError(error, field);
  if (checked) return checked;
  if (!isApiError(error)) return undefined;
  const issues = (error.details as { issues?: Array<{ field?: unknown; message?: unknown }> } | null | undefined)?.issues;
  const issue = issues?.find((i) => typeof i.field === 'string' && (i.field === field || i.field.startsWith(`${field}.`)));
  if (!issue) return undefined;
  const message = String(issue.message);
  // "body.options.to.mail.0 must match …" reads as "must match …" at the field.
  return message.startsWith(`${String(issue.field)} `) ? message.slice(String(issue.field).length + 1) : message;
}

export const VIEW_TASK_FIELDS = [
  'body.options.viewId',
  'body.options.profileIds',
  'body.options.apply',
  'body.options.format',
  'body.options.columns',
  'body.options.to',
];

const FORMATS: { value: ViewExportFormat; label: string }[] = [
  { value: 'csv', label: 'CSV' },
  { value: 'xlsx', label: 'Excel workbook (.xlsx)' },
  { value: 'json', label: 'JSON' },
];

/** The options of a view task: view and profiles pickers, export format, columns and where it goes. */
export function ViewTaskFields({
  type,
  value,
  onChange,
  problems,
  error,
}: {
  type: ViewTaskType;
  value: ViewTaskDraft;
  onChange: (next: ViewTaskDraft) => void;
  /** The dialog's own checks, shown once the user tried to save. */
  problems: Record<string, string>;
  error: unknown;
}) {
  const set = <K extends keyof ViewTaskDraft>(k: K, v: ViewTaskDraft[K]) => onChange({ ...value, [k]: v });
  const views = useQuery({ queryKey: ['admin-tasks', 'views'], queryFn: ({ signal }) => listAllViews(signal) });
  const profiles = useAllProfiles(type === 'assignProfilesToView');
  const viewData = useMemo(
    () => (views.data ?? []).map((v) => ({ value: String(v.id), label: v.name })).sort((a, b) => a.label.localeCompare(b.label)),
    [views.data],
  );
  const profileData = useMemo(
    () => (profiles.data ?? []).map((p) => ({ value: String(p.id), label: p.name })).sort((a, b) => a.label.localeCompare(b.label)),
    [profiles.data],
  );
  const f = (field: string) => viewFieldError(error, `body.options.${field}`);
  return (
    <Stack gap="sm">
      {views.isError && <ErrorAlert title="Cannot load the views" error={views.error} />}
      <Select
        label="View"
        description="Its devices are read when the task runs (only those the task's creator may browse)"
        data={viewData}
        value={value.viewId}
        onChange={(v) => set('viewId', v)}
        searchable
        placeholder={views.isPending ? 'Loading views…' : 'Choose a saved view'}
        nothingFoundMessage="No view with that name"
        error={problems.viewId ?? f('viewId')}
        comboboxProps={{ withinPortal: true }}
        required
      />
      {type === 'assignProfilesToView' && (
        <>
          {profiles.isError && <ErrorAlert title="Cannot load the profiles" error={profiles.error} />}
          <MultiSelect
            label="Profiles"
            description="Assigned directly to each device of the view; devices that have them already, or run another major version, are skipped"
            data={profileData}
            value={value.profileIds}
            onChange={(v) => set('profileIds', v)}
            searchable
            maxValues={20}
            placeholder={profiles.isPending ? 'Loading profiles…' : 'Choose up to 20 profiles'}
            nothingFoundMessage="No profile with that name"
            error={problems.profileIds ?? f('profileIds')}
            comboboxProps={{ withinPortal: true }}
            required
          />
          <ApplyChoice value={value.apply} onChange={(v) => set('apply', v)} />
        </>
      )}
      {type === 'exportView' && (
        <>
          <Group align="flex-start" wrap="nowrap">
            <Select
              label="Format"
              data={FORMATS}
              value={value.format}
              onChange={(v) => v && set('format', v as ViewExportFormat)}
              allowDeselect={false}
              error={f('format')}
              w={220}
            />
            <TagsInput
              label="Columns"
              description="Empty: the default columns; device fields or attribute:<identifier>"
              data={[...VIEW_EXPORT_FIELDS]}
              value={value.columns}
              onChange={(v) => set('columns', v)}
              error={f('columns')}
              clearable
              comboboxProps={{ withinPortal: true }}
              style={{ flex: 1 }}
            />
          </Group>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Deliver
            </Text>
            <SegmentedControl
              aria-label="Deliver"
              data={[
                { value: 'mail', label: 'By mail' },
                { value: 'directory', label: 'To a directory' },
              ]}
              value={value.delivery}
              onChange={(v) => set('delivery', v as ViewTaskDraft['delivery'])}
              w={300}
            />
          </Stack>
          {value.delivery === 'mail' ? (
            <Textarea
              label="Recipients"
              description="One address per line; sent through Administration › Mail"
              autosize
              minRows={2}
              value={value.mailTo}
              onChange={(e) => set('mailTo', e.currentTarget.value)}
              error={problems.mailTo ?? f('to.mail') ?? f('to')}
              required
            />
          ) : (
            <Group align="flex-start" wrap="nowrap">
              <TextInput
                label="Export directory"
                description="Absolute path on the server; must exist and be writable by it. Files are named after the view and the time."
                placeholder="/var/lib/openums/exports"
                value={value.exportDirectory}
                onChange={(e) => set('exportDirectory', e.currentTarget.value)}
                error={problems.exportDirectory ?? f('to.directory') ?? f('to')}
                required
                style={{ flex: 1 }}
              />
              <NumberInput
                label="Keep"
                description="Newest files kept (empty: all)"
                min={1}
                max={1000}
                allowDecimal={false}
                value={value.exportKeep}
                onChange={(v) => set('exportKeep', v)}
                error={f('to.keep')}
                w={160}
              />
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
