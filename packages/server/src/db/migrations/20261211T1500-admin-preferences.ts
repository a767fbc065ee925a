import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Per-administrator preferences of the web app (the device list's columns, …): small JSON values
// by key, stored server-side so they follow the administrator to another browser.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('admin_preferences')
    .addColumn('admin_id', ctx.idType, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'varchar(64)', (c) => c.notNull())
    // JSON text, at most PREFERENCE_VALUE_MAX_BYTES (checked by the route).
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .addPrimaryKeyConstraint('admin_preferences_pk', ['admin_id', 'key'])
    .execute();
}
