import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, createTestDb } from '../helpers/db.js';
import { migrations } from '../../src/db/migrations/index.js';

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  it('apply every migration once, in order, and are a no-op the second time', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      expect(await db.migrate()).toEqual(Object.keys(migrations).sort());
      expect(await db.migrate()).toEqual([]);
      // The schema the repositories rely on exists, including the list indexes.
      await sql`select id, mac, name_lc, folder_id, last_contact from devices`.execute(db.db);
      const indexQuery =
        dialect === 'postgres'
          ? sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'devices'`
          : sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'devices'`;
      const names = (await indexQuery.execute(db.db)).rows.map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['devices_name', 'devices_folder_name', 'devices_last_contact']));
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});

// Only PostgreSQL is shared by several servers; a SQLite file belongs to one server (data-dir lock).
describe('migrations (postgres, cluster start)', () => {
  it('run concurrently from two servers without applying anything twice', async () => {
    const testDb = await createTestDb('postgres');
    const a = testDb.open();
    const b = testDb.open();
    try {
      const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
      expect([...ra, ...rb].sort()).toEqual(Object.keys(migrations).sort());
    } finally {
      await a.close();
      await b.close();
      await testDb.drop();
    }
  });
});
