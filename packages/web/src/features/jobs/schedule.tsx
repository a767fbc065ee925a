import { WEEKDAYS, type JobRepeat, type JobSchedule } from '@openums/protocol';
import { Chip, Group, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { isApiError } from '../../api/client';

export type RepeatKind = 'none' | 'minutes' | 'hours' | 'days' | 'weekdays' | 'cron';
type Weekday = (typeof WEEKDAYS)[number];

/** The schedule as the form edits it. `startAt` is a `datetime-local` value (the browser's time zone). */
export interface ScheduleDraft {
  startAt: string;
  kind: RepeatKind;
  every: number | string;
  weekdays: Weekday[];
  time: string;
  cron: string;
  timeZone: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A Date as a `datetime-local` value in the browser's time zone. */
export function toLocalInput(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * A new schedule's first run: the next quarter hour at least 5 minutes ahead. A dialog takes a
 * while to fill in, and the server refuses a one-off time more than a minute past: a default of
 * "now" became "in the past" for anyone who took longer than the rest of the minute.
 */
export function defaultStart(now = new Date()): Date {
  const t = new Date(now.getTime() + 5 * 60_000);
  const quarter = Math.ceil(t.getMinutes() / 15) * 15;
  return new Date(t.getFullYear(), t.getMonth(), t.getDate(), t.getHours(), quarter);
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The form's draft of a saved schedule, or of a new one (first run: defaultStart()). */
export function scheduleDraftOf(schedule?: { startAt: string; repeat?: JobRepeat | null }): ScheduleDraft {
  const base: ScheduleDraft = {
    startAt: toLocalInput(schedule ? new Date(schedule.startAt) : defaultStart()),
    kind: 'none',
    every: 1,
    weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
    time: '02:00',
    cron: '0 2 * * *',
    timeZone: browserTimeZone(),
  };
  const r = schedule?.repeat;
  if (!r) return base;
  if ('everyMinutes' in r) return { ...base, kind: 'minutes', every: r.everyMinutes };
  if ('everyHours' in r) return { ...base, kind: 'hours', every: r.everyHours };
  if ('everyDays' in r) return { ...base, kind: 'days', every: r.everyDays };
  if ('weekdays' in r) return { ...base, kind: 'weekdays', weekdays: [...r.weekdays], time: r.time, timeZone: r.timeZone ?? 'UTC' };
  return { ...base, kind: 'cron', cron: r.cron, timeZone: r.timeZone ?? 'UTC' };
}

export function scheduleOf(d: ScheduleDraft): JobSchedule {
  const start = new Date(d.startAt);
  const startAt = Number.isNaN(start.getTime()) ? d.startAt : start.toISOString();
  const n = Number(d.every);
  const repeat: JobRepeat | null =
    d.kind === 'minutes'
      ? { everyMinutes: n }
      : d.kind === 'hours'
        ? { everyHours: n }
        : d.kind === 'days'
          ? { everyDays: n }
          : d.kind === 'weekdays'
            ? { weekdays: d.weekdays, time: d.time, timeZone: d.timeZone.trim() || 'UTC' }
            : d.kind === 'cron'
              ? { cron: d.cron.trim(), timeZone: d.timeZone.trim() || 'UTC' }
              : null;
  return { startAt, repeat };
}

/** Whether two drafts describe the same schedule (fields of other repeat forms do not count). */
export function sameSchedule(a: ScheduleDraft, b: ScheduleDraft): boolean {
  return JSON.stringify(scheduleOf(a)) === JSON.stringify(scheduleOf(b));
}

/** Problems the form can see before asking the server. */
export function scheduleProblems(d: ScheduleDraft): Record<string, string> {
  const p: Record<string, string> = {};
  if (Number.isNaN(new Date(d.startAt).getTime())) p.startAt = 'Enter a date and time';
  if (['minutes', 'hours', 'days'].includes(d.kind) && !(Number.isInteger(Number(d.every)) && Number(d.every) >= 1))
    p.every = 'A whole number, at least 1';
  if (d.kind === 'weekdays' && d.weekdays.length === 0) p.weekdays = 'Pick at least one day';
  if (d.kind === 'weekdays' && !/^([01]\d|2[0-3]):[0-5]\d$/.test(d.time)) p.time = 'HH:MM';
  if (d.kind === 'cron' && !d.cron.trim()) p.cron = 'Enter a cron expression';
  return p;
}

/** One line: "Once at …", "Every 2 hours from …", "Mon, Tue at 02:00 (Europe/Berlin)", "cron 0 2 * * * (UTC)". */
export function scheduleSummary(s: { startAt: string; repeat?: JobRepeat | null }): string {
  const start = formatDateTime(s.startAt);
  const r = s.repeat;
  if (!r) return `Once at ${start}`;
  if ('everyMinutes' in r) return `Every ${r.everyMinutes} min from ${start}`;
  if ('everyHours' in r) return `Every ${r.everyHours} h from ${start}`;
  if ('everyDays' in r) return `Every ${r.everyDays === 1 ? '' : `${r.everyDays} `}day${r.everyDays === 1 ? '' : 's'} from ${start}`;
  if ('weekdays' in r) return `${r.weekdays.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(', ')} at ${r.time} (${r.timeZone ?? 'UTC'})`;
  return `cron ${r.cron} (${r.timeZone ?? 'UTC'})`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The server's message for a field (`details.field` equal to or below `field`). */
export function serverFieldError(error: unknown, ...fields: string[]): string | undefined {
  if (!isApiError(error)) return undefined;
  const f = (error.details as { field?: unknown } | null | undefined)?.field;
  if (typeof f !== 'string') return undefined;
  if (!fields.some((x) => f === x || f.startsWith(`${x}.`))) return undefined;
  // Shown at the field itself: "body.options.directory: /x is not …" reads as "/x is not …",
  // "body.schedule.repeat.cron is not a valid …" as "This value is not a valid …".
  if (error.message.startsWith(`${f}: `)) return error.message.slice(f.length + 2);
  if (error.message.startsWith(`${f} `)) return `This value ${error.message.slice(f.length + 1)}`;
  return error.message;
}

/** Whether a server error was shown at one of the fields (so the dialog need not show it again). */
export function isFieldError(error: unknown, prefixes: string[]): boolean {
  if (!isApiError(error)) return false;
  const f = (error.details as { field?: unknown } | null | undefined)?.field;
  return typeof f === 'string' && prefixes.some((x) => f === x || f.startsWith(`${x}.`));
}

export const SCHEDULE_FIELDS = ['body.schedule.startAt', 'body.schedule.repeat', 'body.schedule'];

export function ScheduleEditor({
  value,
  onChange,
  problems,
  serverError,
}: {
  value: ScheduleDraft;
  onChange: (next: ScheduleDraft) => void;
  problems: Record<string, string>;
  serverError: unknown;
}) {
  const set = <K extends keyof ScheduleDraft>(key: K, v: ScheduleDraft[K]) => onChange({ ...value, [key]: v });
  // Each server error at one field: the start, the time zone, or the repeat rule itself.
  const startError = serverFieldError(serverError, 'body.schedule.startAt');
  const zoneError = serverFieldError(serverError, 'body.schedule.repeat.timeZone');
  const repeatError = startError || zoneError ? undefined : serverFieldError(serverError, 'body.schedule.repeat', 'body.schedule');
  return (
    <Stack gap="xs">
      <TextInput
        type="datetime-local"
        label={value.kind === 'none' ? 'Run at' : 'First run'}
        description="In your browser's time zone"
        value={value.startAt}
        onChange={(e) => set('startAt', e.currentTarget.value)}
        error={problems.startAt ?? startError}
        w={260}
      />
      <div>
        <Text size="sm" fw={500} mb={4}>
          Repeat
        </Text>
        <SegmentedControl
          aria-label="Repeat"
          size="xs"
          value={value.kind}
          onChange={(v) => set('kind', v as RepeatKind)}
          data={[
            { value: 'none', label: 'Once' },
            { value: 'minutes', label: 'Minutes' },
            { value: 'hours', label: 'Hours' },
            { value: 'days', label: 'Days' },
            { value: 'weekdays', label: 'Weekdays' },
            { value: 'cron', label: 'Cron' },
          ]}
        />
      </div>
      {(value.kind === 'minutes' || value.kind === 'hours' || value.kind === 'days') && (
        <NumberInput
          label={`Every … ${value.kind}`}
          min={1}
          allowDecimal={false}
          value={value.every}
          onChange={(v) => set('every', v)}
          error={problems.every ?? repeatError}
          w={200}
        />
      )}
      {value.kind === 'weekdays' && (
        <>
          <Chip.Group
            multiple
            value={value.weekdays}
            onChange={(v) =>
              set(
                'weekdays',
                WEEKDAYS.filter((w) => v.includes(w)),
              )
            }
          >
            <Group gap={4}>
              {WEEKDAYS.map((w) => (
                <Chip key={w} value={w} size="xs">
                  {w[0]!.toUpperCase() + w.slice(1)}
                </Chip>
              ))}
            </Group>
          </Chip.Group>
          {problems.weekdays && (
            <Text size="xs" c="red">
              {problems.weekdays}
            </Text>
          )}
          <Group align="flex-start">
            <TextInput
              type="time"
              label="At"
              value={value.time}
              onChange={(e) => set('time', e.currentTarget.value)}
              error={problems.time ?? repeatError}
              w={140}
            />
            <TextInput
              label="Time zone"
              placeholder="UTC"
              value={value.timeZone}
              onChange={(e) => set('timeZone', e.currentTarget.value)}
              error={zoneError}
              w={220}
            />
          </Group>
        </>
      )}
      {value.kind === 'cron' && (
        <Group align="flex-start">
          <TextInput
            label="Cron expression"
            description="minute hour day month weekday"
            value={value.cron}
            onChange={(e) => set('cron', e.currentTarget.value)}
            error={problems.cron ?? repeatError}
            w={260}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          <TextInput
            label="Time zone"
            description="e.g. Europe/Berlin"
            placeholder="UTC"
            value={value.timeZone}
            onChange={(e) => set('timeZone', e.currentTarget.value)}
            error={zoneError}
            w={220}
          />
        </Group>
      )}
    </Stack>
  );
}
