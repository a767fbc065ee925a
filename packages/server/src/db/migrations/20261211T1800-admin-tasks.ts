import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Administrative tasks (backup, purges, stale devices, notification summary) scheduled like jobs;
// the scheduler claims a due task by moving its next_run_at in one UPDATE, so a run starts once
// per cluster. Each run is a row of the task's history.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('admin_tasks')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('type', 'varchar(40)', (c) => c.notNull())
    .addColumn('options_json', 'text', (c) => c.notNull())
    .addColumn('schedule_json', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('next_run_at', ctx.epochMs)
    .addColumn('last_run_at', ctx.epochMs)
    .addColumn('last_state', 'varchar(20)')
    .addColumn('created_by', 'varchar(200)')
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('admin_tasks_due').on('admin_tasks').columns(['enabled', 'next_run_at']).execute();
  await db.schema
    .createTable('admin_task_runs')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('task_id', ctx.idType, (c) => c.notNull())
    .addColumn('started_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('finished_at', ctx.epochMs)
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('message', 'varchar(4000)')
    .execute();
  await db.schema.createIndex('admin_task_runs_task').on('admin_task_runs').columns(['task_id', 'id']).execute();
  await db.schema.createIndex('admin_task_runs_started').on('admin_task_runs').column('started_at').execute();
}
