import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// The audit log: who changed what, when and from where. No foreign keys: an entry outlives the
// account and the object it names (their names are kept as snapshots).
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('at', ctx.epochMs, (c) => c.notNull())
    .addColumn('actor_id', ctx.idType)
    .addColumn('actor_name', 'varchar(300)')
    .addColumn('via', 'varchar(16)')
    .addColumn('token_id', ctx.idType)
    .addColumn('address', 'varchar(64)')
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('object_type', 'varchar(32)')
    .addColumn('object_id', ctx.idType)
    .addColumn('object_name', 'varchar(300)')
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .addColumn('result', 'varchar(16)', (c) => c.notNull())
    .execute();
  // Newest first by (at, id), alone or after each filter; `at` alone also serves the purge.
  await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor_id', 'at', 'id']).execute();
  await db.schema.createIndex('audit_log_object').on('audit_log').columns(['object_type', 'object_id', 'at', 'id']).execute();
  await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'at', 'id']).execute();
}
