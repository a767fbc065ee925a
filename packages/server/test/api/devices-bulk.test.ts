import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_MAX_DEVICES, ErrorCode, PREFERENCE_VALUE_MAX_BYTES } from '@openums/protocol';
import { DIALECTS } from '../helpers/db.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';

const PW = 'a long enough password 1';
const mac = (i: number) => `02BB00${i.toString(16).toUpperCase().padStart(6, '0')}`;
type Json = any;

describe.each(DIALECTS)('device list for real sites: bulk actions, counts, substring search, preferences (%s)', (dialect) => {
  let t: TestApp;
  let A: number;
  let A1: number;
  let A11: number;
  let B: number;
  const ids: Record<string, number[]> = { A: [], A1: [], A11: [], B: [] };
  let ann: { id: number; token: string };
  let bob: { id: number; token: string };

  const as = async (token: string, method: string, url: string, body?: unknown) => {
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, body: res.body ? (res.json() as Json) : null };
  };
  const ok = async (p: Promise<{ status: number; body: Json }>) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body;
  };
  const audit = async (action: string) =>
    t.database.db.selectFrom('audit_log').select(['object_id']).where('action', '=', action).execute();

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const su = (m: string, u: string, b?: unknown) => ok(t.api(m, u, b));
    A = (await su('POST', '/api/v1/device-folders', { name: 'Augsburg' })).id;
    A1 = (await su('POST', '/api/v1/device-folders', { name: 'Floor 1', parentId: A })).id;
    A11 = (await su('POST', '/api/v1/device-folders', { name: 'Room 101', parentId: A1 })).id;
    B = (await su('POST', '/api/v1/device-folders', { name: 'Berlin' })).id;
    let n = 0;
    for (const [key, folderId, count] of [
      ['A', A, 3],
      ['A1', A1, 4],
      ['A11', A11, 5],
      ['B', B, 6],
    ] as const) {
      for (let i = 0; i < count; i++) {
        n++;
        const name = `${key.toLowerCase()}-kiosk_${String(n).padStart(3, '0')}`;
        ids[key]!.push((await su('POST', '/api/v1/devices', { mac: mac(n), name, folderId })).id);
      }
    }
    const account = async (username: string) => {
      const id = (await su('POST', '/api/v1/admins', { username, password: PW, superuser: false })).id as number;
      const token = (await su('POST', `/api/v1/admins/${id}/tokens`, { name: 'bulk' })).token as string;
      return { id, token };
    };
    ann = await account('ann');
    bob = await account('bob');
    // Ann may move, write and reboot in Augsburg (and below); Berlin she may only see.
    await su('PUT', `/api/v1/device-folders/${A}/access`, {
      entries: [
        {
          principal: { type: 'admin', id: ann.id },
          rights: { browse: 'allow', read: 'allow', write: 'allow', move: 'allow', powerControl: 'allow', assign: 'allow' },
        },
      ],
    });
    await su('PUT', `/api/v1/device-folders/${B}/access`, {
      entries: [{ principal: { type: 'admin', id: ann.id }, rights: { browse: 'allow', read: 'allow' } }],
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('counts a folder with its sub-folders (own / total), for what the administrator may see', async () => {
    const a = await ok(t.api('GET', `/api/v1/device-folders/${A}`));
    expect(a).toMatchObject({ deviceCount: 3, totalDeviceCount: 12, childCount: 1 });
    const list = await ok(t.api('GET', '/api/v1/device-folders?limit=1000'));
    const byId = new Map(list.items.map((f: Json) => [f.id, f]));
    expect(byId.get(A1)).toMatchObject({ deviceCount: 4, totalDeviceCount: 9 });
    expect(byId.get(A11)).toMatchObject({ deviceCount: 5, totalDeviceCount: 5 });
    expect(byId.get(B)).toMatchObject({ deviceCount: 6, totalDeviceCount: 6 });
    // Bob sees no folder; Ann sees Augsburg's total.
    expect((await as(ann.token, 'GET', `/api/v1/device-folders/${A}`)).body).toMatchObject({ totalDeviceCount: 12 });
  });

  it('answers the exact count of the whole query, not of the page', async () => {
    const r = await ok(t.api('GET', `/api/v1/devices?folderId=${A}&recursive=true&count=true&limit=2`));
    expect(r.items).toHaveLength(2);
    expect(r.count).toBe(12);
    expect((await ok(t.api('GET', `/api/v1/devices?folderId=${A}&limit=2`))).count).toBeUndefined();
    expect((await ok(t.api('GET', '/api/v1/devices?count=true&q=b-'))).count).toBe(6);
    expect((await ok(as(ann.token, 'GET', '/api/v1/devices?count=true&limit=1'))).count).toBe(18);
    expect((await ok(as(bob.token, 'GET', '/api/v1/devices?count=true'))).count).toBe(0);
  });

  it('searches substrings case-insensitively beside the prefix search, with wildcards taken literally', async () => {
    const names = (r: Json) => r.items.map((d: Json) => d.name).sort();
    expect((await ok(t.api('GET', '/api/v1/devices?q=KIOSK_01&count=true'))).count).toBe(0);
    const contains = await ok(t.api('GET', '/api/v1/devices?q=KIOSK_01&match=contains&count=true'));
    expect(names(contains)).toEqual([
      'a11-kiosk_010',
      'a11-kiosk_011',
      'a11-kiosk_012',
      'b-kiosk_013',
      'b-kiosk_014',
      'b-kiosk_015',
      'b-kiosk_016',
      'b-kiosk_017',
      'b-kiosk_018',
    ]);
    expect(contains.count).toBe(9);
    // `_` is a literal, not LIKE's any-character.
    expect((await ok(t.api('GET', '/api/v1/devices?q=kiosk__&match=contains'))).items).toEqual([]);
    expect((await ok(t.api('GET', '/api/v1/devices?q=k_01&match=contains&count=true'))).count).toBe(9);
    expect((await ok(t.api('GET', '/api/v1/devices?q=%25&match=contains'))).items).toEqual([]);
    // MAC digits anywhere (separators ignored), within a folder.
    const byMac = await ok(t.api('GET', `/api/v1/devices?folderId=${B}&q=00:0D&match=contains`));
    expect(names(byMac)).toEqual(['b-kiosk_013']);
    const bad = await t.api('GET', '/api/v1/devices?q=x&match=infix');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe(ErrorCode.ValidationFailed);
    expect(bad.body.error.message).toContain('match');
  });

  it('moves a hand-picked set per device: refused without the move right, missing when unseen, audited', async () => {
    const before = (await audit('device.move')).length;
    const picked = [ids.A![0]!, ids.A1![0]!, ids.B![0]!, 9_999_999];
    const r = await as(ann.token, 'POST', '/api/v1/devices/bulk/move', { deviceIds: picked, folderId: A11 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.done.sort()).toEqual([ids.A![0], ids.A1![0]].sort());
    expect(r.body.refused).toEqual([{ deviceId: ids.B![0], code: ErrorCode.Forbidden, message: expect.stringContaining('move') }]);
    expect(r.body.missing).toEqual([9_999_999]);
    expect((await ok(t.api('GET', `/api/v1/devices/${ids.A![0]}`))).folderId).toBe(A11);
    expect((await ok(t.api('GET', `/api/v1/devices/${ids.B![0]}`))).folderId).toBe(B);
    expect((await audit('device.move')).length).toBe(before + 2);
    // Without write on the destination: nothing moves.
    const denied = await as(ann.token, 'POST', '/api/v1/devices/bulk/move', { deviceIds: [ids.A![1]!], folderId: B });
    expect(denied.status).toBe(403);
    expect((await ok(t.api('GET', `/api/v1/devices/${ids.A![1]}`))).folderId).toBe(A);
    // Back, by query: the devices of Room 101 whose name starts with "a-" (the one from Augsburg).
    const back = await ok(t.api('POST', '/api/v1/devices/bulk/move', { query: { folderId: A11, q: 'a-' }, folderId: A }));
    expect(back).toEqual({ done: [ids.A![0]], refused: [], missing: [] });
    await ok(t.api('POST', '/api/v1/devices/bulk/move', { deviceIds: [ids.A1![0]], folderId: A1 }));
  });

  it('sends a command and assigns profiles per device, refusing where a right is missing', async () => {
    const cmd = await as(ann.token, 'POST', '/api/v1/devices/bulk/commands', {
      query: { folderId: 'root', recursive: true },
      command: 'reboot',
    });
    expect(cmd.status, JSON.stringify(cmd.body)).toBe(201);
    expect(cmd.body.done).toHaveLength(12);
    expect(cmd.body.commands.map((c: Json) => c.deviceId).sort()).toEqual([...cmd.body.done].sort());
    expect(cmd.body.refused.map((x: Json) => x.deviceId).sort()).toEqual([...ids.B!].sort());
    const noText = await t.api('POST', '/api/v1/devices/bulk/commands', { deviceIds: [ids.A![0]], command: 'send-message' });
    expect(noText.status).toBe(400);
    expect(noText.body.error.details.field).toBe('body.text');

    const profile = (await ok(t.api('POST', '/api/v1/profiles', { name: 'Kiosk mode', type: 'standard' }))).id;
    const assigned = await ok(
      t.api('POST', '/api/v1/devices/bulk/assign-profiles', { deviceIds: [ids.A![2], ids.B![2]], profileIds: [profile] }),
    );
    expect(assigned).toEqual({ done: [ids.A![2], ids.B![2]], refused: [], missing: [] });
    const on = await ok(t.api('GET', `/api/v1/profiles/${profile}/assignments`));
    expect(on.items.map((i: Json) => i.id).sort()).toEqual([ids.A![2], ids.B![2]].sort());
    // Ann may not read the profile (it is at the top level): refused as a whole, nothing assigned.
    const refused = await as(ann.token, 'POST', '/api/v1/devices/bulk/assign-profiles', { deviceIds: [ids.A![1]], profileIds: [profile] });
    expect([403, 404]).toContain(refused.status);
    expect((await ok(t.api('GET', `/api/v1/profiles/${profile}/assignments`))).items).toHaveLength(2);
  });

  it('deletes per device, audited, and refuses bad selections naming the field', async () => {
    const before = (await audit('device.delete')).length;
    const r = await ok(as(ann.token, 'POST', '/api/v1/devices/bulk/delete', { deviceIds: [ids.A11![4], ids.B![5]] }));
    expect(r.done).toEqual([ids.A11![4]]);
    expect(r.refused.map((x: Json) => x.deviceId)).toEqual([ids.B![5]]);
    expect((await t.api('GET', `/api/v1/devices/${ids.A11![4]}`)).status).toBe(404);
    expect((await audit('device.delete')).length).toBe(before + 1);

    const cases: Array<[string, string, unknown, number, string, string]> = [
      ['both', 'move', { deviceIds: [ids.A![0]], query: {}, folderId: A }, 400, ErrorCode.ValidationFailed, 'body.deviceIds'],
      ['neither', 'delete', {}, 400, ErrorCode.ValidationFailed, 'body.deviceIds'],
      ['empty list', 'delete', { deviceIds: [] }, 400, ErrorCode.ValidationFailed, 'deviceIds'],
      ['duplicates', 'delete', { deviceIds: [1, 1] }, 400, ErrorCode.ValidationFailed, 'deviceIds'],
      ['unknown key', 'delete', { deviceIds: [1], all: true }, 400, ErrorCode.ValidationFailed, 'all'],
      ['bad match', 'delete', { query: { q: 'x', match: 'regex' } }, 400, ErrorCode.ValidationFailed, 'match'],
      ['unknown folder', 'delete', { query: { folderId: 9_999_999 } }, 404, ErrorCode.FolderNotFound, 'body.query.folderId'],
      [
        'unknown profile',
        'assign-profiles',
        { deviceIds: [ids.A![0]], profileIds: [9_999_999] },
        404,
        ErrorCode.ProfileNotFound,
        'body.profileIds.0',
      ],
      ['unknown command', 'commands', { deviceIds: [ids.A![0]], command: 'explode' }, 400, ErrorCode.ValidationFailed, 'command'],
      [
        'too many ids',
        'delete',
        { deviceIds: Array.from({ length: BULK_MAX_DEVICES + 1 }, (_, i) => i + 1) },
        400,
        ErrorCode.ValidationFailed,
        'deviceIds',
      ],
    ];
    const count = async () => (await ok(t.api('GET', '/api/v1/devices?count=true'))).count;
    const total = await count();
    for (const [label, action, body, status, code, field] of cases) {
      const res = await t.api('POST', `/api/v1/devices/bulk/${action}`, body);
      expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.error.code, label).toBe(code);
      expect(JSON.stringify(res.body.error), label).toContain(field);
    }
    expect(await count()).toBe(total);
  });

  it('bounds "all matching": a query over more than the limit is refused, nothing changed', async () => {
    const db = t.database.db;
    const now = t.clock.now();
    const rows = Array.from({ length: BULK_MAX_DEVICES + 1 }, (_, i) =>
      newDeviceRow({ mac: `02CC${i.toString(16).toUpperCase().padStart(8, '0')}`, name: `bulk-${i}`, folderId: B, now }),
    );
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('devices')
        .values(rows.slice(i, i + 500))
        .execute();
    const started = Date.now();
    const total = (await ok(t.api('GET', `/api/v1/devices?folderId=${B}&count=true&limit=1`))).count;
    expect(total).toBe(BULK_MAX_DEVICES + 1 + 6);
    const res = await t.api('POST', '/api/v1/devices/bulk/move', { query: { folderId: B, q: 'bulk-' }, folderId: A });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe(ErrorCode.BulkTooManyDevices);
    expect(res.body.error.details.field).toBe('body.query');
    expect((await ok(t.api('GET', `/api/v1/devices?folderId=${A}&count=true&limit=1`))).count).toBe(3);
    // A narrower query goes through.
    const some = await ok(t.api('POST', '/api/v1/devices/bulk/move', { query: { folderId: B, q: 'bulk-100' }, folderId: A1 }));
    expect(some.done).toHaveLength(12); // bulk-100, bulk-1000 … bulk-1009, bulk-10000
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it('keeps preferences per administrator, bounded and validated', async () => {
    const url = '/api/v1/me/preferences/devices.columns';
    expect((await ok(as(ann.token, 'GET', url))).value).toBeNull();
    const put = await ok(as(ann.token, 'PUT', url, { value: ['name', 'site', 'attr:room'] }));
    expect(put).toMatchObject({ key: 'devices.columns', value: ['name', 'site', 'attr:room'] });
    expect((await ok(as(ann.token, 'GET', url))).value).toEqual(['name', 'site', 'attr:room']);
    // Another administrator has their own.
    expect((await ok(as(bob.token, 'GET', url))).value).toBeNull();
    await ok(as(ann.token, 'PUT', url, { value: ['name'] }));
    expect((await ok(as(ann.token, 'GET', url))).value).toEqual(['name']);
    const bad: Array<[string, string, unknown, string]> = [
      ['too large', url, { value: 'x'.repeat(PREFERENCE_VALUE_MAX_BYTES) }, 'body.value'],
      ['no value', url, {}, 'value'],
      ['extra field', url, { value: 1, other: 2 }, 'other'],
      ['bad key', '/api/v1/me/preferences/Bad%20Key', { value: 1 }, 'key'],
      ['long key', `/api/v1/me/preferences/${'k'.repeat(65)}`, { value: 1 }, 'key'],
    ];
    for (const [label, u, body, field] of bad) {
      const r = await as(ann.token, 'PUT', u, body);
      expect(r.status, label).toBe(400);
      expect(r.body.error.code, label).toBe(ErrorCode.ValidationFailed);
      expect(JSON.stringify(r.body.error), label).toContain(field);
    }
    expect((await ok(as(ann.token, 'GET', url))).value).toEqual(['name']);
  });
});
