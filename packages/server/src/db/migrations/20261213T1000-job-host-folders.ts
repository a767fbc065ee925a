import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Scheduled jobs, second part (docs/jobs.md):
// * host assignment — `jobs.host` pins a job to a server host (the registry's `servers.host`,
//   null = any); a run records the host it was pinned to (`job_runs.host`) and the host whose
//   process executed it (`job_runs.server`), so a fail-over shows as host ≠ server.
// * nested job folders — `job_folders.parent_id` (null = top level); a name is unique among its
//   siblings instead of installation-wide: the column-level unique(name) goes (PostgreSQL drops
//   the constraint, SQLite rebuilds the table), a unique index on (parent, name) replaces it.
// * job-failure notifications look for runs finished lately: an index on `job_runs.finished_at`
//   (the history purge reads it too).
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('host', 'varchar(255)').execute();
  await db.schema.alterTable('job_runs').addColumn('host', 'varchar(255)').execute();
  await db.schema.alterTable('job_runs').addColumn('server', 'varchar(255)').execute();
  await db.schema.createIndex('job_runs_finished').on('job_runs').columns(['finished_at']).execute();

  await ctx.rebuildTable(db, {
    table: 'job_folders',
    postgresDrop: sql`alter table job_folders drop constraint if exists job_folders_name_key`,
    sqliteCreate: sql`create table job_folders_new (
      id integer primary key autoincrement,
      name varchar(100) not null,
      created_at integer not null)`,
    columns: ['id', 'name', 'created_at'],
  });
  await db.schema.alterTable('job_folders').addColumn('parent_id', ctx.idType).execute();
  // Top-level folders (parent null) are siblings too: coalesce makes them one group.
  await sql`create unique index job_folders_parent_name on job_folders ((coalesce(parent_id, 0)), name)`.execute(db);
  await db.schema.createIndex('jobs_folder').on('jobs').columns(['folder_id', 'id']).execute();
}
