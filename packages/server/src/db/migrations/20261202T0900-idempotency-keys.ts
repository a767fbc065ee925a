import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  // The first answer to a request sent with an Idempotency-Key, stored in the transaction of
  // the change it answers, so a retry after a lost answer (or a crash) gets it again.
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('id', ctx.idType, ctx.idColumn)
    .addColumn('principal', 'varchar(64)', (c) => c.notNull())
    .addColumn('idempotency_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('route', 'varchar(255)', (c) => c.notNull())
    .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('idempotency_keys_principal_key')
    .on('idempotency_keys')
    .columns(['principal', 'idempotency_key'])
    .unique()
    .execute();
  await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').columns(['created_at']).execute();
}
