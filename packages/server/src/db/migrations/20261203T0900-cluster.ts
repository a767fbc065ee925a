import type { Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  // Every server process registers here and beats; a process silent for three beats is dead.
  await db.schema
    .createTable('servers')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('worker', 'integer', (c) => c.notNull())
    .addColumn('version', 'varchar(64)', (c) => c.notNull())
    .addColumn('database', 'varchar(255)', (c) => c.notNull())
    .addColumn('addresses', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('started_at', ctx.epochMs, (c) => c.notNull())
    .addColumn('last_beat', ctx.epochMs, (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('devices_connected', 'integer', (c) => c.notNull())
    .addColumn('clock_offset_ms', 'integer', (c) => c.notNull())
    .execute();
  // Singleton work (expiry, purges, dead-server cleanup): one holder per lease name at a time.
  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(64)', (c) => c.notNull())
    .addColumn('expires_at', ctx.epochMs, (c) => c.notNull())
    .execute();
  // A dead process's devices are found with the existing (online, connected_server) index.
  // Server ids now name a worker ("<host id>.<worker>"): rows left online under the old form
  // would never be reset by their owner, so start from a clean slate (every device reconnects).
  await db.updateTable('devices').set({ online: 0, connected_server: null }).where('online', '=', 1).execute();
}
