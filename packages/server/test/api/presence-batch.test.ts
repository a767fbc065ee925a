import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { PresenceRepository } from '../../src/modules/devices/presence.repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { setPresence } from '../helpers/presence.js';

// A presence batch mixes patches of several shapes: hellos (many columns, some optional), later
// system reports, offlines (guarded: a device that moved on must keep its new server's "online").
// PostgreSQL writes each shape in one statement, SQLite row by row; the rows must end up the same.
describe.each(DIALECTS)('presence batch of mixed patches (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open();
    await db.migrate();
    const now = Date.now();
    const server = {
      host: 'h',
      pid: 1,
      version: '1',
      database: dialect,
      addresses: '[]',
      port: 8443,
      started_at: now,
      last_beat: now,
      devices_connected: 0,
      clock_offset_ms: 0,
      tls_names: '[]',
    };
    await db.db
      .insertInto('servers')
      .values([
        { ...server, id: 's1', worker: 0, status: 'running' },
        { ...server, id: 's2', worker: 1, status: 'running' },
        { ...server, id: 'gone', worker: 2, status: 'dead' },
      ])
      .execute();
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('writes every shape, sets what each patch names and nothing else, and guards the offlines', async () => {
    const rows = Array.from({ length: 8 }, (_, i) => ({
      ...newDeviceRow({ mac: `02CC${String(i).padStart(8, '0')}`, name: `b-${i}`, folderId: null, now: 1 }),
      serial_number: 'KEEP',
    }));
    const ids = (await db.db.insertInto('devices').values(rows).returning('id').execute()).map((r) => Number(r.id));
    await setPresence(db.db, ids.slice(4), { online: 1 });
    await setPresence(db.db, ids[4]!, { connected_server: 's1' });
    await setPresence(db.db, ids[5]!, { connected_server: 's2' });
    await setPresence(db.db, ids[6]!, { connected_server: 'gone' });
    const sysinfo = JSON.stringify({ hostname: 'tc-0', note: 'quote " backslash \\ unicode ü' });
    const hello = (ip: string, extra: object = {}) => ({
      online: 1,
      connected_server: 's1',
      last_contact: 500,
      last_ip: ip,
      last_boot: 77,
      unit_id: `U-${ip}`,
      product: 'OS 12',
      version: '12.1.0',
      network_name: `tc-${ip}`,
      structure_tag: null,
      sysinfo,
      sysinfo_at: 500,
      ...extra,
    });
    const off = { online: 0, connected_server: null, last_contact: 600 };
    await new PresenceRepository(db.db, db.dialect).updatePresence(
      [ids[3]!],
      450,
      [
        [ids[0]!, hello('10.0.0.1')],
        [ids[1]!, hello('10.0.0.2', { serial_number: 'SN-2', serial_lc: 'sn-2' })],
        [ids[2]!, { sysinfo: '{}', sysinfo_at: 510, product: 'OS 11', version: undefined }],
        [ids[4]!, off], // ours: goes offline
        [ids[5]!, off], // moved to s2, which runs: stays online there
        [ids[6]!, off], // held by a dead process: stale, goes offline
        [ids[7]!, off], // held by none: goes offline
      ],
      's1',
    );
    const got = await db.db
      .selectFrom('devices')
      .innerJoin('device_presence', 'device_presence.device_id', 'devices.id')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();
    const pick = (r: (typeof got)[number]) => ({
      online: Number(r.online),
      server: r.connected_server,
      ip: r.last_ip,
      contact: r.last_contact === null ? null : Number(r.last_contact),
      serial: r.serial_number,
      product: r.product,
      version: r.version,
      sysinfo: r.sysinfo,
    });
    const base = { serial: 'KEEP', product: rows[0]!.product, version: rows[0]!.version, sysinfo: null };
    expect(got.map(pick)).toEqual([
      { online: 1, server: 's1', ip: '10.0.0.1', contact: 500, serial: 'KEEP', product: 'OS 12', version: '12.1.0', sysinfo },
      { online: 1, server: 's1', ip: '10.0.0.2', contact: 500, serial: 'SN-2', product: 'OS 12', version: '12.1.0', sysinfo },
      { ...base, online: 0, server: null, ip: rows[2]!.last_ip, contact: 0, product: 'OS 11', sysinfo: '{}' },
      { ...base, online: 0, server: null, ip: rows[3]!.last_ip, contact: 450 },
      { ...base, online: 0, server: null, ip: rows[4]!.last_ip, contact: 600 },
      { ...base, online: 1, server: 's2', ip: rows[5]!.last_ip, contact: 0 },
      { ...base, online: 0, server: null, ip: rows[6]!.last_ip, contact: 600 },
      { ...base, online: 0, server: null, ip: rows[7]!.last_ip, contact: 600 },
    ]);
    expect(Number(got[0]!.last_boot)).toBe(77);
    expect(got[0]!.network_name).toBe('tc-10.0.0.1');
    expect(got[1]!.serial_lc).toBe('sn-2');
    expect(got.map((r) => (r.sysinfo_at === null ? null : Number(r.sysinfo_at)))).toEqual([500, 500, 510, null, null, null, null, null]);
  });

  // A reconnect reports what the device reported before (but a new uptime): only its presence row
  // may change, the wide device row (and its many indexes) must stay as it is.
  it('leaves the device row alone when the reported facts are unchanged, and writes it when one differs', async () => {
    const [id] = (
      await db.db
        .insertInto('devices')
        .values(newDeviceRow({ mac: '02DD00000001', name: 'same', folderId: null, now: 1, product: 'OS 12', last_ip: '10.9.9.9' }))
        .returning('id')
        .execute()
    ).map((r) => Number(r.id));
    const rowVersion = async (): Promise<string> => {
      if (dialect === 'postgres') {
        const r = await sql<{ v: string }>`select xmin::text as v from devices where id = ${id}`.execute(db.db);
        return r.rows[0]!.v;
      }
      const r = await sql<{ n: number }>`select count(*) as n from device_row_writes`.execute(db.db);
      return String(r.rows[0]!.n);
    };
    if (dialect === 'sqlite') {
      await sql`create table device_row_writes (id integer)`.execute(db.db);
      await sql`create trigger device_row_written after update on devices begin insert into device_row_writes values (new.id); end`.execute(
        db.db,
      );
    }
    const repo = new PresenceRepository(db.db, db.dialect);
    const hello = (product: string, at: number) =>
      [
        [
          id!,
          {
            online: 1,
            connected_server: 's1',
            last_contact: at,
            sysinfo: `{"uptime":${at}}`,
            sysinfo_at: at,
            last_ip: '10.9.9.9',
            product,
          },
        ],
      ] as const;
    const before = await rowVersion();
    await repo.updatePresence([], 0, hello('OS 12', 700), 's1');
    expect(await rowVersion()).toBe(before);
    const p1 = await db.db.selectFrom('device_presence').selectAll().where('device_id', '=', id!).executeTakeFirstOrThrow();
    expect([Number(p1.online), p1.connected_server, Number(p1.last_contact), p1.sysinfo, Number(p1.sysinfo_at)]).toEqual([
      1,
      's1',
      700,
      '{"uptime":700}',
      700,
    ]);
    await repo.updatePresence([], 0, hello('OS 13', 800), 's1');
    expect(await rowVersion()).not.toBe(before);
    const d = await db.db.selectFrom('devices').select('product').where('id', '=', id!).executeTakeFirstOrThrow();
    expect(d.product).toBe('OS 13');
    if (dialect === 'sqlite') await sql`drop trigger device_row_written`.execute(db.db);
  });

  it('gives every new device a presence row and drops it with the device', async () => {
    const [id] = (
      await db.db
        .insertInto('devices')
        .values(newDeviceRow({ mac: '02DD00000002', name: 'fresh', folderId: null, now: 1 }))
        .returning('id')
        .execute()
    ).map((r) => Number(r.id));
    const p = await db.db.selectFrom('device_presence').selectAll().where('device_id', '=', id!).executeTakeFirstOrThrow();
    expect([Number(p.online), p.connected_server, Number(p.last_contact), p.sysinfo, p.sysinfo_at]).toEqual([0, null, 0, null, null]);
    await db.db.deleteFrom('devices').where('id', '=', id!).execute();
    expect(await db.db.selectFrom('device_presence').selectAll().where('device_id', '=', id!).execute()).toEqual([]);
  });
});
