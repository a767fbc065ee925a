import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { createTestDb, DIALECTS } from '../helpers/db.js';

describe.each(DIALECTS)('migration 20261211T1200-structure-tag (%s)', (dialect) => {
  it('adds an empty structure tag to existing devices, stores new ones, and indexes it', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate('20261210T1200-views');
      const { structure_tag: _none, ...before } = newDeviceRow({ mac: '02AB00000001', name: 'old', folderId: null, now: 1 });
      await db.db
        .insertInto('devices')
        .values(before as never)
        .execute();
      await db.migrate('20261211T1200-structure-tag');
      await db.db
        .insertInto('devices')
        .values(newDeviceRow({ mac: '02AB00000002', name: 'new', folderId: null, now: 1, structure_tag: 'augsburg' }))
        .execute();
      const rows = await db.db.selectFrom('devices').select(['name', 'structure_tag']).orderBy('name').execute();
      expect(rows).toEqual([
        { name: 'new', structure_tag: 'augsburg' },
        { name: 'old', structure_tag: null },
      ]);
      const index =
        dialect === 'postgres'
          ? sql<{ n: string }>`select indexname as n from pg_indexes where tablename = 'devices' and indexname = 'devices_structure_tag'`
          : sql<{ n: string }>`select name as n from sqlite_master where type = 'index' and name = 'devices_structure_tag'`;
      expect((await index.execute(db.db)).rows).toHaveLength(1);
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
