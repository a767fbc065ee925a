import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

describe.each(DIALECTS)('device folders (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const create = async (name: string, parentId?: number | null) => {
    const r = await t.api('POST', '/api/v1/device-folders', parentId === undefined ? { name } : { name, parentId });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { id: number; name: string; parentId: number | null };
  };

  it('creates, lists children lazily with counts, renames and moves folders', async () => {
    const europe = await create('Europe');
    const berlin = await create('Berlin', europe.id);
    const paris = await create('Paris', europe.id);
    await create('Kreuzberg', berlin.id);
    await t.api('POST', '/api/v1/devices', { mac: 'AA:BB:CC:00:00:01', folderId: berlin.id });

    const top = await t.api('GET', '/api/v1/device-folders?parentId=root');
    expect(top.body.items.map((f: any) => f.name)).toContain('Europe');
    const children = await t.api('GET', `/api/v1/device-folders?parentId=${europe.id}`);
    expect(children.body.items).toEqual([
      { id: berlin.id, name: 'Berlin', parentId: europe.id, childCount: 1, deviceCount: 1, totalDeviceCount: 1 },
      { id: paris.id, name: 'Paris', parentId: europe.id, childCount: 0, deviceCount: 0, totalDeviceCount: 0 },
    ]);
    // Europe holds no device itself but one below it.
    expect((await t.api('GET', `/api/v1/device-folders/${europe.id}`)).body).toMatchObject({ deviceCount: 0, totalDeviceCount: 1 });

    const renamed = await t.api('PATCH', `/api/v1/device-folders/${paris.id}`, { name: 'Lyon' });
    expect(renamed.body.name).toBe('Lyon');
    const moved = await t.api('PATCH', `/api/v1/device-folders/${paris.id}`, { parentId: berlin.id });
    expect(moved.body.parentId).toBe(berlin.id);
    const back = await t.api('PATCH', `/api/v1/device-folders/${paris.id}`, { parentId: null });
    expect(back.body.parentId).toBeNull();
  });

  it('pages through children with a stable cursor', async () => {
    const parent = await create('Paged');
    for (let i = 0; i < 7; i++) await create(`child-${i}`, parent.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await t.api('GET', `/api/v1/device-folders?parentId=${parent.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((f: any) => f.name));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `child-${i}`));
  });

  it('refuses to move a folder into itself or its own subtree, and changes nothing', async () => {
    const a = await create('CycleA');
    const b = await create('CycleB', a.id);
    const c = await create('CycleC', b.id);
    for (const target of [a.id, c.id, b.id]) {
      const r = await t.api('PATCH', `/api/v1/device-folders/${a.id}`, { parentId: target });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('FOLDER_CYCLE');
    }
    const still = await t.api('GET', `/api/v1/device-folders/${a.id}`);
    expect(still.body.parentId).toBeNull();
  });

  it('refuses to delete a non-empty folder and deletes an empty one', async () => {
    const full = await create('Full');
    await create('Inner', full.id);
    const r = await t.api('DELETE', `/api/v1/device-folders/${full.id}`);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'FOLDER_NOT_EMPTY', details: { childCount: 1, deviceCount: 0 } });
    expect((await t.api('GET', `/api/v1/device-folders/${full.id}`)).status).toBe(200);

    const withDevice = await create('WithDevice');
    await t.api('POST', '/api/v1/devices', { mac: 'AA:BB:CC:00:00:99', folderId: withDevice.id });
    expect((await t.api('DELETE', `/api/v1/device-folders/${withDevice.id}`)).body.error.code).toBe('FOLDER_NOT_EMPTY');

    const empty = await create('Empty');
    expect((await t.api('DELETE', `/api/v1/device-folders/${empty.id}`)).status).toBe(204);
    expect((await t.api('GET', `/api/v1/device-folders/${empty.id}`)).body.error.code).toBe('FOLDER_NOT_FOUND');
  });

  it('rejects duplicate sibling names, unknown parents and bad input', async () => {
    const p = await create('Dup');
    await create('Same', p.id);
    const dup = await t.api('POST', '/api/v1/device-folders', { name: 'same', parentId: p.id });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('FOLDER_NAME_TAKEN');

    const noParent = await t.api('POST', '/api/v1/device-folders', { name: 'x', parentId: 999999 });
    expect(noParent.status).toBe(404);
    expect(noParent.body.error).toMatchObject({ code: 'FOLDER_NOT_FOUND', details: { field: 'parentId' } });

    const long = await t.api('POST', '/api/v1/device-folders', { name: 'x'.repeat(101) });
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe('VALIDATION_FAILED');
    expect(long.body.error.message).toContain('body.name');

    const blank = await t.api('POST', '/api/v1/device-folders', { name: '   ' });
    expect(blank.body.error.code).toBe('VALIDATION_FAILED');
    const unknown = await t.api('POST', '/api/v1/device-folders', { name: 'ok', color: 'red' });
    expect(unknown.body.error.message).toContain("unknown field 'color'");
    const wrongType = await t.api('POST', '/api/v1/device-folders', { name: 'ok', parentId: '1' });
    expect(wrongType.body.error.code).toBe('VALIDATION_FAILED');
    const emptyPatch = await t.api('PATCH', `/api/v1/device-folders/${p.id}`, {});
    expect(emptyPatch.status).toBe(400);

    const names = (await t.api('GET', `/api/v1/device-folders?parentId=${p.id}`)).body.items.map((f: any) => f.name);
    expect(names).toEqual(['Same']);
  });
});
