import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../dialect.js';

// Frozen in time: never edit after release; add a new migration instead.
// Presence (online, the holding server process, last contact) and the last system-information
// report move out of `devices` into a narrow table of its own (docs/adr/0009-device-presence-table.md).
// Every presence write changed an indexed column of the wide device row, so PostgreSQL wrote a
// whole new row version and an entry in each of its twenty-odd indexes — for every heartbeat
// flush, every reconnect and every "offline" of a reconnect storm. Here a presence write touches
// a row with two indexes; the device row is written only when an inventory fact the device
// reports (IP, version, serial, …) changes.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('device_presence')
    .addColumn('device_id', ctx.idType, (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('online', 'integer', (c) => c.notNull().defaultTo(0))
    // The server process holding the device's channel (null: none).
    .addColumn('connected_server', 'varchar(64)')
    // 0 = never; not NULL so keyset pagination can sort on it.
    .addColumn('last_contact', ctx.epochMs, (c) => c.notNull().defaultTo(0))
    // The system information the device last reported and when (with every "online": it holds
    // the uptime, so it differs every time).
    .addColumn('sysinfo', 'text')
    .addColumn('sysinfo_at', ctx.epochMs)
    .execute();
  await sql`insert into device_presence (device_id, online, connected_server, last_contact, sysinfo, sysinfo_at)
    select id, online, connected_server, last_contact, sysinfo, sysinfo_at from devices`.execute(db);

  // Every device has its presence row from its first moment, whoever inserts it (repository,
  // import, a test, a bench seeding rows with SQL): readers join it with an inner join.
  if (ctx.dialect === 'postgres') {
    await sql`create function openums_device_presence_insert() returns trigger language plpgsql as $$
      begin
        insert into device_presence (device_id) values (new.id);
        return null;
      end $$`.execute(db);
    await sql`create trigger devices_presence_insert after insert on devices
      for each row execute function openums_device_presence_insert()`.execute(db);
  } else {
    await sql`create trigger devices_presence_insert after insert on devices
      begin
        insert into device_presence (device_id) values (new.id);
      end`.execute(db);
  }

  for (const name of ['devices_last_contact', 'devices_folder_last_contact', 'devices_online']) {
    await db.schema.dropIndex(name).execute();
  }
  for (const column of ['last_contact', 'online', 'connected_server', 'sysinfo', 'sysinfo_at']) {
    await db.schema.alterTable('devices').dropColumn(column).execute();
  }
  // The device list sorted by last contact, the online filter and count, and a dead process's
  // devices: (online, connected_server). The folder-and-last-contact order of the old table is
  // now a join; docs/benchmarks.md "Device presence table" has its cost.
  await db.schema.createIndex('device_presence_last_contact').on('device_presence').columns(['last_contact', 'device_id']).execute();
  await db.schema.createIndex('device_presence_online').on('device_presence').columns(['online', 'connected_server']).execute();
  if (ctx.dialect === 'postgres') await sql`analyze device_presence`.execute(db);
}
