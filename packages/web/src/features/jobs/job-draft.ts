import { JOB_OPTION_DEFAULTS, type JobCommand } from '@openums/protocol';
import { isApiError } from '../../api/client';
import type { Job, JobBody, JobPatch, JobTarget } from '../../api/jobs';
import { commandLabel } from '../commands/command-catalog';
import { sameSchedule, scheduleOf, scheduleProblems, type ScheduleDraft } from './schedule';

/** The wizard's steps, in order. */
export const JOB_STEPS = ['command', 'targets', 'schedule', 'options', 'summary'] as const;
export type JobStep = (typeof JOB_STEPS)[number];
export const STEP_LABELS: Record<JobStep, string> = {
  command: 'Command',
  targets: 'Targets',
  schedule: 'Schedule',
  options: 'Options',
  summary: 'Summary',
};

export type OptionKey = keyof typeof JOB_OPTION_DEFAULTS;
export type NumberOptionKey = Exclude<OptionKey, 'logResults' | 'retryNextBoot'>;
export const NUMBER_OPTIONS: { key: NumberOptionKey; label: string; description: string; min: number; max: number }[] = [
  { key: 'maxThreads', label: 'Devices at a time', description: 'Commands in flight at once', min: 1, max: 1000 },
  { key: 'delaySeconds', label: 'Delay (s)', description: 'Between two devices', min: 0, max: 3600 },
  { key: 'timeoutSeconds', label: 'Timeout (s)', description: 'Wait for one device’s answer', min: 1, max: 86_400 },
  { key: 'expiryMinutes', label: 'Expiry (min)', description: 'Devices not reached by then expire', min: 1, max: 43_200 },
];

export type DraftTarget = JobTarget & { label?: string };

export interface JobDraft {
  name: string;
  command: JobCommand;
  text: string;
  targets: DraftTarget[];
  enabled: boolean;
  comment: string;
  /** The job folder it is filed in (null: none). */
  folderId: number | null;
  /** The server host it runs on (null: any). */
  host: string | null;
  options: Record<OptionKey, number | string | boolean>;
}

export const jobCommandLabel = (c: string) => (c === 'settings-to-device' ? 'Send settings to the device' : commandLabel(c));
export const targetKey = (t: JobTarget) => `${t.type}:${t.id}`;

export function jobDraftOf(job: Job | null, folderId: number | null = null): JobDraft {
  return {
    name: job?.name ?? '',
    command: (job?.command as JobCommand | undefined) ?? 'refresh-sysinfo',
    text: job?.text ?? '',
    targets: job ? job.targets.map((t) => ({ ...t })) : [],
    enabled: job?.enabled ?? true,
    comment: job?.comment ?? '',
    folderId: job ? job.folderId : folderId,
    host: job?.host ?? null,
    options: { ...JOB_OPTION_DEFAULTS, ...(job?.options ?? {}) },
  };
}

const isWhole = (v: unknown) => v !== '' && Number.isInteger(Number(v));

/** What the form can see is wrong on one step, by field (`startAt`, `every` … for the schedule). */
/** `initial`: an edited job's stored schedule (left unchanged, it is not sent and not checked against the clock). */
export interface CheckContext {
  initial?: ScheduleDraft | null;
  now?: number;
}

export function stepProblems(step: JobStep, d: JobDraft, schedule: ScheduleDraft, ctx: CheckContext = {}): Record<string, string> {
  const p: Record<string, string> = {};
  if (step === 'command') {
    if (!d.name.trim()) p.name = 'Enter a name';
    if (d.command === 'send-message' && !d.text.trim()) p.text = 'Enter the message';
  } else if (step === 'targets') {
    if (d.targets.length === 0) p.targets = 'Pick at least one device, folder or view';
  } else if (step === 'schedule') {
    Object.assign(p, scheduleProblems(schedule));
    // The server refuses a one-off time more than a minute past (a recurring job may start in the past).
    const start = new Date(schedule.startAt).getTime();
    const unchanged = ctx.initial && sameSchedule(schedule, ctx.initial);
    if (!p.startAt && !unchanged && schedule.kind === 'none' && start < (ctx.now ?? Date.now()) - 60_000)
      p.startAt = 'This time has passed: pick a later one (or save and use Run now)';
  } else if (step === 'options') {
    for (const o of NUMBER_OPTIONS) {
      const v = d.options[o.key];
      if (!isWhole(v) || Number(v) < o.min || Number(v) > o.max) p[o.key] = `A whole number from ${o.min} to ${o.max}`;
    }
  }
  return p;
}

/** The first step (up to `upTo`, not included) with a problem, or null. */
export function firstInvalidStep(d: JobDraft, schedule: ScheduleDraft, upTo: JobStep = 'summary', ctx: CheckContext = {}): JobStep | null {
  for (const step of JOB_STEPS.slice(0, JOB_STEPS.indexOf(upTo))) {
    if (Object.keys(stepProblems(step, d, schedule, ctx)).length > 0) return step;
  }
  return null;
}

/** The step that shows a field the server named in `details.field` (unknown fields: the summary). */
export function stepOfField(field: string): JobStep {
  const f = field.replace(/^body\./, '');
  if (/^(name|command|text|comment|enabled|folderId)\b/.test(f)) return 'command';
  if (f.startsWith('targets')) return 'targets';
  if (f.startsWith('schedule')) return 'schedule';
  if (/^(options|host)\b/.test(f)) return 'options';
  return 'summary';
}

/** The step a failed save should show: where its field is. */
export function stepOfError(error: unknown): JobStep {
  if (!isApiError(error)) return 'summary';
  const field = (error.details as { field?: unknown } | null | undefined)?.field;
  return typeof field === 'string' ? stepOfField(field) : 'summary';
}

/**
 * The request: a create carries everything; an edit leaves out an unchanged schedule (a one-off
 * job that already ran can be renamed). `host` is sent when set or changed.
 */
export function jobBodyOf(
  d: JobDraft,
  schedule: ScheduleDraft,
  initial: { schedule: ScheduleDraft; host: string | null } | null,
): JobBody | JobPatch {
  const options = Object.fromEntries(
    Object.entries(d.options).map(([k, v]) => [k, typeof v === 'boolean' ? v : Number(v)]),
  ) as unknown as Job['options'];
  const body: JobPatch = {
    name: d.name.trim(),
    command: d.command,
    ...(d.command === 'send-message' ? { text: d.text } : {}),
    targets: d.targets.map((t) => ({ type: t.type, id: t.id })),
    enabled: d.enabled,
    comment: d.comment.trim() || null,
    folderId: d.folderId,
    ...(d.host !== (initial?.host ?? null) ? { host: d.host } : {}),
    options,
  };
  if (initial && sameSchedule(schedule, initial.schedule)) return body;
  return { ...body, schedule: scheduleOf(schedule) } as JobBody;
}
