import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('enrollment_keys')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('lookup', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('unit_id', 'text')
    .addColumn('folder_id', ctx.idType, (c) => c.references('device_folders.id').onDelete('set null'))
    .addColumn('max_uses', 'integer')
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', ctx.epochMs)
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comment', 'text')
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('last_used_at', ctx.epochMs)
    .execute();

  await db.schema.alterTable('devices').addColumn('cert_serial', 'varchar(64)').execute();
  await db.schema.alterTable('devices').addColumn('cert_expires_at', ctx.epochMs).execute();
  await db.schema.alterTable('devices').addColumn('sysinfo', 'text').execute();
  await db.schema.alterTable('devices').addColumn('sysinfo_at', ctx.epochMs).execute();
  // The server process holding the device's channel (cluster: reset by that process on start).
  await db.schema.alterTable('devices').addColumn('connected_server', 'varchar(64)').execute();
  await db.schema.createIndex('devices_online').on('devices').columns(['online', 'connected_server']).execute();

  await db.schema
    .createTable('commands')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('device_id', ctx.idType, (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('command', 'varchar(32)', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('sent_at', ctx.epochMs)
    .addColumn('acknowledged_at', ctx.epochMs)
    .addColumn('finished_at', ctx.epochMs)
    .addColumn('expires_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
  await db.schema.createIndex('commands_device').on('commands').columns(['device_id', 'id']).execute();
  await db.schema.createIndex('commands_device_state').on('commands').columns(['device_id', 'state']).execute();
  await db.schema.createIndex('commands_state_expiry').on('commands').columns(['state', 'expires_at']).execute();
}
