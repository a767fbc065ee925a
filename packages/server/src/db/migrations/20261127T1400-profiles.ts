import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('profiles')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('based_on', 'varchar(32)', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('profile_assignments')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('profile_id', ctx.idType, (c) => c.notNull().references('profiles.id').onDelete('cascade'))
    .addColumn('target_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_id', ctx.idType, (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('profile_assignments_unique')
    .on('profile_assignments')
    .columns(['profile_id', 'target_type', 'target_id'])
    .unique()
    .execute();
  await db.schema.createIndex('profile_assignments_target').on('profile_assignments').columns(['target_type', 'target_id']).execute();
  // The device's own configuration (settings received from it or edited for it alone).
  await db.schema
    .createTable('device_settings')
    .addColumn('device_id', ctx.idType, (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();
}
