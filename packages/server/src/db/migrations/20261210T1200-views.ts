import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Saved device views in a tree of view folders; criteria are stored as JSON text and evaluated
// when asked. No foreign key on folder ids: the services refuse to delete a folder that holds
// anything, and the access code reads these tables like the other trees.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('view_folders')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('parent_id', ctx.idType)
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('view_folders_parent').on('view_folders').columns(['parent_id', 'name']).execute();

  await db.schema
    .createTable('views')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('description', 'varchar(1000)', (c) => c.notNull())
    .addColumn('folder_id', ctx.idType)
    .addColumn('criteria_json', 'text', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('updated_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  // The list of one folder by id (keyset pages), and of all views by id (the primary key).
  await db.schema.createIndex('views_folder').on('views').columns(['folder_id', 'id']).execute();
}
