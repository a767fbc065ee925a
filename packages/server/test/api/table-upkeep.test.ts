import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { TableUpkeep } from '../../src/db/table-upkeep.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

const ROWS = 500;

describe.each(DIALECTS)('table upkeep where autovacuum does not run (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open();
    await db.migrate();
    const rows = Array.from({ length: ROWS }, (_, i) =>
      newDeviceRow({ mac: `02DD${String(i).padStart(8, '0')}`, name: `u-${i}`, folderId: null, now: 1 }),
    );
    await db.db.insertInto('devices').values(rows).execute();
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const deadRows = async () =>
    Number(
      (await sql<{ n: string }>`select n_dead_tup as n from pg_stat_user_tables where relname = 'device_presence'`.execute(db.db)).rows[0]!
        .n,
    );

  it('vacuums a table full of dead row versions that autovacuum leaves alone, and only such a table', async () => {
    const upkeep = new TableUpkeep(db.db, db.dialect, null);
    if (dialect === 'sqlite') {
      // SQLite reuses freed pages: nothing to do, nothing done.
      expect(await upkeep.run()).toEqual({ autovacuum: true, vacuumed: [] });
      return;
    }
    // Whatever the server's setting, this table is one autovacuum does not visit.
    await sql`alter table device_presence set (autovacuum_enabled = false)`.execute(db.db);
    // Heartbeats: every row rewritten several times (an indexed column changes: no HOT update).
    for (let round = 1; round <= 4; round++) await db.db.updateTable('device_presence').set({ last_contact: round }).execute();
    // Statistics reach pg_stat_user_tables within about a second of the commits.
    let result = await upkeep.run();
    for (let i = 0; i < 50 && !result.vacuumed.includes('device_presence'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      result = await upkeep.run();
    }
    expect(result.vacuumed).toContain('device_presence');
    expect(await deadRows()).toBeLessThan(ROWS);
    // Nothing left to do: the next run vacuums nothing (a table with few dead rows is left alone).
    const again = await upkeep.run();
    expect(again.vacuumed).not.toContain('device_presence');
  });
});
