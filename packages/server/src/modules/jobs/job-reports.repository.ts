import type { RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import { deviceRow, num, type JDb, type JobRunDeviceRow } from './jobs.tables.js';

/** Device states of a run that count as a failure (job-failure notifications). */
export const FAILURE_STATES = ['failed', 'timedOut', 'expired'] as const;

/** Reads for the calendar, the failure notifications and the rights-filtered device list of a run. */
export class JobReportsRepository {
  private readonly db: JDb;
  constructor(db: Db) {
    this.db = db as unknown as JDb;
  }

  /** Enabled jobs by id, with what their schedule needs. */
  listEnabledJobs = async (afterId: number, limit: number) =>
    (
      await this.db
        .selectFrom('jobs')
        .select(['id', 'name', 'start_at', 'repeat_json', 'next_run_at'])
        .where('enabled', '=', 1)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute()
    ).map((r) => ({ ...r, id: Number(r.id), start_at: Number(r.start_at), next_run_at: num(r.next_run_at) }));

  /** Runs finished since `since` with at least one failed, timed-out or expired device, newest first. */
  listFailedRuns = async (since: number, limit: number) =>
    (
      await this.db
        .selectFrom('job_runs as r')
        .innerJoin('jobs as j', 'j.id', 'r.job_id')
        .select(['r.id', 'r.job_id', 'j.name', 'r.finished_at', 'r.server'])
        .where('r.finished_at', '>=', since)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('job_run_devices as d')
              .select('d.run_id')
              .whereRef('d.run_id', '=', 'r.id')
              .where('d.state', 'in', [...FAILURE_STATES]),
          ),
        )
        .orderBy('r.id', 'desc')
        .limit(limit)
        .execute()
    ).map((r) => ({ id: Number(r.id), jobId: Number(r.job_id), name: r.name, finishedAt: Number(r.finished_at), server: r.server }));

  /** Devices per state of these runs. */
  countsOf = async (runIds: number[]): Promise<Map<number, Record<string, number>>> => {
    const out = new Map<number, Record<string, number>>();
    if (!runIds.length) return out;
    const rows = await this.db
      .selectFrom('job_run_devices')
      .select(['run_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('run_id', 'in', runIds)
      .groupBy(['run_id', 'state'])
      .execute();
    for (const r of rows) out.set(Number(r.run_id), { ...out.get(Number(r.run_id)), [r.state]: Number(r.n) });
    return out;
  };

  /**
   * The devices of a run by device id; with `visible` (a condition on `d.id` / `d.folder_id`, the
   * caller's browse filter) only devices that exist and the caller may browse.
   */
  listRunDevices = async (
    runId: number,
    afterDeviceId: number,
    limit: number,
    state: string | undefined,
    visible: RawBuilder<boolean> | null,
  ): Promise<JobRunDeviceRow[]> => {
    let q = this.db
      .selectFrom('job_run_devices as r')
      .selectAll('r')
      .where('r.run_id', '=', runId)
      .where('r.device_id', '>', afterDeviceId)
      .orderBy('r.device_id')
      .limit(limit);
    if (state) q = q.where('r.state', '=', state);
    // Browse decides on the device row: a device deleted since has none and is left out.
    if (visible)
      q = q.where((eb) => eb.exists(eb.selectFrom('devices as d').select('d.id').whereRef('d.id', '=', 'r.device_id').where(visible)));
    return (await q.execute()).map(deviceRow);
  };
}
