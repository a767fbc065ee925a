import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { PresenceRepository } from '../../src/modules/devices/presence.repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

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
      online: i >= 4 ? 1 : 0,
      connected_server: i === 4 ? 's1' : i === 5 ? 's2' : i === 6 ? 'gone' : i === 7 ? null : null,
    }));
    const ids = (await db.db.insertInto('devices').values(rows).returning('id').execute()).map((r) => Number(r.id));
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
    const got = await db.db.selectFrom('devices').selectAll().where('id', 'in', ids).orderBy('id').execute();
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
    const base = { serial: 'KEEP', product: rows[0]!.product, version: rows[0]!.version, sysinfo: rows[0]!.sysinfo };
    expect(got.map(pick)).toEqual([
      { online: 1, server: 's1', ip: '10.0.0.1', contact: 500, serial: 'KEEP', product: 'OS 12', version: '12.1.0', sysinfo },
      { online: 1, server: 's1', ip: '10.0.0.2', contact: 500, serial: 'SN-2', product: 'OS 12', version: '12.1.0', sysinfo },
      { ...base, online: 0, server: null, ip: rows[2]!.last_ip, contact: Number(rows[2]!.last_contact), product: 'OS 11', sysinfo: '{}' },
      { ...base, online: 0, server: null, ip: rows[3]!.last_ip, contact: 450 },
      { ...base, online: 0, server: null, ip: rows[4]!.last_ip, contact: 600 },
      { ...base, online: 1, server: 's2', ip: rows[5]!.last_ip, contact: Number(rows[5]!.last_contact) },
      { ...base, online: 0, server: null, ip: rows[6]!.last_ip, contact: 600 },
      { ...base, online: 0, server: null, ip: rows[7]!.last_ip, contact: 600 },
    ]);
    expect(Number(got[0]!.last_boot)).toBe(77);
    expect(got[0]!.network_name).toBe('tc-10.0.0.1');
    expect(got[1]!.serial_lc).toBe('sn-2');
  });
});
