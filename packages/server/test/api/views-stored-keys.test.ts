import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { viewIpKey, viewVersionKey, type ViewCriteria } from '@openums/protocol';
import type { DatabaseHandle } from '../../src/db/database.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { PresenceRepository } from '../../src/modules/devices/presence.repository.js';
import { criteriaSql } from '../../src/modules/views/criteria-sql.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

/**
 * Views compare versions and IPv4 addresses through the stored `version_key` / `ip_key` columns
 * on both databases (PostgreSQL: generated columns; SQLite: columns its triggers keep, migration
 * 20261211T1100-view-indexes). They must follow every kind of write of `version` and `last_ip`.
 */
describe.each(DIALECTS)('views: stored version and IP keys follow every device write (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let seq = 0;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open();
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const keysOf = async (id: number) =>
    (
      await sql<{ version: string | null; last_ip: string | null; version_key: string | null; ip_key: string | null }>`
      select version, last_ip, version_key, ip_key from devices where id = ${id}`.execute(db.db)
    ).rows[0]!;
  /** The stored keys are exactly the protocol's keys of the stored values. */
  const expectKeys = async (id: number, version: string | null, ip: string | null) => {
    const r = await keysOf(id);
    expect(r).toEqual({ version, last_ip: ip, version_key: viewVersionKey(version), ip_key: viewIpKey(ip) });
  };
  const insert = async (version: string | null, ip: string | null) => {
    seq++;
    const row = newDeviceRow({
      mac: `02AA00${String(seq).padStart(6, '0')}`,
      name: `k-${seq}`,
      folderId: null,
      now: 1,
      version,
      last_ip: ip,
    });
    const r = await db.db.insertInto('devices').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  };
  const matching = async (criteria: ViewCriteria) => {
    const rows = await db.db
      .selectFrom('devices')
      .select('id')
      .where(criteriaSql(criteria, { dialect, now: Date.now() }))
      .orderBy('id')
      .execute();
    return rows.map((r) => Number(r.id));
  };

  it('computes the keys on insert (with values, without, IPv6 and garbage)', async () => {
    const a = await insert('11.10.100', '10.1.2.3');
    const b = await insert(null, null);
    const c = await insert('12.03.1', 'fe80::1');
    const d = await insert('W10 IoT', '300.1.1.1');
    await expectKeys(a, '11.10.100', '10.1.2.3');
    await expectKeys(b, null, null);
    await expectKeys(c, '12.03.1', 'fe80::1');
    await expectKeys(d, 'W10 IoT', '300.1.1.1');
    expect((await keysOf(a)).version_key).toBe('0000000011.0000000010.0000000100');
    expect((await keysOf(a)).ip_key).toBe('0a010203');
  });

  it('follows an update of the version, of the last IP, of both, to and from NULL', async () => {
    const id = await insert('11.9.0', '10.0.0.1');
    await db.db.updateTable('devices').set({ version: '12.3.2' }).where('id', '=', id).execute();
    await expectKeys(id, '12.3.2', '10.0.0.1');
    await db.db.updateTable('devices').set({ last_ip: '192.168.7.9' }).where('id', '=', id).execute();
    await expectKeys(id, '12.3.2', '192.168.7.9');
    await db.db.updateTable('devices').set({ version: null, last_ip: null }).where('id', '=', id).execute();
    await expectKeys(id, null, null);
    await db.db.updateTable('devices').set({ version: '1.2', last_ip: '10.9.0.1' }).where('id', '=', id).execute();
    await expectKeys(id, '1.2', '10.9.0.1');
    // A write of other columns (or of the same values) leaves the keys as they are.
    await db.db.updateTable('devices').set({ site: 'Augsburg', version: '1.2' }).where('id', '=', id).execute();
    await expectKeys(id, '1.2', '10.9.0.1');
  });

  it('follows the device hello (presence batch) and a set-based update of many rows', async () => {
    const ids = [await insert('11.9.0', '10.0.0.1'), await insert('11.9.0', '10.0.0.2'), await insert(null, null)];
    await new PresenceRepository(db.db, db.dialect).updatePresence(
      [ids[2]!],
      5,
      [
        [ids[0]!, { online: 1, connected_server: 's1', last_ip: '10.4.4.4', version: '12.1.0', product: 'OS 12' }],
        [ids[1]!, { online: 1, connected_server: 's1', last_ip: '10.4.4.5' }],
      ],
      's1',
    );
    await expectKeys(ids[0]!, '12.1.0', '10.4.4.4');
    await expectKeys(ids[1]!, '11.9.0', '10.4.4.5');
    await expectKeys(ids[2]!, null, null);
    await sql`update devices set version = case when id % 2 = 0 then '13.0' else '9.9.9' end, last_ip = '172.16.0.' || cast(id % 250 as text) where id in (${sql.join(ids)})`.execute(
      db.db,
    );
    for (const id of ids) await expectKeys(id, Number(id) % 2 === 0 ? '13.0' : '9.9.9', `172.16.0.${Number(id) % 250}`);
  });

  it('answers version and CIDR criteria from the keys as they are after the writes', async () => {
    const old = await insert('11.9.0', '10.50.0.1');
    const moved = await insert('11.9.0', '10.50.0.2');
    const inNet = { field: 'lastIp', op: 'inCidr', value: '10.50.0.0/16' } as const;
    const older = { field: 'version', op: 'lt', value: '11.10' } as const;
    expect(await matching({ and: [inNet, older] })).toEqual([old, moved]);
    await db.db.updateTable('devices').set({ version: '11.10.100', last_ip: '10.51.0.2' }).where('id', '=', moved).execute();
    expect(await matching({ and: [inNet, older] })).toEqual([old]);
    expect(
      await matching({
        and: [
          { field: 'lastIp', op: 'inCidr', value: '10.51.0.0/16' },
          { field: 'version', op: 'gte', value: '11.10' },
        ],
      }),
    ).toEqual([moved]);
  });
});
