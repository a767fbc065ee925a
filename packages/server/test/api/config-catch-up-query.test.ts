import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery } from 'kysely';
import type { DatabaseHandle } from '../../src/db/database.js';
import { CommandsRepository } from '../../src/modules/commands/commands.repository.js';
import { DeliveryStateRepository } from '../../src/modules/configuration-delivery/delivery-state.repository.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

// The catch-up of lost configuration wake-ups (cluster/wakeups.ts) reads the devices held by one
// server process whose configuration was marked since a time and is still pending — from the
// recent markings, never by walking every device the process holds.
describe.each(DIALECTS)('configuration catch-up query (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let ids: number[];
  let repo: DeliveryStateRepository;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open();
    await db.migrate();
    const rows = Array.from({ length: 6 }, (_, i) =>
      newDeviceRow({ mac: `02EF${String(i).padStart(8, '0')}`, name: `c-${i}`, folderId: null, now: 1 }),
    );
    ids = (await db.db.insertInto('devices').values(rows).returning('id').execute()).map((r) => Number(r.id));
    const [held, heldOld, heldApplied, elsewhere, offline, heldLater] = ids as [number, number, number, number, number, number];
    const mark = (id: number, state: string, at: number, revision: number) =>
      db.db
        .updateTable('devices')
        .set({ config_state: state, config_changed_at: at, config_revision: revision })
        .where('id', '=', id)
        .execute();
    await mark(held, 'PENDING', 50_000, 4);
    await mark(heldOld, 'PENDING', 10_000, 2); // marked before the window
    await mark(heldApplied, 'APPLIED', 60_000, 3);
    await mark(elsewhere, 'PENDING', 60_000, 5);
    await mark(offline, 'PENDING', 60_000, 6);
    await mark(heldLater, 'PENDING', 70_000, 7);
    const place = (id: number, online: number, server: string | null) =>
      db.db.updateTable('device_presence').set({ online, connected_server: server }).where('device_id', '=', id).execute();
    for (const id of [held, heldOld, heldApplied, heldLater]) await place(id, 1, 'srv-a');
    await place(elsewhere, 1, 'srv-b');
    await place(offline, 0, null);
    repo = new DeliveryStateRepository(db.db);
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('returns the pending devices held by the server and marked since the time, with their revisions', async () => {
    const rows = await repo.listPendingOnServer('srv-a', 50_000, 100);
    expect(rows.sort((a, b) => a.id - b.id)).toEqual([
      { id: ids[0], revision: 4 },
      { id: ids[5], revision: 7 },
    ]);
    expect(await repo.listPendingOnServer('srv-b', 0, 100)).toEqual([{ id: ids[3], revision: 5 }]);
    expect((await repo.listPendingOnServer('srv-a', 0, 100)).map((r) => r.id).sort((a, b) => a - b)).toEqual([ids[0], ids[1], ids[5]]);
    expect(await repo.listPendingOnServer('srv-a', 70_001, 100)).toEqual([]);
    expect(await repo.listPendingOnServer('srv-a', 0, 2)).toHaveLength(2);
  });

  it('reads the recent markings and commands through their indexes, not everything the server holds (SQLite plans)', async () => {
    if (dialect !== 'sqlite') return; // PostgreSQL plans by its statistics; four rows say nothing about 100,000
    const seen: Array<{ sql: string; parameters: readonly unknown[] }> = [];
    const logged = testDb.open((e) => {
      if (e.level === 'query') seen.push({ sql: e.query.sql, parameters: e.query.parameters });
    });
    try {
      await new DeliveryStateRepository(logged.db).listPendingOnServer('srv-a', 50_000, 100);
      const q = seen.find((x) => x.sql.includes('config_changed_at'))!;
      const plan = await logged.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]));
      const details = plan.rows.map((r) => r.detail).join(' | ');
      expect(details).toMatch(/SEARCH devices USING INDEX devices_config_pending/);
      expect(details).not.toMatch(/device_presence_online/);
      // The commands' catch-up likewise reads the recent commands, not every queued one.
      await new CommandsRepository(logged.db).listDevicesWithQueuedCommands('srv-a', 1, 50_000, 100);
      const c = seen.find((x) => x.sql.includes('created_at'))!;
      const cplan = await logged.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]));
      expect(cplan.rows.map((r) => r.detail).join(' | ')).toMatch(/SEARCH commands USING INDEX commands_queued_created/);
    } finally {
      await logged.close();
    }
  });
});
