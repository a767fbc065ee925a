import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/** Saved views and view folders (issue 12 item 1): CRUD, bad input, pages, rights, audit. */

type Json = any;
const PW = 'a long enough password 1';
const AUGSBURG = { field: 'site', op: 'eq', value: 'Augsburg' };

describe.each(DIALECTS)('views: saved views and folders (%s)', (dialect) => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  let ann: { id: number; token: string };

  const as = async (token: string, method: string, url: string, body?: unknown) => {
    const r = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: r.statusCode, body: (r.body ? r.json() : null) as Json };
  };
  const ok = async (m: string, u: string, b?: unknown) => {
    const r = await t.api(m, u, b);
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body as Json;
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    ids.augsburg = (await ok('POST', '/api/v1/device-folders', { name: 'Augsburg' })).id;
    ids.berlin = (await ok('POST', '/api/v1/device-folders', { name: 'Berlin' })).id;
    const devices: Array<[string, number]> = [
      ['aug-1', ids.augsburg!],
      ['aug-2', ids.augsburg!],
      ['aug-3', ids.berlin!],
      ['ber-1', ids.berlin!],
    ];
    let n = 1;
    for (const [name, folderId] of devices) {
      const id = (await ok('POST', '/api/v1/devices', { mac: `02AC000000${String(n++).padStart(2, '0')}`, name, folderId })).id as number;
      // aug-3 sits in Berlin's folder but names Augsburg as its site.
      await t.database.db
        .updateTable('devices')
        .set({ site: name.startsWith('aug') ? 'Augsburg' : 'Berlin' })
        .where('id', '=', id)
        .execute();
      ids[name] = id;
    }
    const annId = (await ok('POST', '/api/v1/admins', { username: 'ann', password: PW, superuser: false })).id as number;
    ann = { id: annId, token: (await ok('POST', `/api/v1/admins/${annId}/tokens`, { name: 'views' })).token };
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('creates, lists, renames, moves and deletes view folders; refuses cycles, missing parents and non-empty deletes', async () => {
    const ops = await ok('POST', '/api/v1/view-folders', { name: 'Ops' });
    const sub = await ok('POST', '/api/v1/view-folders', { name: 'Lost', parentId: ops.id });
    expect(sub).toEqual({ id: sub.id, name: 'Lost', parentId: ops.id });
    const list = await ok('GET', '/api/v1/view-folders');
    expect(list.items.map((f: Json) => [f.name, f.parentId])).toEqual([
      ['Ops', null],
      ['Lost', ops.id],
    ]);
    expect((await ok('PATCH', `/api/v1/view-folders/${sub.id}`, { name: 'Lost devices' })).name).toBe('Lost devices');

    const cycle = await t.api('PATCH', `/api/v1/view-folders/${ops.id}`, { parentId: sub.id });
    expect(cycle.status).toBe(409);
    expect(cycle.body.error.code).toBe(ErrorCode.FolderCycle);
    const self = await t.api('PATCH', `/api/v1/view-folders/${ops.id}`, { parentId: ops.id });
    expect(self.body.error.code).toBe(ErrorCode.FolderCycle);
    const missing = await t.api('POST', '/api/v1/view-folders', { name: 'x', parentId: 999_999 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe(ErrorCode.ViewFolderNotFound);
    const taken = await t.api('POST', '/api/v1/view-folders', { name: 'Ops' });
    expect(taken.body.error.code).toBe(ErrorCode.FolderNameTaken);

    const full = await t.api('DELETE', `/api/v1/view-folders/${ops.id}`);
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe(ErrorCode.ViewFolderNotEmpty);
    expect((await t.api('PATCH', `/api/v1/view-folders/${sub.id}`, { parentId: null })).status).toBe(200);
    expect((await t.api('DELETE', `/api/v1/view-folders/${ops.id}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/v1/view-folders/${sub.id}`)).status).toBe(204);
    expect((await ok('GET', '/api/v1/view-folders')).items).toEqual([]);
  });

  it('saves views with checked criteria, gets, pages, filters by folder, updates and deletes them', async () => {
    const folder = await ok('POST', '/api/v1/view-folders', { name: 'Sites' });
    const v1 = await ok('POST', '/api/v1/views', { name: 'Augsburg', description: 'All of it', folderId: folder.id, criteria: AUGSBURG });
    expect(v1).toMatchObject({ name: 'Augsburg', description: 'All of it', folderId: folder.id, criteria: AUGSBURG });
    const v2 = await ok('POST', '/api/v1/views', {
      name: 'Berlin',
      folderId: folder.id,
      criteria: { field: 'site', op: 'eq', value: 'Berlin' },
    });
    expect(v2.description).toBe('');
    const v3 = await ok('POST', '/api/v1/views', { name: 'Top', criteria: { not: AUGSBURG } });
    expect(await ok('GET', `/api/v1/views/${v1.id}`)).toEqual(v1);

    const first = await ok('GET', '/api/v1/views?limit=2');
    expect(first.items.map((v: Json) => v.id)).toEqual([v1.id, v2.id]);
    const second = await ok('GET', `/api/v1/views?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(second.items.map((v: Json) => v.id)).toEqual([v3.id]);
    expect(second.nextCursor).toBeNull();
    expect((await ok('GET', `/api/v1/views?folderId=${folder.id}`)).items.map((v: Json) => v.name)).toEqual(['Augsburg', 'Berlin']);
    expect((await ok('GET', '/api/v1/views?folderId=root')).items.map((v: Json) => v.name)).toEqual(['Top']);

    const changed = await ok('PATCH', `/api/v1/views/${v3.id}`, { name: 'Not Augsburg', folderId: folder.id });
    expect(changed).toMatchObject({ name: 'Not Augsburg', folderId: folder.id, criteria: { not: AUGSBURG } });
    expect((await ok('PATCH', `/api/v1/views/${v3.id}`, { criteria: AUGSBURG })).criteria).toEqual(AUGSBURG);

    expect((await t.api('DELETE', `/api/v1/views/${v3.id}`)).status).toBe(204);
    const gone = await t.api('GET', `/api/v1/views/${v3.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe(ErrorCode.ViewNotFound);
    for (const id of [v1.id, v2.id]) await ok('DELETE', `/api/v1/views/${id}`);
    await ok('DELETE', `/api/v1/view-folders/${folder.id}`);
  });

  it('refuses bad criteria naming the field, a missing folder and an empty name, and saves nothing', async () => {
    const before = await t.database.db.selectFrom('views').select('id').execute();
    const bad = await t.api('POST', '/api/v1/views', {
      name: 'Bad',
      criteria: { and: [AUGSBURG, { field: 'nope', op: 'eq', value: 'x' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe(ErrorCode.ViewCriteriaInvalid);
    expect(bad.body.error.details.field).toBe('body.criteria.and.1.field');
    const type = await t.api('POST', '/api/v1/views', {
      name: 'Bad',
      criteria: { field: 'lastContact', op: 'withinLastDays', value: 'x' },
    });
    expect(type.status).toBe(400);
    expect(type.body.error.details.field).toBe('body.criteria.value');
    const folder = await t.api('POST', '/api/v1/views', { name: 'Lost', folderId: 999_999, criteria: AUGSBURG });
    expect(folder.status).toBe(404);
    expect(folder.body.error.code).toBe(ErrorCode.ViewFolderNotFound);
    expect((await t.api('POST', '/api/v1/views', { name: ' ', criteria: AUGSBURG })).status).toBe(400);
    expect(await t.database.db.selectFrom('views').select('id').execute()).toEqual(before);

    const v = await ok('POST', '/api/v1/views', { name: 'Fine', criteria: AUGSBURG });
    const patch = await t.api('PATCH', `/api/v1/views/${v.id}`, { criteria: { or: [{ field: 'site', op: 'regex', value: '(' }] } });
    expect(patch.status).toBe(400);
    expect(patch.body.error.details.field).toBe('body.criteria.or.0.value');
    expect((await ok('GET', `/api/v1/views/${v.id}`)).criteria).toEqual(AUGSBURG);
    await ok('DELETE', `/api/v1/views/${v.id}`);
  });

  it("lists a view's devices at request time with the device list's query and cursor pages", async () => {
    const v = await ok('POST', '/api/v1/views', { name: 'Augsburg', criteria: AUGSBURG });
    const all = await ok('GET', `/api/v1/views/${v.id}/devices`);
    expect(all.count).toBe(3);
    expect(all.items.map((d: Json) => d.name)).toEqual(['aug-1', 'aug-2', 'aug-3']);
    const first = await ok('GET', `/api/v1/views/${v.id}/devices?limit=2&sort=-name`);
    expect(first.items.map((d: Json) => d.name)).toEqual(['aug-3', 'aug-2']);
    const second = await ok('GET', `/api/v1/views/${v.id}/devices?limit=2&sort=-name&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(second.items.map((d: Json) => d.name)).toEqual(['aug-1']);
    expect(second.nextCursor).toBeNull();
    const inBerlin = await ok('GET', `/api/v1/views/${v.id}/devices?folderId=${ids.berlin}`);
    expect([inBerlin.count, inBerlin.items.map((d: Json) => d.name)]).toEqual([1, ['aug-3']]);
    const prefix = await ok('GET', `/api/v1/views/${v.id}/devices?q=AUG-2`);
    expect(prefix.items.map((d: Json) => d.name)).toEqual(['aug-2']);
    // Evaluated when asked: a device that changes site leaves the view.
    await t.database.db.updateTable('devices').set({ site: 'Berlin' }).where('id', '=', ids['aug-3']!).execute();
    expect((await ok('GET', `/api/v1/views/${v.id}/devices`)).count).toBe(2);
    await t.database.db.updateTable('devices').set({ site: 'Augsburg' }).where('id', '=', ids['aug-3']!).execute();
    expect((await t.api('GET', '/api/v1/views/999999/devices')).body.error.code).toBe(ErrorCode.ViewNotFound);
    await ok('DELETE', `/api/v1/views/${v.id}`);
  });

  it('shows a restricted administrator only the views it may browse and, in results, only devices it may browse', async () => {
    const mine = await ok('POST', '/api/v1/view-folders', { name: 'Ann' });
    const secret = await ok('POST', '/api/v1/view-folders', { name: 'SECRET' });
    const annView = await ok('POST', '/api/v1/views', { name: 'ann-view', folderId: mine.id, criteria: AUGSBURG });
    const secretView = await ok('POST', '/api/v1/views', { name: 'SECRET-view', folderId: secret.id, criteria: AUGSBURG });
    const topView = await ok('POST', '/api/v1/views', { name: 'SECRET-top', criteria: AUGSBURG });

    // Nothing yet: empty lists, the views answered as missing.
    expect((await as(ann.token, 'GET', '/api/v1/views')).body.items).toEqual([]);
    expect((await as(ann.token, 'GET', '/api/v1/view-folders')).body.items).toEqual([]);
    expect((await as(ann.token, 'GET', `/api/v1/views/${annView.id}/devices`)).status).toBe(404);

    await ok('PUT', `/api/v1/view-folders/${mine.id}/access`, {
      entries: [{ principal: { type: 'admin', id: ann.id }, rights: { browse: 'allow', read: 'allow', write: 'allow' } }],
    });
    await ok('PUT', `/api/v1/device-folders/${ids.berlin}/access`, {
      entries: [{ principal: { type: 'admin', id: ann.id }, rights: { browse: 'allow' } }],
    });
    const views = await as(ann.token, 'GET', '/api/v1/views');
    expect(views.body.items.map((v: Json) => v.name)).toEqual(['ann-view']);
    expect((await as(ann.token, 'GET', '/api/v1/view-folders')).body.items.map((f: Json) => f.name)).toEqual(['Ann']);
    expect((await as(ann.token, 'GET', `/api/v1/views?folderId=${secret.id}`)).status).toBe(404);
    for (const id of [secretView.id, topView.id]) {
      const r = await as(ann.token, 'GET', `/api/v1/views/${id}`);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe(ErrorCode.ViewNotFound);
      expect((await as(ann.token, 'GET', `/api/v1/views/${id}/devices`)).status).toBe(404);
      expect((await as(ann.token, 'DELETE', `/api/v1/views/${id}`)).status).toBe(404);
    }
    // Three devices meet the criteria; Ann may browse one of them.
    const devices = await as(ann.token, 'GET', `/api/v1/views/${annView.id}/devices`);
    expect(devices.status).toBe(200);
    expect([devices.body.count, devices.body.items.map((d: Json) => d.name)]).toEqual([1, ['aug-3']]);

    // Write on her folder: she saves views there, not at the top level or in another folder.
    const created = await as(ann.token, 'POST', '/api/v1/views', { name: 'ann-2', folderId: mine.id, criteria: AUGSBURG });
    expect(created.status).toBe(201);
    expect((await as(ann.token, 'POST', '/api/v1/views', { name: 'x', criteria: AUGSBURG })).status).toBe(403);
    expect((await as(ann.token, 'POST', '/api/v1/views', { name: 'x', folderId: secret.id, criteria: AUGSBURG })).status).toBe(404);
    // Moving needs the move right.
    expect((await as(ann.token, 'PATCH', `/api/v1/views/${created.body.id}`, { folderId: secret.id })).status).toBe(403);
    expect((await as(ann.token, 'PATCH', `/api/v1/views/${created.body.id}`, { name: 'ann-2b' })).status).toBe(200);
    expect((await as(ann.token, 'DELETE', `/api/v1/views/${created.body.id}`)).status).toBe(204);

    // Deleting a view or a folder deletes its access list.
    await ok('PUT', `/api/v1/views/${annView.id}/access`, {
      entries: [{ principal: { type: 'admin', id: ann.id }, rights: { read: 'allow' } }],
    });
    for (const [path, id] of [
      ['views', annView.id],
      ['views', secretView.id],
      ['views', topView.id],
      ['view-folders', mine.id],
      ['view-folders', secret.id],
    ] as const)
      await ok('DELETE', `/api/v1/${path}/${id}`);
    const left = await t.database.db
      .selectFrom('access_entries')
      .select('object_type')
      .where('object_type', 'in', ['view', 'view-folder'])
      .execute();
    expect(left).toEqual([]);
  });

  it('records every change of views and view folders in the audit log', async () => {
    const last =
      (
        await t.database.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirst()
      )?.id ?? 0;
    const f = await ok('POST', '/api/v1/view-folders', { name: 'Audited' });
    await ok('PATCH', `/api/v1/view-folders/${f.id}`, { name: 'Audited 2' });
    const v = await ok('POST', '/api/v1/views', { name: 'Audited view', folderId: f.id, criteria: AUGSBURG });
    await ok('PATCH', `/api/v1/views/${v.id}`, { description: 'now described' });
    await ok('DELETE', `/api/v1/views/${v.id}`);
    await ok('DELETE', `/api/v1/view-folders/${f.id}`);
    // A refused change records nothing.
    await t.api('POST', '/api/v1/views', { name: 'Bad', criteria: { field: 'nope', op: 'eq', value: 1 } });
    const rows = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'object_type', 'object_id', 'object_name', 'before_json', 'after_json'])
      .where('id', '>', Number(last))
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.action, r.object_type, Number(r.object_id), r.object_name])).toEqual([
      ['view-folder.create', 'view-folder', f.id, 'Audited'],
      ['view-folder.update', 'view-folder', f.id, 'Audited 2'],
      ['view.create', 'view', v.id, 'Audited view'],
      ['view.update', 'view', v.id, 'Audited view'],
      ['view.delete', 'view', v.id, 'Audited view'],
      ['view-folder.delete', 'view-folder', f.id, 'Audited 2'],
    ]);
    expect(JSON.parse(rows[2]!.after_json!)).toMatchObject({ criteria: AUGSBURG, folderId: f.id });
    expect(JSON.parse(rows[3]!.before_json!)).toEqual({ description: '' });
    expect(JSON.parse(rows[3]!.after_json!)).toEqual({ description: 'now described' });
  });
});
