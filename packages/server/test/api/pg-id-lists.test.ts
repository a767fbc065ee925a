import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely, type LogEvent } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

// Lists of integer ids travel to PostgreSQL as one array parameter (src/db/pg-id-lists.ts): one
// statement text whatever the length, so it is named and planned once; the rows are the same as
// with an IN list, on both databases.

let testDb: TestDb | null = null;
let handle: DatabaseHandle | null = null;
afterEach(async () => {
  await handle?.close();
  handle = null;
  await testDb?.drop();
  testDb = null;
});

interface T {
  id: number;
  small: number;
  name: string | null;
}

async function open(dialect: (typeof DIALECTS)[number]) {
  testDb = await createTestDb(dialect);
  const texts: string[] = [];
  handle = openDatabase({
    databaseUrl: testDb.databaseUrl,
    dataDir: testDb.dataDir,
    poolSize: 1,
    onQuery: (e: LogEvent) => void texts.push(e.query.sql),
  });
  const db = handle.db as unknown as Kysely<{ t: T }>;
  // A bigint key and an integer column: the array's type comes from the column it meets.
  await sql`create table t (id bigint primary key, small integer not null, name text)`.execute(db);
  for (let i = 1; i <= 600; i += 100) {
    const rows = Array.from({ length: 100 }, (_, k) => ({ id: i + k, small: (i + k) % 7, name: (i + k) % 5 ? `n${i + k}` : null }));
    await db.insertInto('t').values(rows).execute();
  }
  texts.length = 0;
  return { db, texts };
}

const ids = (rows: Array<{ id: number | string }>) => rows.map((r) => Number(r.id)).sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

describe.each(DIALECTS)('lists of ids in queries (%s)', (dialect) => {
  it('select, update and delete the same rows whatever the length of the list', async () => {
    const { db } = await open(dialect);
    for (const list of [[5], [1, 2, 3], range(1, 500), [3, 3, 4, 999_999]]) {
      const rows = await db.selectFrom('t').select('id').where('id', 'in', list).execute();
      expect(ids(rows)).toEqual([...new Set(list)].filter((x) => x <= 600).sort((a, b) => a - b));
    }
    const notIn = await db.selectFrom('t').select('id').where('id', 'not in', range(1, 595)).execute();
    expect(ids(notIn)).toEqual([596, 597, 598, 599, 600]);
    const onInteger = await db.selectFrom('t').select('id').where('small', 'in', [0, 6]).where('id', '<=', 14).execute();
    expect(ids(onInteger)).toEqual([6, 7, 13, 14]);
    const updated = await db.updateTable('t').set({ name: 'x' }).where('id', 'in', [10, 20, 30]).executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(3);
    const deleted = await db.deleteFrom('t').where('id', 'in', range(591, 600)).executeTakeFirst();
    expect(Number(deleted.numDeletedRows)).toBe(10);
    expect(
      Number(
        (
          await db
            .selectFrom('t')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(590);
    // Text and null-holding lists keep their meaning too (they stay IN lists).
    const byName = await db.selectFrom('t').select('id').where('name', 'in', ['n1', 'n2', 'nope']).execute();
    expect(ids(byName)).toEqual([1, 2]);
    const withNull = await db
      .selectFrom('t')
      .select('id')
      .where('small', 'in', [1, null as unknown as number])
      .where('id', '<', 10)
      .execute();
    expect(ids(withNull)).toEqual([1, 8]);
  });
});

describe('id lists on PostgreSQL', () => {
  it('are one text for every length, named after a few runs', async () => {
    const { db, texts } = await open('postgres');
    for (const n of [1, 2, 3, 7, 500]) await db.selectFrom('t').select('id').where('id', 'in', range(1, n)).execute();
    expect(new Set(texts)).toEqual(new Set(['select "id" from "t" where "id" = any($1)']));
    const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements where ${1} = 1`.execute(db);
    expect(prepared.rows.map((r) => r.statement)).toContain('select "id" from "t" where "id" = any($1)');
    texts.length = 0;
    await db.selectFrom('t').select('id').where('id', 'not in', [1, 2]).where('name', 'in', ['a', 'b']).execute();
    expect(texts).toEqual(['select "id" from "t" where "id" <> all($1) and "name" in ($2, $3)']);
  });
});
