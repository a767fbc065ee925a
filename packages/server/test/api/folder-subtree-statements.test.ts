import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DeliveryStateRepository } from '../../src/modules/configuration-delivery/delivery-state.repository.js';
import { readSubtreeIds } from '../../src/modules/device-folders/device-folders.repository.js';
import { DevicesRepository, newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

// Bulk work on "a folder and everything below it" — a profile assigned to folders marks their
// devices, a command to a folder with sub-folders lists them — reads the subtrees' folder ids
// first and then touches devices by `folder_id in (ids)`: with the recursive query inside the
// update, PostgreSQL planned for half the folders and scanned every device for a leaf
// (55 ms instead of 0.5 ms at 100,000 devices).

describe.each(DIALECTS)('folder subtrees in bulk device statements (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  const f: Record<string, number> = {};
  const d: Record<string, number> = {};
  const statements: string[] = [];
  const deviceStatements = () => statements.filter((s) => /(from|update) "devices"/.test(s));

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open((e) => void statements.push(e.query.sql));
    await db.migrate();
    const folder = async (name: string, parent: string | null) =>
      (f[name] = Number(
        (
          await db.db
            .insertInto('device_folders')
            .values({ name, parent_id: parent ? f[parent]! : null, created_at: 1 })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      ));
    await folder('a', null);
    await folder('a1', 'a');
    await folder('a1x', 'a1');
    await folder('b', null);
    await folder('b1', 'b');
    let n = 0;
    for (const name of ['a', 'a1', 'a1x', 'b', 'b1']) {
      const row = newDeviceRow({ mac: `02EE000000${String(++n).padStart(2, '0')}`, name: `in-${name}`, folderId: f[name]!, now: 1 });
      d[name] = Number((await db.db.insertInto('devices').values(row).returning('id').executeTakeFirstOrThrow()).id);
    }
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('reads several roots as one id list, and refuses over the limit', async () => {
    expect((await readSubtreeIds(db.db, [f.a1!, f.b!]))?.sort((x, y) => x - y)).toEqual([f.a1, f.a1x, f.b, f.b1].sort((x, y) => x! - y!));
    expect(await readSubtreeIds(db.db, [f.a!, f.b!], 3)).toBeNull();
    expect(await readSubtreeIds(db.db, [])).toBeNull();
  });

  it('lists the devices under folders without a recursive query in the device statement', async () => {
    const repo = new DevicesRepository(db.db);
    statements.length = 0;
    expect(await repo.listDeviceIdsUnderFolders([f.a1!, f.b1!])).toEqual([d.a1, d.a1x, d.b1].sort((x, y) => x! - y!));
    expect(deviceStatements()).toHaveLength(1);
    expect(deviceStatements()[0]).not.toMatch(/with recursive/i);
    expect(await repo.listDeviceIdsInFolder(f.a1x!, true)).toEqual([d.a1x]);
    expect(await repo.listDeviceIdsInFolder(999_999, true)).toEqual([]);
  });

  it('marks the devices under folders pending without a recursive query in the update', async () => {
    const state = new DeliveryStateRepository(db.db);
    statements.length = 0;
    const marked = await db.db.transaction().execute((trx) => state.markDevicesUnderFolders(trx, [f.a!], 'now', 5));
    expect(marked.sort((x, y) => x - y)).toEqual([d.a, d.a1, d.a1x]);
    expect(deviceStatements()).toHaveLength(1);
    expect(deviceStatements()[0]).not.toMatch(/with recursive/i);
    const states = await db.db.selectFrom('devices').select(['id', 'config_state']).execute();
    const pending = states.filter((r) => r.config_state === 'PENDING').map((r) => Number(r.id));
    expect(pending.sort((x, y) => x - y)).toEqual([d.a, d.a1, d.a1x]);
  });
});
