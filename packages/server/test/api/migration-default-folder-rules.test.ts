import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { createTestDb, DIALECTS } from '../helpers/db.js';

describe.each(DIALECTS)('migration 20261211T1300-default-folder-rules (%s)', (dialect) => {
  it('creates the rule tables; devices registered before owe the rules nothing, later ones have no row until needed', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate('20261211T1200-structure-tag');
      const old = newDeviceRow({ mac: '02AB00000011', name: 'old', folderId: null, now: 1234 });
      await db.db.insertInto('devices').values(old).execute();
      await db.migrate('20261211T1300-default-folder-rules');
      await db.db
        .insertInto('devices')
        .values(newDeviceRow({ mac: '02AB00000012', name: 'new', folderId: null, now: 5678 }))
        .execute();
      const rows = await sql<{ name: string; pending: number | null; applied_at: number | null }>`
        select d.name, r.pending, r.applied_at from devices d left join device_folder_rules r on r.device_id = d.id order by d.name`.execute(
        db.db,
      );
      expect(
        rows.rows.map((r) => ({
          ...r,
          pending: r.pending === null ? null : Number(r.pending),
          applied_at: r.applied_at === null ? null : Number(r.applied_at),
        })),
      ).toEqual([
        { name: 'new', pending: null, applied_at: null },
        { name: 'old', pending: 0, applied_at: 1234 },
      ]);
      // Deleting a device deletes what the rules owed it.
      await db.db.deleteFrom('devices').where('name', '=', 'old').execute();
      expect(Number((await sql<{ n: number }>`select count(*) as n from device_folder_rules`.execute(db.db)).rows[0]!.n)).toBe(0);
      expect(await db.db.selectFrom('default_folder_rules').selectAll().execute()).toEqual([]);
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
