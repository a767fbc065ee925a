import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// SQLite: the index of the default device list — a folder sorted by name — carries every
// `devices` column the list shows, so a page is read from the index alone. Since presence has
// its own table (20261215T0900, ADR 0009) each listed row costs a second lookup, in
// `device_presence`; reading the row's own columns from the index instead of the table saves
// about as much (docs/adr/0010-device-list-covering-index.md). Same name and leading columns as
// before, so every query that used the thin index uses this one.
// PostgreSQL keeps the thin index: an index-only scan there skips the table only on pages the
// visibility map marks all-visible, and a covered column that is not indexed yet (last_boot,
// comment, …) would end in-place (HOT) updates of the row when it changes.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'sqlite') return;
  await db.schema.dropIndex('devices_folder_name').execute();
  await sql`create index devices_folder_name on devices (folder_id, name_lc, id,
    unit_id, mac, name, network_name, site, department, cost_center, comment, asset_id,
    in_service_date, serial_number, product, version, last_ip, last_boot, registered_at,
    config_state, structure_tag)`.execute(db);
}
