import {
  ErrorCode,
  JOB_CALENDAR_MAX_DAYS,
  JOB_CALENDAR_MAX_ITEMS,
  type JobCalendar,
  type JobCalendarEntry,
  type JobCalendarQuery,
  type JobRepeat,
} from '@openums/protocol';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { JobReportsRepository } from './job-reports.repository.js';
import { occurrencesBetween } from './schedule.js';

const DAY = 86_400_000;
const PAGE = 500;

const byTime = (a: JobCalendarEntry, b: JobCalendarEntry) => a.at - b.at || a.jobId - b.jobId;

/**
 * The calendar (docs/jobs.md#calendar): the planned runs of enabled jobs in a window of at most
 * 31 days, by time, at most 1,000 (`truncated` beyond), from the same schedule code the
 * scheduler uses. A one-off job shows at its pending run time (`next_run_at`, or its start once run).
 */
export class JobCalendarService {
  constructor(
    private readonly repo: JobReportsRepository,
    private readonly clock: Clock,
    private readonly log: Logger | null,
  ) {}

  async calendar(q: JobCalendarQuery): Promise<JobCalendar> {
    const from = q.from ?? this.clock.now();
    const to = q.to ?? from + 7 * DAY;
    if (to < from) throw new AppError(ErrorCode.ValidationFailed, 'querystring.to is before querystring.from', { field: 'querystring.to' });
    if (to - from > JOB_CALENDAR_MAX_DAYS * DAY)
      throw new AppError(ErrorCode.ValidationFailed, `querystring.to is more than ${JOB_CALENDAR_MAX_DAYS} days after querystring.from`, {
        field: 'querystring.to',
      });
    const max = JOB_CALENDAR_MAX_ITEMS;
    let items: JobCalendarEntry[] = [];
    let truncated = false;
    // Once more than `max` are known, nothing later than the last kept entry can make the list.
    let end = to;
    for (let after = 0; ;) {
      const jobs = await this.repo.listEnabledJobs(after, PAGE);
      for (const j of jobs) {
        let times: number[];
        try {
          const repeat = j.repeat_json ? (JSON.parse(j.repeat_json) as JobRepeat) : null;
          times = occurrencesBetween(repeat ? j.start_at : (j.next_run_at ?? j.start_at), repeat, from, end, max + 1);
        } catch (err) {
          // A schedule the runtime no longer accepts (e.g. a time zone gone) has no occurrences; the scheduler logs it too.
          this.log?.warn({ err, jobId: j.id }, 'job schedule not evaluable for the calendar');
          continue;
        }
        for (const at of times) items.push({ jobId: j.id, name: j.name, at });
        if (items.length > 2 * max) ({ items, end } = this.cut(items, max, end));
        if (items.length > max) truncated = true;
      }
      if (jobs.length < PAGE) break;
      after = jobs[jobs.length - 1]!.id;
    }
    items.sort(byTime);
    if (items.length > max) truncated = true;
    return { items: items.slice(0, max), truncated };
  }

  /** Keeps the first `max` + 1 (so `truncated` stays known) and lowers the window's end to the last kept. */
  private cut(items: JobCalendarEntry[], max: number, end: number) {
    items.sort(byTime);
    const kept = items.slice(0, max + 1);
    return { items: kept, end: Math.min(end, kept[kept.length - 1]!.at + 1) };
  }
}
