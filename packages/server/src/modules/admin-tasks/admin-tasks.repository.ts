import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { AdminTasksTable } from '../../db/types-features.js';
import { transaction } from '../../db/transaction.js';

/** A row as read: the table's columns with the generated id resolved. */
export type AdminTaskRow = Selectable<AdminTasksTable>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const toRow = (r: Record<string, unknown>): AdminTaskRow =>
  ({
    ...r,
    id: Number(r.id),
    enabled: Number(r.enabled),
    next_run_at: num(r.next_run_at),
    last_run_at: num(r.last_run_at),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  }) as AdminTaskRow;

export class AdminTasksRepository {
  constructor(private readonly db: Db) {}

  insert = async (v: Omit<AdminTaskRow, 'id' | 'last_run_at' | 'last_state'>) =>
    Number(
      (
        await this.db
          .insertInto('admin_tasks')
          .values({ ...v, last_run_at: null, last_state: null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );

  find = async (id: number) => {
    const r = await this.db.selectFrom('admin_tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRow(r) : undefined;
  };

  list = async (after: number | null, limit: number) => {
    let q = this.db.selectFrom('admin_tasks').selectAll().orderBy('id').limit(limit);
    if (after !== null) q = q.where('id', '>', after);
    return (await q.execute()).map(toRow);
  };

  update = async (id: number, v: Partial<AdminTaskRow>) => {
    await this.db.updateTable('admin_tasks').set(v).where('id', '=', id).execute();
  };

  delete = async (id: number) => {
    await this.db.deleteFrom('admin_task_runs').where('task_id', '=', id).execute();
    return Number((await this.db.deleteFrom('admin_tasks').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
  };

  /** Enabled tasks due at `now` (a few per tick). */
  due = async (now: number) =>
    (
      await this.db
        .selectFrom('admin_tasks')
        .selectAll()
        .where('enabled', '=', 1)
        .where('next_run_at', '<=', now)
        .orderBy('next_run_at')
        .limit(20)
        .execute()
    ).map(toRow);

  /**
   * Claims a due run: moves next_run_at from what was read to `next` in one UPDATE. Another
   * process that read the same row finds it moved and gets false — a run starts once per cluster.
   */
  claim = async (id: number, expected: number, next: number | null, now: number) => {
    const r = await this.db
      .updateTable('admin_tasks')
      .set({ next_run_at: next, last_run_at: now, last_state: 'running' })
      .where('id', '=', id)
      .where('next_run_at', '=', expected)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  };

  startRun = async (taskId: number, now: number) =>
    Number(
      (
        await this.db
          .insertInto('admin_task_runs')
          .values({ task_id: taskId, started_at: now, finished_at: null, state: 'running', message: null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );

  finishRun = async (runId: number, taskId: number, state: 'succeeded' | 'failed', message: string, now: number) => {
    await transaction(this.db, async (trx) => {
      await trx
        .updateTable('admin_task_runs')
        .set({ state, message: message.slice(0, 4000), finished_at: now })
        .where('id', '=', runId)
        .execute();
      await trx.updateTable('admin_tasks').set({ last_state: state }).where('id', '=', taskId).execute();
    });
  };

  runs = async (taskId: number, before: number | null, limit: number) => {
    let q = this.db.selectFrom('admin_task_runs').selectAll().where('task_id', '=', taskId).orderBy('id', 'desc').limit(limit);
    if (before !== null) q = q.where('id', '<', before);
    return q.execute();
  };

  /** The message of each task's newest finished run (one query for a page of tasks). */
  lastMessages = async (taskIds: readonly number[]): Promise<Map<number, string | null>> => {
    if (!taskIds.length) return new Map();
    const rows = await this.db
      .selectFrom('admin_task_runs')
      .select(['task_id', 'message'])
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('admin_task_runs')
          .select((e) => e.fn.max('id').as('id'))
          .where('task_id', 'in', [...taskIds])
          .where('state', '<>', 'running')
          .groupBy('task_id'),
      )
      .execute();
    return new Map(rows.map((r) => [Number(r.task_id), r.message]));
  };

  purgeRuns = async (before: number) =>
    Number(
      (await this.db.deleteFrom('admin_task_runs').where('started_at', '<', before).where('state', '<>', 'running').executeTakeFirst())
        .numDeletedRows,
    );

  /**
   * The enabled account a task's `created_by` names. Null when it is gone or disabled, and when
   * several accounts hold the name (directory accounts of different domains): refused, not guessed.
   */
  findCreator = async (username: string): Promise<{ userId: number; superuser: boolean } | null> => {
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'superuser', 'disabled'])
      .where('username', '=', username)
      .limit(2)
      .execute();
    const [r] = rows;
    return rows.length === 1 && r && Number(r.disabled) === 0 ? { userId: Number(r.id), superuser: Number(r.superuser) === 1 } : null;
  };

  /** Task types present and enabled (for the reminders). */
  enabledTypes = async () =>
    new Set((await this.db.selectFrom('admin_tasks').select('type').where('enabled', '=', 1).distinct().execute()).map((r) => r.type));
}
