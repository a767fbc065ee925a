import { sql, type Insertable, type Updateable, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import {
  jobRow,
  runRow,
  type JDb,
  type JobRow,
  type JobRunDevicesTable,
  type JobRunRow,
  type JobRunsTable,
  type JobsTable,
} from './jobs.tables.js';
import { transaction } from '../../db/transaction.js';
export type { JobRow, JobRunDeviceRow, JobRunRow } from './jobs.tables.js';

const CHUNK = 500;
/** Commands states that end a device's part in a run. */
const FINISHED_COMMAND_STATES = ['succeeded', 'failed', 'expired', 'cancelled'];

export class JobsRepository {
  private readonly db: JDb;
  constructor(db: Db) {
    this.db = db as unknown as JDb;
  }

  // ---- jobs ----
  insertJob = async (row: Insertable<JobsTable>, db: Db): Promise<number> => {
    const r = await (db as unknown as JDb).insertInto('jobs').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  };
  updateJob = async (id: number, patch: Updateable<JobsTable>, db: Db): Promise<void> => {
    await (db as unknown as JDb).updateTable('jobs').set(patch).where('id', '=', id).execute();
  };
  /** The job with its history (in the caller's transaction). */
  deleteJob = async (id: number, db: Db): Promise<void> => {
    const trx = db as unknown as JDb;
    const runs = trx.selectFrom('job_runs').select('id').where('job_id', '=', id);
    await trx.deleteFrom('job_run_devices').where('run_id', 'in', runs).execute();
    await trx.deleteFrom('job_runs').where('job_id', '=', id).execute();
    await trx.deleteFrom('jobs').where('id', '=', id).execute();
  };
  findJob = async (id: number): Promise<JobRow | undefined> => {
    const r = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? jobRow(r) : undefined;
  };
  listJobs = async (afterId: number, limit: number, folderId?: number): Promise<JobRow[]> => {
    let q = this.db.selectFrom('jobs').selectAll().where('id', '>', afterId).orderBy('id').limit(limit);
    if (folderId !== undefined) q = q.where('folder_id', '=', folderId);
    return (await q.execute()).map(jobRow);
  };

  // ---- folders (the tree: job-folders.repository.ts) ----
  folderExists = async (id: number) =>
    Boolean(await this.db.selectFrom('job_folders').select('id').where('id', '=', id).executeTakeFirst());
  // ---- scheduling (which jobs and runs a scheduler takes: job-hosts.repository.ts) ----
  /**
   * The claim: moves `next_run_at` from `due` to `next` only if it is still `due` (compare and
   * set) and inserts the run in the same transaction. Two processes racing: one updates the row,
   * the other updates nothing and creates no run. Returns the run id, or null when it lost.
   */
  claim = async (jobId: number, due: number, next: number | null, run: Insertable<JobRunsTable>): Promise<number | null> =>
    transaction(this.db, async (trx) => {
      const r = await trx
        .updateTable('jobs')
        .set({ next_run_at: next })
        .where('id', '=', jobId)
        .where('next_run_at', '=', due)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      return Number((await trx.insertInto('job_runs').values(run).returning('id').executeTakeFirstOrThrow()).id);
    });

  insertRun = async (run: Insertable<JobRunsTable>, db: Db): Promise<number> =>
    Number((await (db as unknown as JDb).insertInto('job_runs').values(run).returning('id').executeTakeFirstOrThrow()).id);
  findRun = async (id: number): Promise<JobRunRow | undefined> => {
    const r = await this.db.selectFrom('job_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? runRow(r) : undefined;
  };
  updateRunIn = async (db: Db, id: number, patch: Updateable<JobRunsTable>): Promise<void> => {
    await (db as unknown as JDb).updateTable('job_runs').set(patch).where('id', '=', id).execute();
  };
  updateRun = async (id: number, patch: Updateable<JobRunsTable>): Promise<void> => {
    await this.db.updateTable('job_runs').set(patch).where('id', '=', id).execute();
  };
  listRuns = async (jobId: number, beforeId: number | null, limit: number): Promise<JobRunRow[]> => {
    let q = this.db.selectFrom('job_runs').selectAll().where('job_id', '=', jobId).orderBy('id', 'desc').limit(limit);
    if (beforeId !== null) q = q.where('id', '<', beforeId);
    return (await q.execute()).map(runRow);
  };
  countsOf = async (runIds: number[]): Promise<Map<number, Record<string, number>>> => {
    const out = new Map<number, Record<string, number>>();
    if (!runIds.length) return out;
    const rows = await this.db
      .selectFrom('job_run_devices')
      .select(['run_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('run_id', 'in', runIds)
      .groupBy(['run_id', 'state'])
      .execute();
    for (const r of rows) {
      const m = out.get(Number(r.run_id)) ?? {};
      m[r.state] = Number(r.n);
      out.set(Number(r.run_id), m);
    }
    return out;
  };

  // ---- target resolution (set-based: insert … select, never all devices in memory) ----
  /** Inserts the devices matching `where` (a condition on `devices`) as queued; duplicates ignored. */
  addDevices = async (trx: Db, runId: number, where: RawBuilder<boolean>): Promise<void> => {
    await sql`insert into job_run_devices (run_id, device_id, state, deferred)
      select ${runId}, id, 'queued', 0 from devices join device_presence on device_presence.device_id = devices.id where ${where}
      on conflict do nothing`.execute(trx);
  };
  folderExists2 = async (db: Db, id: number) =>
    Boolean(await (db as unknown as JDb).selectFrom('device_folders').select('id').where('id', '=', id).executeTakeFirst());

  /** `fn` may run more than once (db/transaction.ts). */
  transaction = <T>(fn: (trx: Db) => Promise<T>) => transaction(this.db, (trx) => fn(trx as unknown as Db));

  // ---- execution ----
  /**
   * The one read of an executor step: the next queued devices (whether they exist — a device has
   * its presence row for as long as it exists — and whether online), with the devices in flight
   * (sent, not waiting for a next boot) and the creator
   * (`superuser`: null when the account is gone or disabled) as uncorrelated sub-queries.
   */
  nextStep = async (runId: number, creatorId: number | null, limit: number) => {
    const r = await sql<{ device_id: number; did: number | null; online: number | null; in_flight: number; superuser: number | null }>`
      select r.device_id, p.device_id as did, p.online,
        (select count(*) from job_run_devices f where f.run_id = ${runId} and f.state = 'sent' and f.deferred = 0) as in_flight,
        (select u.superuser from users u where u.id = ${creatorId ?? 0} and u.disabled = 0) as superuser
      from job_run_devices r left join device_presence p on p.device_id = r.device_id
      where r.run_id = ${runId} and r.state = 'queued' order by r.device_id limit ${limit}`.execute(this.db);
    const first = r.rows[0];
    const superuser = first?.superuser ?? null;
    return {
      inFlight: Number(first?.in_flight ?? 0),
      creator: creatorId === null || superuser === null ? null : { superuser: Number(superuser) === 1 },
      queued: r.rows.map((x) => ({ device_id: Number(x.device_id), exists: x.did !== null, online: Number(x.online) === 1 })),
    };
  };
  countOpen = async (runId: number): Promise<number> =>
    Number(
      (
        await this.db
          .selectFrom('job_run_devices')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('run_id', '=', runId)
          .where('state', 'in', ['queued', 'sent'])
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** queued → `state` for these devices (compare and set); returns the ids that changed. */
  moveQueued = async (
    runId: number,
    deviceIds: number[],
    patch: Partial<JobRunDevicesTable>,
    db: Db = this.db as unknown as Db,
  ): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < deviceIds.length; i += CHUNK) {
      const rows = await (db as unknown as JDb)
        .updateTable('job_run_devices')
        .set(patch)
        .where('run_id', '=', runId)
        .where('device_id', 'in', deviceIds.slice(i, i + CHUNK))
        .where('state', '=', 'queued')
        .returning('device_id')
        .execute();
      out.push(...rows.map((r) => Number(r.device_id)));
    }
    return out;
  };
  /**
   * The claim of a start, in the commands' own transaction: queued → sent with each device's
   * command id, one statement per 500 devices (compare and set on `queued`). Returns how many rows
   * it claimed: fewer than given means another runner took some, and the caller rolls back.
   */
  claimWithCommands = async (
    db: Db,
    runId: number,
    pairs: Array<{ deviceId: number; commandId: number }>,
    deferred: ReadonlySet<number>,
    deferredMessage: string,
    now: number,
  ): Promise<number> => {
    let claimed = 0;
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const chunk = pairs.slice(i, i + CHUNK);
      // Integer literals (ids read from the database): no parameter typing issue on PostgreSQL.
      const lit = (n: number) => sql.lit(Number(n));
      const ids = sql.join(chunk.map((p) => lit(p.deviceId)));
      const away = chunk.filter((p) => deferred.has(p.deviceId)).map((p) => lit(p.deviceId));
      const rows = await sql`update job_run_devices set state = 'sent', started_at = ${now},
        deferred = ${away.length ? sql`case when device_id in (${sql.join(away)}) then 1 else 0 end` : sql.lit(0)},
        message = ${away.length ? sql`case when device_id in (${sql.join(away)}) then ${deferredMessage} else null end` : sql`null`},
        command_id = case device_id ${sql.join(
          chunk.map((p) => sql`when ${lit(p.deviceId)} then ${lit(p.commandId)}`),
          sql` `,
        )} end
        where run_id = ${runId} and state = 'queued' and device_id in (${ids}) returning device_id`.execute(db);
      claimed += rows.rows.length;
    }
    return claimed;
  };
  /** Finished commands → the run's rows that are still `sent`, in one set-based statement (no read). */
  copyResults = async (runId: number, now: number): Promise<void> => {
    await sql`update job_run_devices as r set state = c.state, message = c.message, finished_at = coalesce(c.finished_at, ${now})
      from commands as c
      where c.id = r.command_id and r.run_id = ${runId} and r.state = 'sent'
        and c.state in (${sql.join(FINISHED_COMMAND_STATES)})`.execute(this.db);
  };
  /** Devices in flight longer than the timeout (started before `startedBefore`). */
  timeOut = async (runId: number, startedBefore: number, now: number, message: string): Promise<number> =>
    Number(
      (
        await this.db
          .updateTable('job_run_devices')
          .set({ state: 'timedOut', finished_at: now, message })
          .where('run_id', '=', runId)
          .where('state', '=', 'sent')
          .where('deferred', '=', 0)
          .where('started_at', '<', startedBefore)
          .executeTakeFirst()
      ).numUpdatedRows,
    );
  /** Claimed but no command committed (a crash between the two): back to queued after a grace time. */
  requeueOrphans = async (runId: number, startedBefore: number): Promise<void> => {
    await this.db
      .updateTable('job_run_devices')
      .set({ state: 'queued', started_at: null })
      .where('run_id', '=', runId)
      .where('state', '=', 'sent')
      .where('command_id', 'is', null)
      .where('started_at', '<', startedBefore)
      .execute();
  };
  /** Every open device of the run → `state` (expiry, cancel); `states` limits which. */
  closeOpen = async (runId: number, states: string[], state: string, now: number, message: string): Promise<number[]> => {
    const rows = await this.db
      .updateTable('job_run_devices')
      .set({ state, finished_at: now, message })
      .where('run_id', '=', runId)
      .where('state', 'in', states)
      .returning('command_id')
      .execute();
    return rows.flatMap((r) => (r.command_id === null ? [] : [Number(r.command_id)]));
  };
  /** Commands of a cancelled run not yet delivered to their device are cancelled too. */
  cancelQueuedCommands = async (ids: number[], now: number): Promise<void> => {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await this.db
        .updateTable('commands')
        .set({ state: 'cancelled', finished_at: now, message: 'the job run was cancelled' })
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .where('state', '=', 'queued')
        .execute();
    }
  };
  /**
   * Devices that were offline at their start (deferred) whose command is still queued: not reached
   * yet. Devices online at their start got the command pushed at once (its `sent` state may still
   * be in the commands' write batch), so they count as reached.
   */
  unreachedSent = async (runId: number): Promise<Array<{ device_id: number; command_id: number }>> =>
    (
      await this.db
        .selectFrom('job_run_devices as r')
        .innerJoin('commands as c', 'c.id', 'r.command_id')
        .select(['r.device_id', 'r.command_id'])
        .where('r.run_id', '=', runId)
        .where('r.state', '=', 'sent')
        .where('r.deferred', '=', 1)
        .where('c.state', '=', 'queued')
        .execute()
    ).map((r) => ({ device_id: Number(r.device_id), command_id: Number(r.command_id) }));
  setDevicesState = async (runId: number, deviceIds: number[], patch: Partial<JobRunDevicesTable>): Promise<void> => {
    for (let i = 0; i < deviceIds.length; i += CHUNK) {
      await this.db
        .updateTable('job_run_devices')
        .set(patch)
        .where('run_id', '=', runId)
        .where('device_id', 'in', deviceIds.slice(i, i + CHUNK))
        .where('state', 'in', ['queued', 'sent'])
        .execute();
    }
  };
  /** History retention: finished runs older than `before`, a batch at a time. */
  purgeRuns = async (before: number, limit = 1000): Promise<number> =>
    transaction(this.db, async (trx) => {
      const ids = (
        await trx
          .selectFrom('job_runs')
          .select('id')
          .where('finished_at', 'is not', null)
          .where('finished_at', '<', before)
          .limit(limit)
          .execute()
      ).map((r) => Number(r.id));
      if (!ids.length) return 0;
      await trx.deleteFrom('job_run_devices').where('run_id', 'in', ids).execute();
      await trx.deleteFrom('job_runs').where('id', 'in', ids).execute();
      return ids.length;
    });
}
