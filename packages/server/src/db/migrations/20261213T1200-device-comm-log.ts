import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// The device communication log (docs/logging.md#device-communication-log): a row per device whose
// log is switched on, and the entries, written in batches. Entries have no foreign key: a batch
// must not fail because one of its devices was deleted meanwhile (the purge removes orphans).
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('device_comm_log_switches')
    .addColumn('device_id', ctx.idType, (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('payload', 'integer', (c) => c.notNull())
    .addColumn('since', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('device_comm_log')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('device_id', ctx.idType, (c) => c.notNull())
    .addColumn('at', ctx.epochMs, (c) => c.notNull())
    // 'in' | 'out'
    .addColumn('direction', 'varchar(3)', (c) => c.notNull())
    .addColumn('type', 'varchar(40)', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    // Masked JSON, at most 8 KiB; null when payloads are not kept.
    .addColumn('payload', 'text')
    .addColumn('truncated', 'integer', (c) => c.notNull())
    .execute();
  // A device's entries newest first and its cap: by id (one process writes a device's entries, in order).
  await db.schema.createIndex('device_comm_log_device_id').on('device_comm_log').columns(['device_id', 'id']).execute();
  // The retention purge.
  await db.schema.createIndex('device_comm_log_at').on('device_comm_log').column('at').execute();
}
