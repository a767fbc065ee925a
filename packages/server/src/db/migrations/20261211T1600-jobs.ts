import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Scheduled jobs (docs/jobs.md). `jobs.next_run_at` is the claim: the scheduler moves it to the
// next occurrence with a compare-and-set (… where next_run_at = the due value) in the same
// transaction that inserts the run, so a run is created once per cluster. Targets, schedule and
// options are JSON text (read and written whole). `job_runs` keeps a copy of what it executes
// (command, text, options) so an edit of the job does not change a run under way.
// `job_run_devices` is one row per target device of a run; `command_id` links it to the command
// row that carries it to the device (results are followed back from there).
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('job_folders')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('folder_id', ctx.idType, (c) => c.references('job_folders.id').onDelete('set null'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('command', 'varchar(40)', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('targets_json', 'text', (c) => c.notNull())
    .addColumn('start_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('repeat_json', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('options_json', 'text', (c) => c.notNull())
    .addColumn('next_run_at', ctx.epochMs)
    .addColumn('created_by', 'varchar(200)')
    .addColumn('created_by_id', ctx.idType)
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_next_run').on('jobs').columns(['next_run_at']).execute();

  await db.schema
    .createTable('job_runs')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('job_id', ctx.idType, (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('command', 'varchar(40)', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('options_json', 'text', (c) => c.notNull())
    .addColumn('planned_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('started_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('expires_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('finished_at', ctx.epochMs)
    .addColumn('last_start_at', ctx.epochMs)
    .addColumn('resolved', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)')
    .execute();
  await db.schema.createIndex('job_runs_job').on('job_runs').columns(['job_id', 'id']).execute();
  await db.schema.createIndex('job_runs_state').on('job_runs').columns(['state']).execute();

  await db.schema
    .createTable('job_run_devices')
    .addColumn('run_id', ctx.idType, (c) => c.notNull().references('job_runs.id').onDelete('cascade'))
    .addColumn('device_id', ctx.idType, (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('deferred', 'integer', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('command_id', ctx.idType)
    .addColumn('started_at', ctx.epochMs)
    .addColumn('finished_at', ctx.epochMs)
    .addPrimaryKeyConstraint('job_run_devices_pk', ['run_id', 'device_id'])
    .execute();
  await db.schema.createIndex('job_run_devices_state').on('job_run_devices').columns(['run_id', 'state']).execute();
  await db.schema.createIndex('job_run_devices_command').on('job_run_devices').columns(['command_id']).execute();
}
