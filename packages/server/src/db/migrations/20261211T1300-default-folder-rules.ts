import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Default folder rules (docs/folder-rules.md): an ordered tree of rules, criteria as JSON text.
// No foreign key on target folders: a rule whose folder was deleted decides nothing (logged),
// and the folder is named in the rule's answer. `device_folder_rules` holds, per device, what
// the rules still owe it: `pending` 1 = registered, its first contact completes the placement
// (folder free; also meant by having no row), 2 = the same with the folder an existing
// membership (enrollment key folder, taken-over record), 0 = nothing; `applied_at` = server
// time the rules last ran for it (a boot after it is a new boot).
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('default_folder_rules')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('parent_id', ctx.idType)
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('criteria_json', 'text', (c) => c.notNull())
    .addColumn('target_mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_folder_id', ctx.idType)
    .addColumn('prefix_length', 'integer')
    .addColumn('overrides_existing', 'integer', (c) => c.notNull())
    .addColumn('apply_at_boot', 'integer', (c) => c.notNull())
    .addColumn('leave_in_subfolder', 'integer', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('default_folder_rules_parent').on('default_folder_rules').columns(['parent_id', 'position']).execute();

  await db.schema
    .createTable('device_folder_rules')
    .addColumn('device_id', ctx.idType, (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('pending', 'integer', (c) => c.notNull())
    .addColumn('applied_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  // Devices registered before the rules existed owe nothing; a device without a row is a new
  // registration whose folder is free (the common case costs enrollment no extra write).
  await db
    .insertInto('device_folder_rules')
    .columns(['device_id', 'pending', 'applied_at'])
    .expression(db.selectFrom('devices').select(['id', sql.lit(0).as('pending'), 'registered_at']))
    .execute();
}
