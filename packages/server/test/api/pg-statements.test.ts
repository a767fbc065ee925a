import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { StatementNames } from '../../src/db/pg-statements.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

// Named statements on PostgreSQL (ADR 0011): repeated parameterised queries are prepared once per
// connection, bounded, and a statement gone stale (dropped, or its result type changed by a
// migration) costs one failed query, never a wrong answer or a stuck text.

let testDb: TestDb | null = null;
let handle: DatabaseHandle | null = null;
afterEach(async () => {
  await handle?.close();
  handle = null;
  await testDb?.drop();
  testDb = null;
});

/** One connection, so the session's prepared statements are the ones the queries made. */
async function open(dialect: (typeof DIALECTS)[number], preparedStatements = true) {
  testDb = await createTestDb(dialect);
  handle = openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, poolSize: 1, preparedStatements });
  const db = handle.db as unknown as Kysely<any>;
  await sql`create table t (id integer primary key, name text not null)`.execute(db);
  await sql`insert into t (id, name) values (1, 'one'), (2, 'two'), (3, 'three')`.execute(db);
  return db;
}

const byId = (db: Kysely<any>, id: number) => sql<{ id: number; name: string }>`select * from t where id = ${id}`.execute(db);
const prepared = async (db: Kysely<any>) =>
  (await sql<{ statement: string }>`select statement from pg_prepared_statements where ${1} = 1`.execute(db)).rows.map((r) => r.statement);

describe.each(DIALECTS)('repeated queries (%s)', (dialect) => {
  it('answer right every time, also after the table they read changed its columns', async () => {
    const db = await open(dialect);
    for (let i = 1; i <= 6; i++)
      expect((await byId(db, (i % 3) + 1)).rows).toEqual([{ id: (i % 3) + 1, name: ['one', 'two', 'three'][i % 3] }]);
    await sql`alter table t add column extra text`.execute(db);
    // PostgreSQL refuses a prepared `select *` whose result columns changed: that once is allowed
    // to fail (a migration under a running server), after it the text runs unnamed.
    const first = await byId(db, 2).then(
      (r) => r.rows,
      (err: { code?: string }) => err.code,
    );
    if (dialect === 'postgres') expect(first).toBe('0A000');
    else expect(first).toEqual([{ id: 2, name: 'two', extra: null }]);
    for (let i = 0; i < 4; i++) expect((await byId(db, 3)).rows).toEqual([{ id: 3, name: 'three', extra: null }]);
  });
});

describe('named statements on PostgreSQL', () => {
  it('prepare a parameterised text on its third run, once per connection', async () => {
    const db = await open('postgres');
    await byId(db, 1);
    await byId(db, 2);
    expect(await prepared(db)).not.toContain('select * from t where id = $1');
    await byId(db, 3);
    await byId(db, 1);
    const statements = await prepared(db);
    expect(statements.filter((s) => s === 'select * from t where id = $1')).toHaveLength(1);
  });

  it('leave texts without parameters and everything when switched off unnamed', async () => {
    const db = await open('postgres');
    for (let i = 0; i < 5; i++) await sql`select count(*) from t`.execute(db);
    expect(await prepared(db)).toEqual([]);
    await handle!.close();
    handle = openDatabase({ databaseUrl: testDb!.databaseUrl, dataDir: testDb!.dataDir, poolSize: 1, preparedStatements: false });
    const off = handle.db as unknown as Kysely<any>;
    for (let i = 0; i < 5; i++) await byId(off, 1);
    expect(await prepared(off)).toEqual([]);
  });

  it('recover from a session that lost its statements (DISCARD / DEALLOCATE ALL)', async () => {
    const db = await open('postgres');
    for (let i = 0; i < 4; i++) await byId(db, 1);
    await sql`deallocate all`.execute(db);
    const once = await byId(db, 1).then(
      () => 'ok',
      (err: { code?: string }) => err.code,
    );
    expect(once).toBe('26000');
    for (let i = 0; i < 4; i++) expect((await byId(db, 2)).rows).toEqual([{ id: 2, name: 'two' }]);
    expect(await prepared(db)).not.toContain('select * from t where id = $1');
  });
});

describe('StatementNames', () => {
  it('names a text after it was seen promoteAfter times, each text one name', () => {
    const names = new StatementNames({ promoteAfter: 2 });
    expect(names.nameFor('a')).toBeNull();
    const a = names.nameFor('a');
    expect(a).toMatch(/^openums_\d+$/);
    expect(names.nameFor('a')).toBe(a);
    names.nameFor('b');
    expect(names.nameFor('b')).not.toBe(a);
  });

  it('names at most maxNamed texts over its life, stale ones included', () => {
    const names = new StatementNames({ promoteAfter: 1, maxNamed: 2 });
    expect(names.nameFor('a')).not.toBeNull();
    names.forget('a');
    expect(names.nameFor('a')).toBeNull();
    expect(names.nameFor('b')).not.toBeNull();
    expect(names.nameFor('c')).toBeNull();
    expect(names.size).toBe(2);
  });

  it('forgets the oldest candidates first, so one-off texts cannot grow it', () => {
    const names = new StatementNames({ promoteAfter: 2, maxCandidates: 3 });
    names.nameFor('hot');
    for (const t of ['x1', 'x2', 'x3']) names.nameFor(t);
    // 'hot' was pushed out by three one-off texts: it counts from one again.
    expect(names.nameFor('hot')).toBeNull();
    expect(names.nameFor('hot')).not.toBeNull();
  });
});
