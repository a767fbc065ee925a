import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  // Profile folders: a tree of their own, independent of the device tree.
  await db.schema
    .createTable('profile_folders')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('parent_id', ctx.idType, (c) => c.references('profile_folders.id'))
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('profile_folders_parent').on('profile_folders').columns(['parent_id']).execute();

  await db.schema
    .alterTable('profiles')
    .addColumn('folder_id', ctx.idType, (c) => c.references('profile_folders.id'))
    .execute();
  await db.schema.alterTable('profiles').addColumn('name_lc', 'varchar(128)').execute();
  await sql`update profiles set name_lc = lower(name)`.execute(db);
  await db.schema.createIndex('profiles_folder_name').on('profiles').columns(['folder_id', 'name_lc', 'id']).execute();
  await db.schema.createIndex('profiles_name').on('profiles').columns(['name_lc', 'id']).execute();
  await db.schema.createIndex('profile_assignments_profile').on('profile_assignments').columns(['profile_id', 'id']).execute();

  // Settings delivery state per device. config_revision counts changes that may affect the
  // device; config_applied_* is what the device last confirmed (revision and store hash).
  await db.schema.alterTable('devices').addColumn('config_state', 'varchar(8)').execute();
  await db.schema
    .alterTable('devices')
    .addColumn('config_revision', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('devices')
    .addColumn('config_apply', 'varchar(16)', (c) => c.notNull().defaultTo('now'))
    .execute();
  await db.schema.alterTable('devices').addColumn('config_changed_at', ctx.epochMs).execute();
  await db.schema.alterTable('devices').addColumn('config_applied_revision', 'integer').execute();
  await db.schema.alterTable('devices').addColumn('config_applied_hash', 'varchar(64)').execute();
  await db.schema.alterTable('devices').addColumn('config_applied_at', ctx.epochMs).execute();
  await db.schema.alterTable('devices').addColumn('config_error', 'text').execute();
  await db.schema.createIndex('devices_config_state').on('devices').columns(['config_state', 'id']).execute();
}
