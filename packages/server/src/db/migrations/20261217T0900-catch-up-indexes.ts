import type { Kysely } from 'kysely';

// Frozen in time: never edit after release; add a new migration instead.
// What each server process's catch-up of lost wake-ups reads (cluster/wakeups.ts): the devices
// whose configuration was marked, and the commands queued, since a given time — the recent ones,
// read from these indexes, instead of every device the process holds (configuration: one device
// row lookup each) or every queued command of the installation (commands: offline devices' too).
// On SQLite at 100,000 devices the configuration read was 14,000 row lookups per worker every 5 s,
// each catch-up reading the pages again because another worker's write had emptied the page
// cache; 50,000 commands queued for offline devices cost 0.28 s of a core per catch-up.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('devices_config_pending').on('devices').columns(['config_state', 'config_changed_at']).execute();
  await db.schema.createIndex('commands_queued_created').on('commands').columns(['state', 'created_at']).execute();
}
