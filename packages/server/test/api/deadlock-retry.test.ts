import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeadlock, retryOnDeadlock } from '../../src/db/errors.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

// A deadlock needs two writers at once, which only PostgreSQL has (SQLite serialises writers);
// the helper is what a worker's start-up reset and the lease holder's declareDead run under.
describe('retryOnDeadlock on PostgreSQL', () => {
  let db: TestDb;
  let a: pg.Client;
  let b: pg.Client;
  beforeAll(async () => {
    db = await createTestDb('postgres');
    a = new pg.Client({ connectionString: db.databaseUrl! });
    b = new pg.Client({ connectionString: db.databaseUrl! });
    await a.connect();
    await b.connect();
    await a.query('create table t (id int primary key, v int not null)');
    await a.query('insert into t values (1, 0), (2, 0)');
    // b looks for a lock cycle after 1 s of waiting (a has closed it by then), a only after 5 s:
    // b is the one PostgreSQL aborts.
    await a.query("set deadlock_timeout = '5s'");
    await b.query("set deadlock_timeout = '1s'");
  });
  afterAll(async () => {
    await a.end();
    await b.end();
    await db.drop();
  });

  it('runs the loser of a real deadlock again, and both writes land', async () => {
    await a.query('begin');
    await a.query('update t set v = v + 1 where id = 1');
    let attempts = 0;
    const errors: unknown[] = [];
    const loser = retryOnDeadlock(async () => {
      attempts++;
      try {
        await b.query('begin');
        await b.query('update t set v = v + 10 where id = 2');
        await b.query('update t set v = v + 10 where id = 1'); // waits for a
        await b.query('commit');
      } catch (err) {
        errors.push(err);
        await b.query('rollback');
        throw err;
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    // a now waits for b's row 2 while b waits for a's row 1: b is aborted, a goes on.
    await a.query('update t set v = v + 1 where id = 2');
    await a.query('commit');
    await loser;
    expect(attempts).toBe(2);
    expect(isDeadlock(errors[0])).toBe(true);
    const rows = (await a.query('select id, v from t order by id')).rows;
    expect(rows).toEqual([
      { id: 1, v: 11 },
      { id: 2, v: 11 },
    ]);
  });

  it('does not run other failures again, and gives up after the attempts', async () => {
    let calls = 0;
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    await expect(
      retryOnDeadlock(async () => {
        calls++;
        throw unique;
      }),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
    calls = 0;
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    await expect(
      retryOnDeadlock(async () => {
        calls++;
        throw deadlock;
      }, 3),
    ).rejects.toBe(deadlock);
    expect(calls).toBe(3);
  });
});
