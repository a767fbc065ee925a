import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DevicesRepository, newDeviceRow, type DeviceListQuery } from '../../src/modules/devices/devices.repository.js';
import { DevicesService } from '../../src/modules/devices/devices.service.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { setPresence } from '../helpers/presence.js';

// The default device list — one folder, sorted by name — on both databases: the page holds the
// rows' current inventory and presence, in order. On SQLite its index covers every device column
// the list shows (migration 20261216T0900, ADR 0010): the plan reads no table row of `devices`.
// The plan check fails when a column is added to the list without adding it to the index.

const page = (folderId: number, after: DeviceListQuery['after'] = null): DeviceListQuery => ({
  folderId,
  recursive: false,
  prefix: null,
  sort: 'name_lc',
  descending: false,
  after,
  limit: 3,
});

describe.each(DIALECTS)('default device list: a folder by name (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let repo: DevicesRepository;
  let folder: number;
  let ids: number[];
  const statements: string[] = [];

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open((e) => void statements.push(e.query.sql));
    await db.migrate();
    repo = new DevicesRepository(db.db);
    const folders = await db.db
      .insertInto('device_folders')
      .values([
        { name: 'listed', parent_id: null, created_at: 1 },
        { name: 'other', parent_id: null, created_at: 1 },
      ])
      .returning('id')
      .execute();
    folder = Number(folders[0]!.id);
    const other = Number(folders[1]!.id);
    const names = ['delta', 'Alpha', 'charlie', 'bravo', 'echo'];
    const rows = names.map((name, i) => newDeviceRow({ mac: `02CC0000000${i}`, name, folderId: folder, now: 1_000 + i }));
    rows.push(newDeviceRow({ mac: '02CC00000009', name: 'aardvark', folderId: other, now: 1 }));
    ids = (await db.db.insertInto('devices').values(rows).returning('id').execute()).map((r) => Number(r.id));
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('pages the folder in name order with current inventory and presence', async () => {
    await setPresence(db.db, ids[3]!, { online: 1, connected_server: 'p1', last_contact: 5_000 });
    await db.db.updateTable('devices').set({ comment: 'rack 4', config_state: 'pending' }).where('id', '=', ids[2]!).execute();

    const first = await repo.listDevices(page(folder));
    expect(first.map((r) => r.name)).toEqual(['Alpha', 'bravo', 'charlie']);
    expect(first[1]).toMatchObject({ id: ids[3], online: 1, connected_server: 'p1', last_contact: 5_000, registered_at: 1_003 });
    expect(first[2]).toMatchObject({ id: ids[2], comment: 'rack 4', config_state: 'pending', online: 0, last_contact: 0 });

    const last = first[2]!;
    const second = await repo.listDevices(page(folder, [last.name_lc, last.id]));
    expect(second.map((r) => r.name)).toEqual(['delta', 'echo']);

    // A rename moves the device within the order at once (the index is the list's only source).
    await db.db.updateTable('devices').set({ name: 'zulu', name_lc: 'zulu' }).where('id', '=', ids[1]!).execute();
    expect((await repo.listDevices({ ...page(folder), limit: 10 })).map((r) => r.name)).toEqual([
      'bravo',
      'charlie',
      'delta',
      'echo',
      'zulu',
    ]);
  });

  if (dialect === 'sqlite')
    it('reads the page from the covering index, not from the devices table', async () => {
      statements.length = 0;
      await repo.listDevices(page(folder));
      const listSql = statements.find((s) => s.includes('"device_presence"') && s.includes('order by "name_lc"'));
      expect(listSql).toBeDefined();
      const plan = await sql.raw<{ detail: string }>(`explain query plan ${listSql!.replace(/\?/g, () => String(folder))}`).execute(db.db);
      const details = plan.rows.map((r) => r.detail);
      expect(details.some((d) => /devices USING COVERING INDEX devices_folder_name/.test(d))).toBe(true);
      expect(details.some((d) => /SCAN devices\b|USE TEMP B-TREE/.test(d))).toBe(false);
    });

  it('lists a leaf folder recursively as that folder, and a subtree from its resolved folders', async () => {
    const child = Number(
      (
        await db.db
          .insertInto('device_folders')
          .values({ name: 'child', parent_id: folder, created_at: 1 })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
    const [inChild] = await db.db
      .insertInto('devices')
      .values(newDeviceRow({ mac: '02CC0000000A', name: 'beta', folderId: child, now: 1 }))
      .returning('id')
      .execute();
    // The service reads the subtree first: a recursive query inside the page statement made
    // PostgreSQL guess ~900 folders for any subtree and walk the whole name index for a leaf.
    const service = new DevicesService(repo, {} as never, {} as never, {} as never, {} as never, {} as never, dialect);
    statements.length = 0;
    const leaf = await service.listDevices({ folderId: child, recursive: true, limit: 10 });
    expect(leaf.items.map((d) => d.id)).toEqual([Number(inChild!.id)]);
    const leafPage = statements.filter((s) => s.includes('"device_presence"'));
    expect(leafPage).toHaveLength(1);
    expect(leafPage[0]).not.toMatch(/with recursive/i);
    expect(leafPage[0]).toMatch(/"folder_id" = /);

    statements.length = 0;
    const tree = await service.listDevices({ folderId: folder, recursive: true, limit: 10 });
    expect(tree.items.map((d) => d.name)).toEqual(['beta', 'bravo', 'charlie', 'delta', 'echo', 'zulu']);
    expect(statements.filter((s) => /with recursive/i.test(s))).toHaveLength(1); // the subtree, read once
    expect(statements.some((s) => s.includes('"device_presence"') && /with recursive/i.test(s))).toBe(false);
  });
});

// A folder by last contact: no index yields that order (ADR 0009), the database sorts the
// folder's rows. On SQLite a folder that fits in the page is listed without `limit` (its
// in-memory sorter instead of a temporary b-tree of the first rows): same rows, same order.
describe.each(DIALECTS)('device list: a folder by last contact (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let repo: DevicesRepository;
  let folder: number;
  let ids: number[];
  const statements: string[] = [];
  const byContact = (limit: number, descending: boolean, after: DeviceListQuery['after'] = null): DeviceListQuery => ({
    ...page(folder, after),
    sort: 'last_contact',
    descending,
    limit,
  });

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open((e) => void statements.push(e.query.sql));
    await db.migrate();
    repo = new DevicesRepository(db.db, dialect);
    folder = Number(
      (
        await db.db
          .insertInto('device_folders')
          .values({ name: 'f', parent_id: null, created_at: 1 })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
    const rows = [0, 1, 2, 3, 4].map((i) => newDeviceRow({ mac: `02CD0000000${i}`, name: `d${i}`, folderId: folder, now: 1 }));
    ids = (await db.db.insertInto('devices').values(rows).returning('id').execute()).map((r) => Number(r.id));
    // Contacts: d3 newest, d0 and d4 tied (the id breaks the tie), d2 never.
    const contacts = [3_000, 2_000, 0, 9_000, 3_000];
    for (const [i, id] of ids.entries()) await setPresence(db.db, id, { last_contact: contacts[i]! });
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const names = (rows: Array<{ name: string }>) => rows.map((r) => r.name);

  it('a folder that fits in the page: every device, in order, both directions', async () => {
    statements.length = 0;
    expect(names(await repo.listDevices(byContact(5, true)))).toEqual(['d3', 'd4', 'd0', 'd1', 'd2']);
    expect(names(await repo.listDevices(byContact(10, false)))).toEqual(['d2', 'd1', 'd0', 'd4', 'd3']);
    const lists = statements.filter((s) => s.includes('"device_presence"'));
    expect(lists).toHaveLength(2);
    // SQLite leaves the limit out (a count first); PostgreSQL runs the one statement as it is.
    for (const s of lists) expect(/ limit /i.test(s)).toBe(dialect === 'postgres');
    expect(statements.filter((s) => /count\(\*\)/i.test(s))).toHaveLength(dialect === 'sqlite' ? 2 : 0);
  });

  it('a folder larger than the page: pages of `limit` rows with the cursor, in order', async () => {
    const first = await repo.listDevices(byContact(2, true));
    expect(names(first)).toEqual(['d3', 'd4']);
    const last = first[1]!;
    const second = await repo.listDevices(byContact(2, true, [last.last_contact, last.id]));
    expect(names(second)).toEqual(['d0', 'd1']);
    const third = await repo.listDevices(byContact(2, true, [second[1]!.last_contact, second[1]!.id]));
    expect(names(third)).toEqual(['d2']);
  });
});
