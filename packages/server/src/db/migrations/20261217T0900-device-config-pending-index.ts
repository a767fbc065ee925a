import type { Kysely } from 'kysely';

// Frozen in time: never edit after release; add a new migration instead.
// Devices whose configuration was marked since a given time, for each server process's catch-up
// of lost wake-ups (cluster/wakeups.ts): it reads only the recent markings instead of walking every
// device held by the process. Without it the catch-up looked up the device row of each device
// the process held, every 5 s in every worker (SQLite at 100,000 devices: a tenth of a second of
// a core, most of it reading pages another worker's write had dropped from the page cache).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('devices_config_pending').on('devices').columns(['config_state', 'config_changed_at']).execute();
}
