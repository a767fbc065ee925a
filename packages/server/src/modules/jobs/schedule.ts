import { Cron } from 'croner';
import { ErrorCode, WEEKDAYS, type JobRepeat } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';

const MINUTE = 60_000;

const bad = (field: string, message: string) => new AppError(ErrorCode.ValidationFailed, message, { field });

/** 400 naming the field unless the time zone is one the runtime knows (IANA names). */
export function checkTimeZone(tz: string, field: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw bad(field, `${field} is not a known time zone (IANA name such as Europe/Berlin): ${tz}`);
  }
}

/** The croner pattern of a weekday or cron recurrence (validated), or null for interval forms. */
function cronOf(repeat: JobRepeat, field: string): Cron | null {
  if ('cron' in repeat || 'weekdays' in repeat) {
    const tz = repeat.timeZone ?? 'UTC';
    checkTimeZone(tz, `${field}.timeZone`);
    let pattern: string;
    if ('cron' in repeat) pattern = repeat.cron;
    else {
      const [h, m] = repeat.time.split(':').map(Number);
      const days = repeat.weekdays.map((d) => (WEEKDAYS.indexOf(d) + 1) % 7).join(',');
      pattern = `${m} ${h} * * ${days}`;
    }
    try {
      const c = new Cron(pattern, { timezone: tz, paused: true });
      // Some patterns parse but never fire (e.g. 30 February).
      if (!c.nextRun(new Date())) throw new Error('the expression never fires');
      return c;
    } catch (err) {
      throw bad(`${field}.cron`, `${field}.cron is not a valid cron expression: ${(err as Error).message}`);
    }
  }
  return null;
}

/** Validates a recurrence; 400 naming `body.schedule.repeat.cron`/`.timeZone` and so on. */
export function checkRepeat(repeat: JobRepeat, field = 'body.schedule.repeat'): void {
  cronOf(repeat, field);
}

function intervalMs(repeat: JobRepeat): number | null {
  if ('everyMinutes' in repeat) return repeat.everyMinutes * MINUTE;
  if ('everyHours' in repeat) return repeat.everyHours * 60 * MINUTE;
  if ('everyDays' in repeat) return repeat.everyDays * 24 * 60 * MINUTE;
  return null;
}

/**
 * The first occurrence at or after `from` (never before `startAt`); null when there is none (a
 * one-off job whose time has passed). Intervals count from `startAt`; weekday and cron forms are
 * evaluated in their time zone by croner.
 */
export function occurrenceFrom(startAt: number, repeat: JobRepeat | null, from: number): number | null {
  const t = Math.max(from, startAt);
  if (!repeat) return startAt >= from ? startAt : null;
  const every = intervalMs(repeat);
  if (every !== null) return startAt + Math.ceil((t - startAt) / every) * every;
  const cron = cronOf(repeat, 'schedule.repeat')!;
  // croner's nextRun is strictly after its argument.
  const next = cron.nextRun(new Date(t - 1));
  return next ? next.getTime() : null;
}

/**
 * The occurrences in [from, to), in time order, at most `max` (never before `startAt`; a one-off
 * job's is `startAt`). The calendar's view of the same evaluation the scheduler uses: one croner
 * pattern per job, stepped with `nextRun`.
 */
export function occurrencesBetween(startAt: number, repeat: JobRepeat | null, from: number, to: number, max: number): number[] {
  const out: number[] = [];
  if (max <= 0 || to <= from) return out;
  if (!repeat) {
    if (startAt >= from && startAt < to) out.push(startAt);
    return out;
  }
  const every = intervalMs(repeat);
  if (every !== null) {
    for (let t = occurrenceFrom(startAt, repeat, from)!; t < to && out.length < max; t += every) out.push(t);
    return out;
  }
  const cron = cronOf(repeat, 'schedule.repeat')!;
  let prev = new Date(Math.max(from, startAt) - 1);
  while (out.length < max) {
    const next = cron.nextRun(prev);
    if (!next || next.getTime() >= to) break;
    out.push(next.getTime());
    prev = next;
  }
  return out;
}
