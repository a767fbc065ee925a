import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  // The names each process wants in the installation's shared web certificate (its host name,
  // addresses and `tls.extraNames`), as a JSON array; rows of older versions start empty.
  await db.schema
    .alterTable('servers')
    .addColumn('tls_names', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
