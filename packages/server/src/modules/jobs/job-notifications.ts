import type { Db } from '../../db/database.js';
import { JobReportsRepository } from './job-reports.repository.js';

/** Runs that finished within this time are reported; older ones leave the centre's current list (resolved). */
export const JOB_FAILURE_WINDOW_MS = 24 * 3_600_000;
/** At most this many (the newest) are current at once. */
export const JOB_FAILURE_MAX = 100;

/** A notification centre condition (notifications.repository.ts `Condition`). */
export interface JobFailureCondition {
  key: string;
  severity: 'warning';
  title: string;
  message: string;
  objectType: 'job';
  objectId: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The conditions of kind `jobFailures` (docs/jobs.md#notifications): one per run that finished
 * within the last 24 hours with failed, timed-out or expired devices, keyed by the run — so the
 * centre raises (and mails) each run once, whichever server runs the check; the state is the
 * runs in the database and the centre's rows.
 */
export async function jobFailureConditions(db: Db, now: number): Promise<JobFailureCondition[]> {
  const repo = new JobReportsRepository(db);
  const runs = await repo.listFailedRuns(now - JOB_FAILURE_WINDOW_MS, JOB_FAILURE_MAX);
  const counts = await repo.countsOf(runs.map((r) => r.id));
  return runs.map((r) => {
    const c = counts.get(r.id) ?? {};
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    const failed = c.failed ?? 0;
    const timedOut = c.timedOut ?? 0;
    const expired = c.expired ?? 0;
    const bad = failed + timedOut + expired;
    return {
      key: `job-run-${r.id}`,
      severity: 'warning',
      title: `Job "${r.name}" run ${r.id}: ${bad} of ${plural(total, 'device')} did not succeed`,
      message:
        `Run ${r.id} of job "${r.name}" (job ${r.jobId}) finished at ${new Date(r.finishedAt).toISOString()}` +
        `${r.server ? ` on ${r.server}` : ''}: ${failed} failed, ${timedOut} timed out, ${expired} expired, ` +
        `${c.succeeded ?? 0} succeeded of ${plural(total, 'device')}. The run's device list (Jobs › ${r.name}) has each device's message.`,
      objectType: 'job',
      objectId: String(r.jobId),
    };
  });
}
