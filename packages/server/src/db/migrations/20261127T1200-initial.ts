import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('username', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', ctx.idType, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('expires_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('device_folders')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', ctx.binaryText, (c) => c.notNull())
    .addColumn('parent_id', ctx.idType, (c) => c.references('device_folders.id'))
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_folders_parent_name').on('device_folders').columns(['parent_id', 'name']).execute();

  await db.schema
    .createTable('devices')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('unit_id', ctx.binaryText, (c) => c.unique())
    .addColumn('mac', ctx.binaryText, (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lc', ctx.binaryText, (c) => c.notNull())
    .addColumn('network_name', 'text')
    .addColumn('folder_id', ctx.idType, (c) => c.references('device_folders.id'))
    .addColumn('site', 'text')
    .addColumn('department', 'text')
    .addColumn('cost_center', 'text')
    .addColumn('comment', 'text')
    .addColumn('asset_id', 'text')
    .addColumn('in_service_date', 'varchar(10)')
    .addColumn('serial_number', 'text')
    .addColumn('serial_lc', ctx.binaryText)
    .addColumn('product', 'text')
    .addColumn('version', 'text')
    .addColumn('last_ip', ctx.binaryText)
    .addColumn('last_contact', ctx.epochMs, (c) => c.notNull().defaultTo(0))
    .addColumn('last_boot', ctx.epochMs)
    .addColumn('registered_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('online', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // One index per list order and filter: the device list never sorts or filters without one.
  const idx = (name: string, cols: string[]) => db.schema.createIndex(name).on('devices').columns(cols).execute();
  await idx('devices_name', ['name_lc', 'id']);
  await idx('devices_folder_name', ['folder_id', 'name_lc', 'id']);
  await idx('devices_folder_id', ['folder_id', 'id']);
  await idx('devices_last_contact', ['last_contact', 'id']);
  await idx('devices_folder_last_contact', ['folder_id', 'last_contact', 'id']);
  await idx('devices_folder_mac', ['folder_id', 'mac']);
  await idx('devices_last_ip', ['last_ip']);
  await idx('devices_serial', ['serial_lc']);
  if (ctx.dialect === 'postgres') await sql`analyze`.execute(db);
}
