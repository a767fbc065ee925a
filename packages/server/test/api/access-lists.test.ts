import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { ErrorCode } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const PW = 'a long enough password 1';

describe.each(DIALECTS)('object access lists (%s)', (dialect) => {
  let t: TestApp;
  /** Device folders top → office; device in office; a profile folder with a profile. */
  let top: number, office: number, device: number, profileFolder: number, profile: number;
  /** alice is in g1, g1 is in g2 (nested); bob is in no group. */
  let alice: number, bob: number, g1: number, g2: number;
  let aliceToken: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const ok = <T extends { status: number; body: any }>(r: T): T => {
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return r;
    };
    top = ok(await t.api('POST', '/api/v1/device-folders', { name: 'Berlin' })).body.id;
    office = ok(await t.api('POST', '/api/v1/device-folders', { name: 'Office', parentId: top })).body.id;
    device = ok(await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0101', folderId: office })).body.id;
    profileFolder = ok(await t.api('POST', '/api/v1/profile-folders', { name: 'Kiosk' })).body.id;
    profile = ok(await t.api('POST', '/api/v1/profiles', { name: 'Kiosk', type: 'standard', folderId: profileFolder })).body.id;
    alice = ok(await t.api('POST', '/api/v1/admins', { username: 'alice', password: PW, superuser: false })).body.id;
    bob = ok(await t.api('POST', '/api/v1/admins', { username: 'bob', password: PW, superuser: false })).body.id;
    g1 = ok(await t.api('POST', '/api/v1/admin-groups', { name: 'g1', members: [{ type: 'admin', id: alice }] })).body.id;
    g2 = ok(await t.api('POST', '/api/v1/admin-groups', { name: 'g2', members: [{ type: 'group', id: g1 }] })).body.id;
    aliceToken = ok(await t.api('POST', `/api/v1/admins/${alice}/tokens`, { name: 'tests' })).body.token;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const as = async (token: string, method: string, url: string, body?: unknown) => {
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  const rows = async () =>
    t.database.db
      .selectFrom('access_entries')
      .selectAll()
      .orderBy('object_type')
      .orderBy('object_id')
      .orderBy('principal_type')
      .orderBy('principal_id')
      .execute();
  const put = (url: string, entries: unknown[]) => t.api('PUT', `${url}/access`, { entries });
  const effective = async (url: string, adminId: number) => {
    const r = await t.api('GET', `${url}/access/effective?adminId=${adminId}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.rights as Record<string, { allowed: boolean; reason: Record<string, unknown> }>;
  };

  it('replaces a list as a whole and reads it back; a right left out is not set; on all four kinds of object', async () => {
    const url = `/api/v1/devices/${device}`;
    const entries = [
      { principal: { type: 'admin', id: alice }, rights: { browse: 'allow', read: 'deny', firmwareControl: 'allow' } },
      { principal: { type: 'admin', id: bob }, rights: {} },
      { principal: { type: 'group', id: g1 }, rights: { write: 'allow' } },
    ];
    const saved = await put(url, entries);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toEqual({ entries });
    expect((await t.api('GET', `${url}/access`)).body).toEqual({ entries });
    // Given in another order, read back administrators first, then groups, each by id.
    await put(url, [entries[2], entries[1], entries[0]]);
    expect((await t.api('GET', `${url}/access`)).body).toEqual({ entries });
    expect((await effective(url, alice)).powerControl).toEqual({
      allowed: false,
      reason: { kind: 'not-set', node: { type: 'device', id: device } },
    });

    // Replacing drops the entries left out.
    const one = [{ principal: { type: 'group', id: g2 }, rights: { assign: 'deny' } }];
    expect((await put(url, one)).body).toEqual({ entries: one });
    expect((await rows()).filter((r) => r.object_type === 'device' && Number(r.object_id) === device)).toHaveLength(1);

    for (const other of [`/api/v1/device-folders/${office}`, `/api/v1/profiles/${profile}`, `/api/v1/profile-folders/${profileFolder}`]) {
      const list = [{ principal: { type: 'admin', id: bob }, rights: { read: 'allow', accessControl: 'deny' } }];
      expect((await put(other, list)).status).toBe(200);
      expect((await t.api('GET', `${other}/access`)).body).toEqual({ entries: list });
      expect((await put(other, [])).body).toEqual({ entries: [] });
    }
    expect((await put(url, [])).body).toEqual({ entries: [] });
    expect(await rows()).toEqual([]);
  });

  it('refuses a bad list with a stable code naming the field, and changes nothing', async () => {
    const url = `/api/v1/devices/${device}`;
    const baseline = [{ principal: { type: 'admin', id: alice }, rights: { read: 'allow' } }];
    expect((await put(url, baseline)).status).toBe(200);
    const before = await rows();
    const refused: Array<[string, unknown[], number, string, string | RegExp]> = [
      [
        'unknown right',
        [{ principal: { type: 'admin', id: alice }, rights: { reboot: 'allow' } }],
        400,
        ErrorCode.ValidationFailed,
        /unknown field 'reboot'/,
      ],
      [
        'bad value',
        [{ principal: { type: 'admin', id: alice }, rights: { read: 'yes' } }],
        400,
        ErrorCode.ValidationFailed,
        /rights\.read/,
      ],
      ['bad principal type', [{ principal: { type: 'user', id: alice }, rights: {} }], 400, ErrorCode.ValidationFailed, /principal\.type/],
      [
        'missing administrator',
        [
          { principal: { type: 'admin', id: bob }, rights: { read: 'allow' } },
          { principal: { type: 'admin', id: 999_999 }, rights: { read: 'allow' } },
        ],
        404,
        ErrorCode.AdminNotFound,
        'body.entries.1.principal.id',
      ],
      [
        'missing group',
        [{ principal: { type: 'group', id: 999_999 }, rights: {} }],
        404,
        ErrorCode.GroupNotFound,
        'body.entries.0.principal.id',
      ],
      [
        'the same principal twice',
        [
          { principal: { type: 'group', id: g1 }, rights: { read: 'allow' } },
          { principal: { type: 'admin', id: alice }, rights: { read: 'allow' } },
          { principal: { type: 'group', id: g1 }, rights: { write: 'deny' } },
        ],
        400,
        ErrorCode.ValidationFailed,
        'body.entries.2.principal',
      ],
    ];
    for (const [label, entries, status, code, where] of refused) {
      const r = await put(url, entries);
      expect(r.status, label).toBe(status);
      expect(r.body.error.code, label).toBe(code);
      if (typeof where === 'string') expect(r.body.error.details.field, label).toBe(where);
      else expect(r.body.error.message, label).toMatch(where);
      expect(await rows(), label).toEqual(before);
    }
    // An object that does not exist: its own not-found code, on every route.
    for (const [path, code] of [
      ['devices', ErrorCode.DeviceNotFound],
      ['device-folders', ErrorCode.FolderNotFound],
      ['profiles', ErrorCode.ProfileNotFound],
      ['profile-folders', ErrorCode.ProfileFolderNotFound],
    ] as const) {
      const missing = `/api/v1/${path}/999999`;
      for (const r of [
        await put(missing, baseline),
        await t.api('GET', `${missing}/access`),
        await t.api('GET', `${missing}/access/effective?adminId=${alice}`),
      ]) {
        expect(r.status, path).toBe(404);
        expect(r.body.error.code, path).toBe(code);
      }
    }
    const noAdmin = await t.api('GET', `${url}/access/effective?adminId=999999`);
    expect(noAdmin.status).toBe(404);
    expect(noAdmin.body.error).toMatchObject({ code: ErrorCode.AdminNotFound, details: { field: 'query.adminId' } });
    expect(await rows()).toEqual(before);
    expect((await t.api('GET', `${url}/access`)).body).toEqual({ entries: baseline });
    await put(url, []);
  });

  it('explains effective rights: inheritance from folders, nested groups, a deny on an ancestor, implied Browse, with reasons', async () => {
    const dev = `/api/v1/devices/${device}`;
    const topUrl = `/api/v1/device-folders/${top}`;
    // Top: g2 (alice through g1) may read and write; alice herself may power-control.
    await put(topUrl, [
      { principal: { type: 'admin', id: alice }, rights: { powerControl: 'allow' } },
      { principal: { type: 'group', id: g2 }, rights: { read: 'allow', write: 'allow' } },
    ]);
    // Office: g1 denies write.
    await put(`/api/v1/device-folders/${office}`, [{ principal: { type: 'group', id: g1 }, rights: { write: 'deny' } }]);
    // The device: alice may send messages, and her own allow of write cannot lift the deny above.
    await put(dev, [{ principal: { type: 'admin', id: alice }, rights: { sendMessage: 'allow', write: 'allow' } }]);

    const r = await effective(dev, alice);
    const folder = (id: number) => ({ type: 'device-folder', id });
    expect(r.read).toEqual({ allowed: true, reason: { kind: 'inherited', node: folder(top), groupId: g2 } });
    expect(r.write).toEqual({ allowed: false, reason: { kind: 'inherited', node: folder(office), groupId: g1 } });
    expect(r.powerControl).toEqual({ allowed: true, reason: { kind: 'inherited', node: folder(top) } });
    expect(r.sendMessage).toEqual({ allowed: true, reason: { kind: 'direct', node: { type: 'device', id: device } } });
    expect(r.browse).toEqual({ allowed: false, reason: { kind: 'not-set', node: { type: 'device', id: device } } });
    expect(r.accessControl.allowed).toBe(false);
    expect(Object.keys(r)).toHaveLength(12);

    // On the top folder: Browse is implied by the grant on the device below it.
    const onTop = await effective(topUrl, alice);
    expect(onTop.browse).toEqual({ allowed: true, reason: { kind: 'implied-browse', node: { type: 'device', id: device } } });
    expect(onTop.read).toEqual({ allowed: true, reason: { kind: 'group', node: folder(top), groupId: g2 } });
    expect(onTop.write).toEqual({ allowed: true, reason: { kind: 'group', node: folder(top), groupId: g2 } });
    // An explicit Browse deny on the top is not lifted by grants below.
    await put(topUrl, [{ principal: { type: 'group', id: g2 }, rights: { browse: 'deny', read: 'allow' } }]);
    expect((await effective(topUrl, alice)).browse).toEqual({ allowed: false, reason: { kind: 'group', node: folder(top), groupId: g2 } });

    // Nobody's entries concern bob; the superuser has everything.
    expect(Object.values(await effective(dev, bob)).every((e) => !e.allowed && e.reason.kind === 'not-set')).toBe(true);
    const me = (await t.api('GET', '/api/v1/auth/me')).body.user.id as number;
    expect(Object.values(await effective(dev, me)).every((e) => e.allowed && e.reason.kind === 'superuser')).toBe(true);

    // Profiles inherit from their folder the same way.
    await put(`/api/v1/profile-folders/${profileFolder}`, [{ principal: { type: 'group', id: g1 }, rights: { assign: 'allow' } }]);
    expect((await effective(`/api/v1/profiles/${profile}`, alice)).assign).toEqual({
      allowed: true,
      reason: { kind: 'inherited', node: { type: 'profile-folder', id: profileFolder }, groupId: g1 },
    });

    // A loop in the membership data (the API refuses to make one) neither hangs nor fails evaluation.
    await t.database.db.insertInto('admin_group_members').values({ group_id: g1, member_admin_id: null, member_group_id: g2 }).execute();
    expect((await effective(dev, alice)).read).toEqual({ allowed: true, reason: { kind: 'inherited', node: folder(top), groupId: g2 } });
    await t.database.db.deleteFrom('admin_group_members').where('group_id', '=', g1).where('member_group_id', '=', g2).execute();

    // Leaving a group takes its rights away at once.
    expect((await t.api('DELETE', `/api/v1/admin-groups/${g1}/members/admin/${alice}`)).status).toBe(200);
    expect((await effective(dev, alice)).read.allowed).toBe(false);
    expect((await t.api('POST', `/api/v1/admin-groups/${g1}/members`, { members: [{ type: 'admin', id: alice }] })).status).toBe(200);
    for (const u of [dev, topUrl, `/api/v1/device-folders/${office}`, `/api/v1/profile-folders/${profileFolder}`]) await put(u, []);
  });

  it('lets an administrator see a list with read or accessControl and change it only with accessControl', async () => {
    const folder = (await t.api('POST', '/api/v1/device-folders', { name: 'Guarded' })).body.id as number;
    const dev = (await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0102', folderId: folder })).body.id as number;
    const fUrl = `/api/v1/device-folders/${folder}`;
    const dUrl = `/api/v1/devices/${dev}`;
    const grant = [{ principal: { type: 'admin', id: bob }, rights: { read: 'allow' } }];
    const asAlice = (method: string, url: string, body?: unknown) => as(aliceToken, method, url, body);

    for (const r of [
      await asAlice('GET', `${dUrl}/access`),
      await asAlice('PUT', `${dUrl}/access`, { entries: grant }),
      await asAlice('GET', `${dUrl}/access/effective?adminId=${alice}`),
    ]) {
      // Nothing on the device, not even Browse: it does not exist for her.
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe(ErrorCode.DeviceNotFound);
    }
    // Read on the folder (through nested g2): she may look, not change.
    await put(fUrl, [{ principal: { type: 'group', id: g2 }, rights: { read: 'allow' } }]);
    expect((await asAlice('GET', `${dUrl}/access`)).status).toBe(200);
    expect((await asAlice('GET', `${dUrl}/access/effective?adminId=${bob}`)).status).toBe(200);
    expect((await asAlice('PUT', `${dUrl}/access`, { entries: grant })).status).toBe(403);
    expect(await rows()).toHaveLength(1);

    // accessControl on the folder lets her change the device's list.
    await put(fUrl, [{ principal: { type: 'admin', id: alice }, rights: { accessControl: 'allow' } }]);
    const changed = await asAlice('PUT', `${dUrl}/access`, { entries: grant });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await t.api('GET', `${dUrl}/access`)).body).toEqual({ entries: grant });
    // A group's deny on the device wins over her allow on the folder.
    await put(dUrl, [{ principal: { type: 'group', id: g1 }, rights: { accessControl: 'deny' } }]);
    // … and with it the only right she had there: the device is now hidden from her.
    expect((await asAlice('PUT', `${dUrl}/access`, { entries: [] })).status).toBe(404);
    expect((await t.api('GET', `${dUrl}/access`)).body.entries).toHaveLength(1);
    expect((await t.api('DELETE', dUrl)).status).toBe(204);
    expect((await put(fUrl, [])).status).toBe(200);
  });

  it('deletes the entries of a deleted object, administrator or group; tells the other servers after a change', async () => {
    const carol = (await t.api('POST', '/api/v1/admins', { username: 'carol', password: PW, superuser: false })).body.id as number;
    const g3 = (await t.api('POST', '/api/v1/admin-groups', { name: 'g3' })).body.id as number;
    const folder = (await t.api('POST', '/api/v1/device-folders', { name: 'Doomed' })).body.id as number;
    const dev = (await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0103' })).body.id as number;
    const pf = (await t.api('POST', '/api/v1/profile-folders', { name: 'Doomed' })).body.id as number;
    const prof = (await t.api('POST', '/api/v1/profiles', { name: 'Doomed', type: 'standard' })).body.id as number;
    const list = [
      { principal: { type: 'admin', id: carol }, rights: { read: 'allow' } },
      { principal: { type: 'admin', id: bob }, rights: { read: 'allow' } },
      { principal: { type: 'group', id: g3 }, rights: { write: 'deny' } },
    ];
    const publish = vi.spyOn(t.bus, 'publish');
    const urls = [
      `/api/v1/device-folders/${folder}`,
      `/api/v1/devices/${dev}`,
      `/api/v1/profile-folders/${pf}`,
      `/api/v1/profiles/${prof}`,
    ];
    for (const u of urls) expect((await put(u, list)).status).toBe(200);
    expect(publish).toHaveBeenCalledWith({ t: 'access', objectType: 'device', ids: [dev] });
    expect(publish).toHaveBeenCalledWith({ t: 'access', objectType: 'profile-folder', ids: [pf] });
    publish.mockClear();
    expect((await put(urls[1]!, [{ principal: { type: 'admin', id: 999_999 }, rights: {} }])).status).toBe(404);
    expect(publish).not.toHaveBeenCalledWith(expect.objectContaining({ t: 'access' }));
    publish.mockRestore();
    expect(await rows()).toHaveLength(12);

    expect((await t.api('DELETE', `/api/v1/admins/${carol}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/v1/admin-groups/${g3}`)).status).toBe(204);
    expect((await rows()).map((r) => `${r.principal_type}:${Number(r.principal_id)}`)).toEqual(Array(4).fill(`admin:${bob}`));
    expect((await t.api('GET', `${urls[0]}/access`)).body).toEqual({ entries: [list[1]] });

    for (const u of urls) expect((await t.api('DELETE', u)).status, u).toBe(204);
    expect(await rows()).toEqual([]);
  });

  it('migration: the table refuses a principal twice on one object and a right both allowed and denied; indexed by principal', async () => {
    const indexQuery =
      dialect === 'postgres'
        ? sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'access_entries'`
        : sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'access_entries'`;
    expect((await indexQuery.execute(t.database.db)).rows.map((r) => r.name)).toContain('access_entries_principal');
    const row = {
      object_type: 'device',
      object_id: device,
      principal_type: 'admin' as const,
      principal_id: bob,
      allow_mask: 1,
      deny_mask: 0,
    };
    await t.database.db.insertInto('access_entries').values(row).execute();
    await expect(t.database.db.insertInto('access_entries').values(row).execute()).rejects.toThrow();
    await expect(
      t.database.db
        .insertInto('access_entries')
        .values({ ...row, principal_id: alice, allow_mask: 3, deny_mask: 2 })
        .execute(),
    ).rejects.toThrow();
    await t.database.db.deleteFrom('access_entries').execute();
  });
});
