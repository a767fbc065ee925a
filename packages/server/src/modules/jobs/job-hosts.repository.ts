import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import type { RunnerScope } from './job-hosts.js';
import { jobRow, runRow, type JDb, type JobRow, type JobRunRow } from './jobs.tables.js';

/**
 * What a scheduler of `scope` takes (docs/jobs.md#host-assignment): its host's pinned jobs and
 * runs, or — cluster-wide — the unpinned ones and those whose host has no running process.
 */
function inScope(table: 'jobs' | 'job_runs', scope: RunnerScope): RawBuilder<boolean> {
  const host = sql.ref(`${table}.host`);
  if (scope.pinned) return sql<boolean>`${host} = ${scope.host}`;
  return sql<boolean>`(${host} is null or not exists (select 1 from servers s where s.host = ${host} and s.status = 'running'))`;
}

/** The scheduler's reads by host assignment, and the server registry's hosts. */
export class JobHostsRepository {
  private readonly db: JDb;
  constructor(db: Db) {
    this.db = db as unknown as JDb;
  }

  /** Jobs due at `now` that a scheduler of `scope` claims (a bounded batch, oldest first). */
  listDue = async (now: number, limit: number, scope: RunnerScope): Promise<JobRow[]> =>
    (
      await this.db
        .selectFrom('jobs')
        .selectAll()
        .where('next_run_at', 'is not', null)
        .where('next_run_at', '<=', now)
        .where(inScope('jobs', scope))
        .orderBy('next_run_at')
        .limit(limit)
        .execute()
    ).map(jobRow);

  /** Runs with work left that a scheduler of `scope` steps: running ones, and cancelled ones with devices in flight. */
  /**
   * Up to `limit` open runs of the scope, in id order after `afterId`, wrapping round to the
   * lowest ids: a caller that passes the last id it stepped visits every open run in turn, so
   * runs that wait long (offline devices until expiry) cannot keep the others from being stepped.
   */
  listActiveRuns = async (limit: number, scope: RunnerScope, afterId = 0): Promise<JobRunRow[]> => {
    const open = (after: number, upTo: number | null, n: number) => {
      let q = this.db
        .selectFrom('job_runs')
        .selectAll()
        .where('state', 'in', ['running', 'cancelled'])
        .where('finished_at', 'is', null)
        .where(inScope('job_runs', scope))
        .where('id', '>', after);
      if (upTo !== null) q = q.where('id', '<=', upTo);
      return q.orderBy('id').limit(n).execute();
    };
    const rows = await open(afterId, null, limit);
    if (rows.length < limit && afterId > 0) rows.push(...(await open(0, afterId, limit - rows.length)));
    return rows.map(runRow);
  };

  /** Records the host that executes these runs. */
  setServer = async (runIds: number[], host: string): Promise<void> => {
    if (runIds.length) await this.db.updateTable('job_runs').set({ server: host }).where('id', 'in', runIds).execute();
  };

  /**
   * Whether a server process of this host has registered: its entry is in the registry (running
   * or dead), or — entries of dead processes can be removed — a job is pinned to it or a run in
   * the history ran on it.
   */
  hostKnown = async (host: string): Promise<boolean> => {
    const r = await sql<{ k: number }>`select 1 as k from servers where host = ${host}
      union all select 1 from jobs where host = ${host}
      union all select 1 from job_runs where server = ${host}
      limit 1`.execute(this.db);
    return r.rows.length > 0;
  };
}
