import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { setDeviceFields } from '../helpers/presence.js';

/** GET /api/v1/search (issue 12 item 4, ADR 0008): text and regex, grouped, limited, access-filtered. */

type Json = any;
const PW = 'a long enough password 1';

describe.each(DIALECTS)('quick search (%s)', (dialect) => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  let ann: string;
  let nobody: string;

  const search = (qs: string, token?: string) =>
    t.app
      .inject({ method: 'GET', url: `/api/v1/search?${qs}`, headers: { authorization: `Bearer ${token ?? t.token}` } })
      .then((r) => ({ status: r.statusCode, body: r.json() as Json, text: r.body }));
  const names = (g: { items: Array<{ name: string }> } | undefined) => g?.items.map((i) => i.name);
  const found = async (qs: string, token?: string) => {
    const r = await search(qs, token);
    expect(r.status, r.text).toBe(200);
    return {
      devices: names(r.body.devices),
      deviceFolders: names(r.body.deviceFolders),
      profiles: names(r.body.profiles),
      profileFolders: names(r.body.profileFolders),
      views: names(r.body.views),
      viewFolders: names(r.body.viewFolders),
    };
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const ok = async (m: string, u: string, b?: unknown) => {
      const r = await t.api(m, u, b);
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return r.body;
    };
    ids.augsburg = (await ok('POST', '/api/v1/device-folders', { name: 'Augsburg Reception' })).id;
    ids.berlin = (await ok('POST', '/api/v1/device-folders', { name: 'Berlin Lab' })).id;
    ids.vault = (await ok('POST', '/api/v1/device-folders', { name: 'Vault' })).id;
    const devices: Array<[string, number, Record<string, unknown>]> = [
      ['Reception-01', ids.augsburg!, { serial_number: 'SN-ABC-123', serial_lc: 'sn-abc-123', last_ip: '10.1.2.3' }],
      ['reception-02', ids.augsburg!, { unit_id: 'UNIT-77' }],
      ['Lab-7', ids.berlin!, { last_ip: '10.2.0.1', online: 1 }],
      ['Kiosk', ids.berlin!, {}],
      ['Vault-Reception', ids.vault!, {}],
    ];
    let n = 1;
    for (const [name, folderId, fields] of devices) {
      const mac = `02AB000000${String(n++).padStart(2, '0')}`;
      ids[name] = (await ok('POST', '/api/v1/devices', { mac, name, folderId })).id;
      if (Object.keys(fields).length) await setDeviceFields(t.database.db, ids[name]!, fields);
    }
    for (let i = 0; i < 12; i++) await ok('POST', '/api/v1/devices', { mac: `02CC000000${String(i).padStart(2, '0')}`, name: `Bulk-${i}` });
    ids.pfRec = (await ok('POST', '/api/v1/profile-folders', { name: 'Reception profiles' })).id;
    ids.pfLab = (await ok('POST', '/api/v1/profile-folders', { name: 'Lab profiles' })).id;
    ids.profRec = (await ok('POST', '/api/v1/profiles', { name: 'Reception browser', type: 'standard', folderId: ids.pfRec })).id;
    ids.profLab = (await ok('POST', '/api/v1/profiles', { name: 'Lab kiosk', type: 'standard', folderId: ids.pfLab })).id;

    ids.vfRec = (await ok('POST', '/api/v1/view-folders', { name: 'Reception views' })).id;
    ids.vfLab = (await ok('POST', '/api/v1/view-folders', { name: 'Lab views' })).id;
    const criteria = { field: 'online', op: 'eq', value: false };
    ids.viewRec = (await ok('POST', '/api/v1/views', { name: 'Reception offline', folderId: ids.vfRec, criteria })).id;
    ids.viewLab = (await ok('POST', '/api/v1/views', { name: 'Lab offline', folderId: ids.vfLab, criteria })).id;

    const account = async (username: string) => {
      const id = (await ok('POST', '/api/v1/admins', { username, password: PW, superuser: false })).id as number;
      return { id, token: (await ok('POST', `/api/v1/admins/${id}/tokens`, { name: 'search' })).token as string };
    };
    const a = await account('ann');
    ann = a.token;
    nobody = (await account('nobody')).token;
    await ok('PUT', `/api/v1/device-folders/${ids.berlin}/access`, {
      entries: [{ principal: { type: 'admin', id: a.id }, rights: { browse: 'allow' } }],
    });
    await ok('PUT', `/api/v1/profile-folders/${ids.pfLab}/access`, {
      entries: [{ principal: { type: 'admin', id: a.id }, rights: { browse: 'allow' } }],
    });
    await ok('PUT', `/api/v1/view-folders/${ids.vfLab}/access`, {
      entries: [{ principal: { type: 'admin', id: a.id }, rights: { browse: 'allow' } }],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('finds names by case-insensitive substring, in every type, grouped', async () => {
    expect(await found('q=RECEPTION')).toEqual({
      devices: ['Reception-01', 'reception-02', 'Vault-Reception'],
      deviceFolders: ['Augsburg Reception'],
      profiles: ['Reception browser'],
      profileFolders: ['Reception profiles'],
      views: ['Reception offline'],
      viewFolders: ['Reception views'],
    });
    // A substring, not only a prefix.
    expect((await found('q=ception-0')).devices).toEqual(['Reception-01', 'reception-02']);
    expect(await found('q=lab')).toEqual({
      devices: ['Lab-7'],
      deviceFolders: ['Berlin Lab'],
      profiles: ['Lab kiosk'],
      profileFolders: ['Lab profiles'],
      views: ['Lab offline'],
      viewFolders: ['Lab views'],
    });
  });

  it('finds devices by serial number, last IP, unit id and MAC in any notation', async () => {
    const devices = async (q: string) => (await found(`types=devices&q=${encodeURIComponent(q)}`)).devices;
    expect(await devices('abc-12')).toEqual(['Reception-01']);
    expect(await devices('10.1.2')).toEqual(['Reception-01']);
    expect(await devices('nit-7')).toEqual(['reception-02']);
    expect(await devices('ab:00:00:00:03')).toEqual(['Lab-7']);
    expect(await devices('ab-00-00-00-04')).toEqual(['Kiosk']);
  });

  it('answers only the groups asked for, with the documented item shapes', async () => {
    const r = await search('q=lab&types=devices,profiles');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['devices', 'profiles']);
    expect(r.body.devices).toEqual({
      items: [
        {
          id: ids['Lab-7'],
          name: 'Lab-7',
          folderId: ids.berlin,
          mac: '02AB00000003',
          unitId: null,
          lastIp: '10.2.0.1',
          serialNumber: null,
          online: true,
        },
      ],
      more: false,
    });
    expect(r.body.profiles.items).toEqual([{ id: ids.profLab, name: 'Lab kiosk', folderId: ids.pfLab, type: 'standard' }]);
    const v = await search('q=lab&types=views,view-folders');
    expect(v.body).toEqual({
      views: { items: [{ id: ids.viewLab, name: 'Lab offline', folderId: ids.vfLab }], more: false },
      viewFolders: { items: [{ id: ids.vfLab, name: 'Lab views', parentId: null }], more: false },
    });
    const f = await search('q=lab&types=device-folders,profile-folders');
    expect(f.body).toEqual({
      deviceFolders: { items: [{ id: ids.berlin, name: 'Berlin Lab', parentId: null }], more: false },
      profileFolders: { items: [{ id: ids.pfLab, name: 'Lab profiles', parentId: null }], more: false },
    });
  });

  it('matches regular expressions case-insensitively, as view criteria do', async () => {
    expect(await found('regex=true&q=' + encodeURIComponent('^rec.*-0[12]$'))).toEqual({
      devices: ['Reception-01', 'reception-02'],
      deviceFolders: [],
      profiles: [],
      profileFolders: [],
      views: [],
      viewFolders: [],
    });
    expect(await found('regex=true&types=views,view-folders&q=' + encodeURIComponent('(offline|views)$'))).toMatchObject({
      views: ['Lab offline', 'Reception offline'],
      viewFolders: ['Lab views', 'Reception views'],
    });
    expect(await found('regex=true&q=' + encodeURIComponent('^(augsburg|berlin) '))).toMatchObject({
      deviceFolders: ['Augsburg Reception', 'Berlin Lab'],
    });
    expect(await found('regex=true&q=' + encodeURIComponent('(kiosk|browser)$'))).toMatchObject({
      devices: ['Kiosk'],
      profiles: ['Lab kiosk', 'Reception browser'],
    });
    // Other device columns: serial, IP, unit id, MAC (12 hex digits).
    const devices = async (q: string) => (await found(`types=devices&regex=true&q=${encodeURIComponent(q)}`)).devices;
    expect(await devices('^sn-[a-z]{3}')).toEqual(['Reception-01']);
    expect(await devices('^10\\.2\\.')).toEqual(['Lab-7']);
    expect(await devices('^unit-\\d+$')).toEqual(['reception-02']);
    expect(await devices('^02ab0{6}0[45]$')).toEqual(['Kiosk', 'Vault-Reception']);
  });

  it('limits each group (default 10, at most 50) and says when there is more', async () => {
    const r = await search('q=bulk&types=devices');
    expect(r.body.devices.items).toHaveLength(10);
    expect(r.body.devices.more).toBe(true);
    const all = await search('q=bulk&types=devices&limit=12');
    expect(all.body.devices.items).toHaveLength(12);
    expect(all.body.devices.more).toBe(false);
    const two = await search('q=bulk-1&types=devices&limit=2');
    expect(two.body.devices).toMatchObject({ items: [{ name: 'Bulk-1' }, { name: 'Bulk-10' }], more: true });
    const regex = await search('q=^bulk&regex=true&types=devices&limit=11');
    expect(regex.body.devices.items).toHaveLength(11);
    expect(regex.body.devices.more).toBe(true);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const refused = async (qs: string, field: string, text?: RegExp) => {
      const r = await search(qs);
      expect(r.status, `${qs}: ${r.text}`).toBe(400);
      expect(r.body.error.code).toBe(ErrorCode.ValidationFailed);
      // Schema failures name it as every route's do (`querystring.limit`); the pattern check as `query.q`.
      expect(r.body.error.details.issues[0].field, qs).toBe(field);
      if (text) expect(r.body.error.message).toMatch(text);
    };
    await refused('regex=true&q=' + encodeURIComponent('^(a+)+$'), 'query.q', /nested quantifiers/);
    await refused('regex=true&q=' + encodeURIComponent('(a)\\1'), 'query.q', /backreferences/);
    await refused('regex=true&q=' + encodeURIComponent('(?=a)'), 'query.q', /lookarounds/);
    await refused('regex=true&q=' + encodeURIComponent('a{99}'), 'query.q');
    await refused(`regex=true&q=${'a'.repeat(257)}`, 'querystring.q');
    await refused(`q=${'a'.repeat(129)}`, 'query.q', /128/);
    await refused('q=%20%20', 'query.q');
    await refused('q=a&types=devices,dashboards', 'querystring.types');
    await refused('q=a&types=', 'querystring.types');
    await refused('q=a&limit=51', 'querystring.limit');
    await refused('q=a&limit=0', 'querystring.limit');
    await refused('types=devices', 'querystring.q');
    // A long regex within the limit is fine.
    expect((await search(`regex=true&q=${'a'.repeat(256)}`)).status).toBe(200);
  });

  it('shows a restricted administrator only what it may browse, and one without rights nothing', async () => {
    // 'b' is also in Bulk-…, Reception browser, Augsburg Reception (none of them hers); Kiosk's MAC has a B.
    expect(await found('q=b', ann)).toEqual({
      devices: ['Kiosk', 'Lab-7'],
      deviceFolders: ['Berlin Lab'],
      profiles: ['Lab kiosk'],
      profileFolders: ['Lab profiles'],
      views: ['Lab offline'],
      viewFolders: ['Lab views'],
    });
    expect(await found('q=reception', ann)).toEqual({
      devices: [],
      deviceFolders: [],
      profiles: [],
      profileFolders: [],
      views: [],
      viewFolders: [],
    });
    expect(await found('regex=true&q=.', ann)).toMatchObject({ devices: ['Kiosk', 'Lab-7'], deviceFolders: ['Berlin Lab'] });
    const none = await search('q=e', nobody);
    expect(none.status).toBe(200);
    expect(none.body).toEqual({
      devices: { items: [], more: false },
      deviceFolders: { items: [], more: false },
      profiles: { items: [], more: false },
      profileFolders: { items: [], more: false },
      views: { items: [], more: false },
      viewFolders: { items: [], more: false },
    });
    const regex = await search('regex=true&q=.&limit=50', nobody);
    expect(regex.text).not.toMatch(/Reception|Vault|Bulk|Lab|offline/);
  });
});
