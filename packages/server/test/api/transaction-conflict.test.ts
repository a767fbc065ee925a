import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { transaction } from '../../src/db/transaction.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

// Every transaction of the server runs through db/transaction.ts: when PostgreSQL breaks a lock
// cycle by cancelling one of its transactions, that one runs again instead of failing its request.
describe.each(DIALECTS)('transaction() (%s)', (dialect) => {
  let tdb: TestDb;
  let h: DatabaseHandle;
  beforeAll(async () => {
    tdb = await createTestDb(dialect);
    h = tdb.open();
    await sql`create table t (id integer primary key, v integer not null)`.execute(h.db);
  });
  afterAll(async () => {
    await h.close();
    await tdb.drop();
  });

  const coded = (code: string) => Object.assign(new Error(`failure ${code}`), { code });

  it('commits what the work wrote, and rolls all of it back when the work fails', async () => {
    const out = await transaction(h.db, async (trx) => {
      await sql`insert into t values (1, 1)`.execute(trx);
      return 'done';
    });
    expect(out).toBe('done');
    const err = coded('23505');
    await expect(
      transaction(h.db, async (trx) => {
        await sql`insert into t values (2, 2)`.execute(trx);
        throw err;
      }),
    ).rejects.toBe(err);
    expect((await sql<{ id: number }>`select id from t order by id`.execute(h.db)).rows.map((r) => Number(r.id))).toEqual([1]);
  });

  it('runs the work again after a deadlock or serialization failure, from a clean transaction, at most 4 times', async () => {
    let runs = 0;
    const out = await transaction(h.db, async (trx) => {
      runs++;
      await sql`update t set v = v + 1 where id = 1`.execute(trx);
      if (runs === 1) throw coded('40P01');
      if (runs === 2) throw coded('40001');
      return runs;
    });
    expect(out).toBe(3);
    // The two cancelled runs left nothing behind: one increment, not three.
    expect(Number((await sql<{ v: number }>`select v from t where id = 1`.execute(h.db)).rows[0]!.v)).toBe(2);

    runs = 0;
    const deadlock = coded('40P01');
    await expect(
      transaction(h.db, async () => {
        runs++;
        throw deadlock;
      }),
    ).rejects.toBe(deadlock);
    expect(runs).toBe(4);
  });
});

// A real lock cycle between two writers (only PostgreSQL has two at once): the one cancelled runs
// again, and both writes land. What a worker's start-up reset and the lease holder's declareDead,
// or a presence batch and a configuration marking, may meet.
describe('transaction() in a real deadlock (postgres)', () => {
  let tdb: TestDb;
  let h: DatabaseHandle;
  let a: pg.Client;
  beforeAll(async () => {
    tdb = await createTestDb('postgres');
    h = tdb.open();
    a = new pg.Client({ connectionString: tdb.databaseUrl! });
    await a.connect();
    await a.query('create table t (id int primary key, v int not null)');
    await a.query('insert into t values (1, 0), (2, 0)');
    // a looks for a lock cycle only after 5 s; the pool's connection (1 s) is the one cancelled.
    await a.query("set deadlock_timeout = '5s'");
  });
  afterAll(async () => {
    await a.end();
    await h.close();
    await tdb.drop();
  });

  it('runs the loser again after the winner commits', async () => {
    await a.query('begin');
    await a.query('update t set v = v + 1 where id = 1');
    const failures: unknown[] = [];
    let runs = 0;
    const loser = transaction(h.db, async (trx) => {
      runs++;
      try {
        await sql`update t set v = v + 10 where id = 2`.execute(trx);
        await sql`update t set v = v + 10 where id = 1`.execute(trx); // waits for a
      } catch (err) {
        failures.push(err);
        throw err;
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    // a now waits for the loser's row 2 while the loser waits for a's row 1.
    await a.query('update t set v = v + 1 where id = 2');
    await a.query('commit');
    await loser;
    expect(runs).toBe(2);
    expect((failures[0] as { code?: string }).code).toBe('40P01');
    expect((await a.query('select id, v from t order by id')).rows).toEqual([
      { id: 1, v: 11 },
      { id: 2, v: 11 },
    ]);
  });
});

// A real lock cycle between a request and another writer (only PostgreSQL has two writers at once).
describe('a request cancelled by a deadlock runs again and succeeds (postgres)', () => {
  let t: TestApp;
  let other: pg.Client;
  beforeAll(async () => {
    t = await buildTestApp('postgres');
    other = new pg.Client({ connectionString: t.testDb.databaseUrl! });
    await other.connect();
    // The other writer looks for a lock cycle only after 10 s; the request's backend, waiting
    // since before the cycle closed, looks after 1 s and is the one PostgreSQL cancels.
    await other.query("set deadlock_timeout = '10s'");
  });
  afterAll(async () => {
    await other?.end();
    await t?.close();
  });

  it('DELETE of a device: the cancelled transaction is run again after the other commits; 204 and the device is gone', async () => {
    const created = await t.api('POST', '/api/v1/devices', { mac: '02:DC:00:00:00:01', name: 'cycle' });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    // The other writer holds the device row; the deletion locks the presence row, then waits for
    // the device row. The other writer then asks for the presence row: a cycle.
    await other.query('begin');
    await other.query("update devices set product = 'OS 12' where id = $1", [id]);
    const deletion = t.api('DELETE', `/api/v1/devices/${id}`);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await other.query('select device_id from device_presence where device_id = $1 for update', [id]);
    // Granted only because PostgreSQL cancelled the deletion's transaction (after its 1 s).
    expect(Date.now() - started).toBeGreaterThan(500);
    let settled = false;
    void deletion.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    // Its second run waits for the presence row the other writer now holds.
    expect(settled).toBe(false);
    await other.query('commit');
    const r = await deletion;
    expect(r.status).toBe(204);
    expect((await t.api('GET', `/api/v1/devices/${id}`)).status).toBe(404);
  });
});
