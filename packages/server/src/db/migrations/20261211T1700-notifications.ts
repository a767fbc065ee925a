import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// The notification centre: one row per condition (its `key` is unique: "web-ca", "disk",
// "server-skew", …), raised, updated and resolved by the periodic checks; read marks per
// administrator. Devices' certificate expiry is counted by an index instead of a scan.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('key', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('kind', 'varchar(40)', (c) => c.notNull())
    .addColumn('severity', 'varchar(10)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('message', 'varchar(2000)', (c) => c.notNull())
    .addColumn('object_type', 'varchar(40)')
    .addColumn('object_id', 'varchar(200)')
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('resolved_at', ctx.epochMs)
    .execute();
  // The centre lists current conditions newest first (keyset on id).
  await db.schema.createIndex('notifications_current').on('notifications').columns(['resolved_at', 'id']).execute();
  await db.schema
    .createTable('notification_reads')
    .addColumn('notification_id', ctx.idType, (c) => c.notNull())
    .addColumn('admin_id', ctx.idType, (c) => c.notNull())
    .addColumn('read_at', ctx.epochMs, (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_reads_pk', ['notification_id', 'admin_id'])
    .execute();
  await db.schema.createIndex('devices_cert_expires').on('devices').column('cert_expires_at').execute();
}
