import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewCriteria } from '@openums/protocol';
import type { DatabaseHandle } from '../../src/db/database.js';
import { systemClock } from '../../src/lib/clock.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { readSubtreeIds, SUBTREE_READ_LIMIT } from '../../src/modules/device-folders/device-folders.repository.js';
import { ViewDevices } from '../../src/modules/views/view-devices.js';
import { ViewsService } from '../../src/modules/views/views.service.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

// "In folder, with sub-folders" — as a view criterion and as the view list's `folderId` +
// `recursive` — reads the subtree's folder ids before the statement that evaluates the view.
// With the recursive query inside that statement PostgreSQL planned for about half the folders
// and read every device (the name index or the whole table) for a leaf's hundred: ~100 ms for
// the page and as much for the count at 100,000 devices, instead of ~1 ms.

describe.each(DIALECTS)('views: folder subtrees read before the statement (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let top: number;
  let mid: number;
  let leaf: number;
  const statements: string[] = [];
  /** Statements that read devices (the count and the page), as opposed to the subtree reads. */
  const deviceStatements = () => statements.filter((s) => /from "devices"/.test(s));

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open((e) => void statements.push(e.query.sql));
    await db.migrate();
    const folder = async (name: string, parent_id: number | null) =>
      Number(
        (await db.db.insertInto('device_folders').values({ name, parent_id, created_at: 1 }).returning('id').executeTakeFirstOrThrow()).id,
      );
    top = await folder('top', null);
    mid = await folder('mid', top);
    leaf = await folder('leaf', mid);
    const other = await folder('other', null);
    const rows = [
      newDeviceRow({ mac: '02DD00000001', name: 'in-top', folderId: top, now: 1 }),
      newDeviceRow({ mac: '02DD00000002', name: 'in-mid', folderId: mid, now: 1 }),
      newDeviceRow({ mac: '02DD00000003', name: 'in-leaf', folderId: leaf, now: 1 }),
      newDeviceRow({ mac: '02DD00000004', name: 'elsewhere', folderId: other, now: 1 }),
      newDeviceRow({ mac: '02DD00000005', name: 'no-folder', folderId: null, now: 1 }),
    ];
    await db.db.insertInto('devices').values(rows).execute();
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const inFolder = (id: number, recursive = true): ViewCriteria => ({ field: 'folderId', op: 'inFolder', value: { id, recursive } });

  it('reads a subtree as its ids, a missing folder as nothing, and a subtree over the limit as null', async () => {
    expect((await readSubtreeIds(db.db, top))?.sort((a, b) => a - b)).toEqual([top, mid, leaf]);
    expect(await readSubtreeIds(db.db, leaf)).toEqual([leaf]);
    expect(await readSubtreeIds(db.db, 999_999)).toBeNull();
    expect(await readSubtreeIds(db.db, top, 2)).toBeNull();
  });

  it('evaluates the criterion on a leaf and on a subtree without a recursive query in the count or the page', async () => {
    const views = new ViewsService(db.db, dialect, systemClock);
    statements.length = 0;
    const leafOnly = await views.evaluate(inFolder(leaf), { sort: 'name' }, null);
    expect(leafOnly.items.map((d) => d.name)).toEqual(['in-leaf']);
    expect(leafOnly.count).toBe(1);
    expect(deviceStatements()).toHaveLength(2);
    for (const s of deviceStatements()) expect(s).not.toMatch(/with recursive/i);

    statements.length = 0;
    const subtree = await views.evaluate(inFolder(top), { sort: 'name' }, null);
    expect(subtree.items.map((d) => d.name)).toEqual(['in-leaf', 'in-mid', 'in-top']);
    expect(subtree.count).toBe(3);
    expect(statements.filter((s) => /with recursive/i.test(s))).toHaveLength(1); // the subtree, read once
    for (const s of deviceStatements()) expect(s).not.toMatch(/with recursive/i);

    // Negated and beside another criterion: the same answer as the recursive query gives.
    const notInTop = await views.evaluate({ not: inFolder(top) }, { sort: 'name' }, null);
    expect(notInTop.items.map((d) => d.name)).toEqual(['elsewhere', 'no-folder']);
    const either = await views.evaluate({ or: [inFolder(mid), inFolder(top, false)] }, { sort: 'name' }, null);
    expect(either.items.map((d) => d.name)).toEqual(['in-leaf', 'in-mid', 'in-top']);
  });

  it('keeps the recursive query for a folder that does not exist (it matches nothing)', async () => {
    const views = new ViewsService(db.db, dialect, systemClock);
    const none = await views.evaluate(inFolder(999_999), { sort: 'name' }, null);
    expect(none).toMatchObject({ count: 0, items: [] });
  });

  it('keeps the recursive query for a subtree over the view limit, with the same answer', async () => {
    const big = Number(
      (
        await db.db
          .insertInto('device_folders')
          .values({ name: 'big', parent_id: null, created_at: 1 })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
    const children = Array.from({ length: SUBTREE_READ_LIMIT }, (_, i) => ({ name: `c${i}`, parent_id: big, created_at: 1 }));
    const childIds = (await db.db.insertInto('device_folders').values(children).returning('id').execute()).map((r) => Number(r.id));
    await db.db
      .insertInto('devices')
      .values(newDeviceRow({ mac: '02DD00000009', name: 'deep-in-big', folderId: childIds.at(-1)!, now: 1 }))
      .execute();
    const views = new ViewsService(db.db, dialect, systemClock);
    statements.length = 0;
    const r = await views.evaluate(inFolder(big), { sort: 'name' }, null);
    expect(r.items.map((d) => d.name)).toEqual(['deep-in-big']);
    expect(deviceStatements().every((s) => /with recursive/i.test(s))).toBe(true);
  });

  it('narrows a view by folderId + recursive through the read subtree', async () => {
    const views = new ViewsService(db.db, dialect, systemClock);
    const all: ViewCriteria = { field: 'name', op: 'startsWith', value: 'in-' };
    statements.length = 0;
    const underMid = await views.evaluate(all, { sort: 'name', folderId: mid, recursive: true }, null);
    expect(underMid.items.map((d) => d.name)).toEqual(['in-leaf', 'in-mid']);
    expect(underMid.count).toBe(2);
    for (const s of deviceStatements()) expect(s).not.toMatch(/with recursive/i);
    const underLeaf = await views.evaluate(all, { sort: 'name', folderId: leaf, recursive: true }, null);
    expect(underLeaf.items.map((d) => d.name)).toEqual(['in-leaf']);
  });

  it('walks a view’s devices (export, actions) with the subtree read once', async () => {
    const walk = new ViewDevices(db.db, dialect, systemClock, 2);
    statements.length = 0;
    const names: string[] = [];
    for await (const page of walk.devicePages(inFolder(top), null)) names.push(...page.map((d) => d.name));
    expect(names).toEqual(['in-leaf', 'in-mid', 'in-top']);
    expect(statements.filter((s) => /with recursive/i.test(s))).toHaveLength(1);
    expect(deviceStatements().length).toBeGreaterThanOrEqual(2); // two pages of two
    for (const s of deviceStatements()) expect(s).not.toMatch(/with recursive/i);
  });
});
