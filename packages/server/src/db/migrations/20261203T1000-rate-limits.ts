import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  // Failed logins and enrollments per client address / user name, shared by every server
  // process, so a cluster blocks an attacker as one server would.
  await db.schema
    .createTable('rate_limits')
    .addColumn('scope', 'varchar(16)', (c) => c.notNull())
    .addColumn('key', 'varchar(300)', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_start', ctx.epochMs, (c) => c.notNull())
    .addColumn('blocked_until', ctx.epochMs, (c) => c.notNull())
    .addColumn('blocks', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['scope', 'key'])
    .execute();
  await db.schema.createIndex('rate_limits_window_start').on('rate_limits').columns(['window_start']).execute();
}
