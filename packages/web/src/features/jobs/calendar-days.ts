import type { JobCalendarEntry } from '../../api/jobs';

/** A job running more often than this on one day shows as its count and first and last time ("48 runs, 0:00 – 23:30"). */
export const RUNS_SHOWN_PER_JOB = 3;

export const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
export const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
export const dayKey = (d: Date) => `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;

export interface DayLine {
  jobId: number;
  name: string;
  /** The runs of this job on this day, in time order. */
  times: Date[];
}
export interface CalendarDay {
  date: Date;
  lines: DayLine[];
}

/**
 * The planned runs grouped by the browser's local day (`days` days from `start`), each day in
 * time order, one line per job and day with its runs.
 */
export function groupByDay(entries: readonly JobCalendarEntry[], start: Date, days: number): CalendarDay[] {
  const result: CalendarDay[] = Array.from({ length: days }, (_, i) => ({ date: addDays(start, i), lines: [] }));
  const byKey = new Map(result.map((d) => [dayKey(d.date), d]));
  const sorted = entries.map((e) => ({ ...e, date: new Date(e.at) })).sort((a, b) => a.date.getTime() - b.date.getTime());
  for (const e of sorted) {
    if (Number.isNaN(e.date.getTime())) continue;
    const day = byKey.get(dayKey(e.date));
    if (!day) continue;
    const line = day.lines.find((l) => l.jobId === e.jobId);
    if (line) line.times.push(e.date);
    else day.lines.push({ jobId: e.jobId, name: e.name, times: [e.date] });
  }
  return result;
}
