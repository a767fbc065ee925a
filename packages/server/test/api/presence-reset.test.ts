import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { PresenceRepository } from '../../src/modules/devices/presence.repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { setPresence } from '../helpers/presence.js';

const DEVICES = 5000; // more than one chunk of the PostgreSQL reset (2,000)

async function seed(db: DatabaseHandle): Promise<number[]> {
  await db.db.deleteFrom('devices').execute();
  const ids: number[] = [];
  for (let from = 0; from < DEVICES; from += 500) {
    const rows = Array.from({ length: Math.min(500, DEVICES - from) }, (_, k) => {
      const i = from + k;
      // Every tenth on another process, every seventh left online by none, the rest by s1.
      return newDeviceRow({ mac: `02BB${String(i).padStart(8, '0')}`, name: `r-${i}`, folderId: null, now: 1 });
    });
    const r = await db.db.insertInto('devices').values(rows).returning('id').execute();
    ids.push(...r.map((x) => Number(x.id)));
  }
  const server = (i: number) => (i % 10 === 0 ? 's2' : i % 7 === 0 ? null : 's1');
  await setPresence(db.db, ids, { online: 1, connected_server: 's1' });
  await setPresence(
    db.db,
    ids.filter((_, i) => server(i) === 's2'),
    { connected_server: 's2' },
  );
  await setPresence(
    db.db,
    ids.filter((_, i) => server(i) === null),
    { connected_server: null },
  );
  return ids;
}

const onlineBy = async (db: DatabaseHandle) => {
  const rows = await db.db.selectFrom('device_presence').select(['connected_server']).where('online', '=', 1).execute();
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.connected_server ?? 'none'] = (counts[r.connected_server ?? 'none'] ?? 0) + 1;
  return counts;
};

describe.each(DIALECTS)('start-up reset of a process’s devices (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open();
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('marks offline the devices left online by this process or by none, and no others', async () => {
    await seed(db);
    const n = await new PresenceRepository(db.db, db.dialect).resetOnlineDevices('s1');
    expect(await onlineBy(db)).toEqual({ s2: 500 });
    expect(n).toBe(DEVICES - 500);
    const stillMarked = await db.db
      .selectFrom('device_presence')
      .select('device_id')
      .where('online', '=', 0)
      .where('connected_server', 'is not', null)
      .execute();
    expect(stillMarked).toEqual([]);
  });
});

// Two writers at once exist only on PostgreSQL. In a reconnect storm the devices of a restarting
// process come online on the others while it resets them; one bulk UPDATE then deadlocked with
// their presence batches (locking the same rows in another order), five times in a row.
describe('start-up reset next to another process’s presence batch (postgres)', () => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let other: pg.Client;
  let ids: number[];
  beforeAll(async () => {
    testDb = await createTestDb('postgres');
    db = testDb.open();
    await db.migrate();
    other = new pg.Client({ connectionString: testDb.databaseUrl! });
    await other.connect();
    // The other writer is the one PostgreSQL would abort in a lock cycle: it must never be.
    await other.query("set deadlock_timeout = '100ms'");
  });
  beforeEach(async () => {
    ids = await seed(db);
  });
  afterAll(async () => {
    await other?.end();
    await db?.close();
    await testDb?.drop();
  });

  it('waits for rows another transaction holds, forms no lock cycle, and keeps what it committed', async () => {
    const s1 = ids.filter((_, i) => i % 10 !== 0 && i % 7 !== 0);
    const high = s1[s1.length - 3]!; // held first by the other process
    const low = s1[5]!; // then taken by it, after the reset has passed it
    await other.query('begin');
    await other.query("update device_presence set online = 1, connected_server = 's3' where device_id = $1", [high]);
    const reset = new PresenceRepository(db.db, db.dialect).resetOnlineDevices('s1');
    await new Promise((r) => setTimeout(r, 300));
    // A bulk reset now holds `low` and waits for `high`: this update would close the cycle.
    await other.query("update device_presence set online = 1, connected_server = 's3' where device_id = $1", [low]);
    await new Promise((r) => setTimeout(r, 200));
    await other.query('commit');
    const n = await reset;
    expect(await onlineBy(db)).toEqual({ s2: 500, s3: 2 });
    // `low` was reset before the other process took it; `high` was its own when its lock was released.
    expect(n).toBe(DEVICES - 500 - 1);
  });

  it('a presence batch locks its rows in id order first, so a writer taking them in that order never meets it in a cycle', async () => {
    const s1 = ids.filter((_, i) => i % 10 !== 0 && i % 7 !== 0);
    const [low, high] = [s1[1]!, s1[s1.length - 1]!];
    await other.query('begin');
    await other.query('select device_id from device_presence where device_id = $1 for update', [low]);
    // Heartbeat bulk on `high`, a device coming online on `low`: written in that order.
    const batch = new PresenceRepository(db.db, db.dialect).updatePresence(
      [high],
      777,
      [[low, { online: 1, connected_server: 's9' }]],
      's9',
    );
    await new Promise((r) => setTimeout(r, 300));
    // Had the batch taken `high` before waiting for `low`, this would close a cycle (and lose).
    await other.query('update device_presence set last_contact = 5 where device_id = $1', [high]);
    await other.query('commit');
    await batch;
    const rows = await db.db
      .selectFrom('device_presence')
      .select(['device_id', 'last_contact', 'connected_server'])
      .where('device_id', 'in', [low, high])
      .orderBy('device_id')
      .execute();
    expect(rows.map((r) => [Number(r.device_id), Number(r.last_contact), r.connected_server])).toEqual([
      [low, 0, 's9'],
      [high, 777, 's1'],
    ]);
  });

  it('gives up with an error, not a hang, when a row stays locked', async () => {
    const s1 = ids.filter((_, i) => i % 10 !== 0 && i % 7 !== 0);
    await other.query('begin');
    await other.query('select device_id from device_presence where device_id = $1 for update', [s1[0]]);
    const started = Date.now();
    const result = await new PresenceRepository(db.db, db.dialect).resetOnlineDevices('s1', 20).then(
      () => 'done',
      (e: Error) => e.message,
    );
    await other.query('rollback');
    expect(result).toMatch(/still locked/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await onlineBy(db)).toEqual({ s1: 1, s2: 500 });
  });
});
