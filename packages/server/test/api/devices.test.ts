import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { setPresence } from '../helpers/presence.js';

const mac = (i: number) => `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

describe.each(DIALECTS)('devices (%s)', (dialect) => {
  let t: TestApp;
  let folderA: number;
  let folderB: number;
  let folderA1: number;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    folderA = (await t.api('POST', '/api/v1/device-folders', { name: 'A' })).body.id;
    folderB = (await t.api('POST', '/api/v1/device-folders', { name: 'B' })).body.id;
    folderA1 = (await t.api('POST', '/api/v1/device-folders', { name: 'A1', parentId: folderA })).body.id;
    // 250 devices: 100 in A, 50 in A/A1, 100 in B; names deliberately not in id order.
    for (let i = 0; i < 250; i++) {
      const folderId = i < 100 ? folderA : i < 150 ? folderA1 : folderB;
      const r = await t.api('POST', '/api/v1/devices', { mac: mac(i), name: `dev-${String((i * 37) % 250).padStart(3, '0')}`, folderId });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
  });
  afterAll(() => t.close());

  async function walk(query: string, limit: number) {
    const items: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await t.api('GET', `/api/v1/devices?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      items.push(...r.body.items);
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    return items;
  }

  it('pages through every device exactly once in name order', async () => {
    const items = await walk('sort=name', 40);
    const names = items.map((d) => d.name);
    expect(items.filter((d) => d.name.startsWith('dev-'))).toHaveLength(250);
    expect(new Set(items.map((d) => d.id)).size).toBe(items.length);
    expect(names).toEqual([...names].sort());
  });

  it('sorts descending and by id with stable cursors', async () => {
    const desc = await walk('sort=-name', 70);
    expect(desc.map((d) => d.name)).toEqual(
      desc
        .map((d) => d.name)
        .sort()
        .reverse(),
    );
    const byId = await walk('sort=-id', 33);
    const ids = byId.map((d) => d.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('filters by folder, recursively and at the root', async () => {
    expect(await walk(`folderId=${folderA}`, 1000)).toHaveLength(100);
    expect(await walk(`folderId=${folderA}&recursive=true`, 1000)).toHaveLength(150);
    expect(await walk(`folderId=${folderB}&recursive=false`, 1000)).toHaveLength(100);
    // A subtree in pages (sorted by ids first, rows second): every device once, in order, either way.
    for (const sort of ['name', '-name', 'id', '-mac']) {
      const paged = await walk(`folderId=${folderA}&recursive=true&sort=${sort}`, 40);
      expect(new Set(paged.map((d) => d.id)).size, sort).toBe(150);
      const key = (d: any) =>
        sort.endsWith('name') ? `${d.name}\u0000${String(d.id).padStart(9, '0')}` : sort.endsWith('mac') ? d.mac : d.id;
      const keys = paged.map(key);
      const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(keys, sort).toEqual(sort.startsWith('-') ? sorted.reverse() : sorted);
    }
    const prefixed = await walk(`folderId=${folderA}&recursive=true&q=dev-1&sort=name`, 7);
    expect(prefixed.length).toBeGreaterThan(0);
    expect(prefixed.every((d) => d.name.startsWith('dev-1') && [folderA, folderA1].includes(d.folderId))).toBe(true);
    const root = await t.api('GET', '/api/v1/devices?folderId=root');
    expect(root.body.items.every((d: any) => d.folderId === null)).toBe(true);
    const missing = await t.api('GET', '/api/v1/devices?folderId=987654');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('FOLDER_NOT_FOUND');
  });

  it('searches by name, MAC (any notation) and prefix only', async () => {
    const byName = await t.api('GET', '/api/v1/devices?q=DEV-00');
    expect(byName.body.items.map((d: any) => d.name).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `dev-00${i}`));
    const byMac = await t.api('GET', '/api/v1/devices?q=02-00-00-00-00-0');
    expect(byMac.body.items.length).toBe(16);
    expect(byMac.body.items.every((d: any) => d.mac.startsWith('020000000000') || d.mac.startsWith('02000000000'))).toBe(true);
    const infix = await t.api('GET', '/api/v1/devices?q=ev-00');
    expect(infix.body.items).toHaveLength(0);
    const inFolder = await t.api('GET', `/api/v1/devices?q=dev-&folderId=${folderA1}&limit=1000`);
    expect(inFolder.body.items).toHaveLength(50);
  });

  it('creates inventory records with the default name and refuses a duplicate MAC', async () => {
    const r = await t.api('POST', '/api/v1/devices', { mac: '00-e0-c5-12-34-56' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ mac: '00E0C5123456', name: 'ITC00E0C5123456', folderId: null, online: false, lastContact: null });
    const dup = await t.api('POST', '/api/v1/devices', { mac: '00:E0:C5:12:34:56', name: 'other' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'DUPLICATE_MAC', details: { field: 'mac' } });
  });

  it('edits inventory fields, renames, moves and deletes a device', async () => {
    const d = (await t.api('POST', '/api/v1/devices', { mac: '00:E0:C5:00:00:01', name: 'edit-me' })).body;
    const patched = await t.api('PATCH', `/api/v1/devices/${d.id}`, {
      name: 'Reception 1',
      site: 'HQ',
      department: 'Front desk',
      costCenter: '4711',
      comment: 'near the door',
      assetId: 'INV-1',
      inServiceDate: '2025-02-28',
      serialNumber: 'SN-ABC',
      folderId: folderB,
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'Reception 1',
      site: 'HQ',
      costCenter: '4711',
      inServiceDate: '2025-02-28',
      folderId: folderB,
    });
    expect((await t.api('GET', '/api/v1/devices?q=sn-abc')).body.items.map((x: any) => x.id)).toEqual([d.id]);
    expect((await t.api('GET', '/api/v1/devices?q=reception')).body.items.map((x: any) => x.id)).toEqual([d.id]);

    const moved = await t.api('POST', '/api/v1/devices/move', { deviceIds: [d.id], folderId: folderA1 });
    expect(moved.body).toEqual({ moved: 1 });
    expect((await t.api('GET', `/api/v1/devices/${d.id}`)).body.folderId).toBe(folderA1);

    const partlyMissing = await t.api('POST', '/api/v1/devices/move', { deviceIds: [d.id, 99999999], folderId: null });
    expect(partlyMissing.status).toBe(404);
    expect(partlyMissing.body.error.details.missing).toEqual([99999999]);
    expect((await t.api('GET', `/api/v1/devices/${d.id}`)).body.folderId).toBe(folderA1);

    expect((await t.api('DELETE', `/api/v1/devices/${d.id}`)).status).toBe(204);
    expect((await t.api('GET', `/api/v1/devices/${d.id}`)).body.error.code).toBe('DEVICE_NOT_FOUND');
    expect((await t.api('DELETE', `/api/v1/devices/${d.id}`)).status).toBe(404);
  });

  it('counts devices and online devices, and names the server holding each online device', async () => {
    const total = (await walk('sort=id', 1000)).length;
    expect((await t.api('GET', '/api/v1/devices/summary')).body).toEqual({ total, online: 0 });

    const db = t.database.db;
    // A second process of the cluster: a copy of this app's own registry row (`t.servers.id`) under another name.
    const own = await db.selectFrom('servers').selectAll().where('id', '=', t.servers.id).executeTakeFirstOrThrow();
    await db
      .insertInto('servers')
      .values({ ...own, id: 'other-host.1', host: 'ums-b.example.com', pid: 4242, worker: 1 })
      .execute();
    const [here, there, gone] = await Promise.all(
      ['held-here', 'held-there', 'gone-offline'].map(
        async (name, i) => (await t.api('POST', '/api/v1/devices', { mac: `00:E0:C5:00:01:0${i}`, name })).body,
      ),
    );
    expect(here.connectedServer).toBeNull();
    await setPresence(db, here.id, { online: 1, connected_server: t.servers.id });
    await setPresence(db, there.id, { online: 1, connected_server: 'other-host.1' });
    // Offline with a stale server id: offline devices are held by nobody.
    await setPresence(db, gone.id, { online: 0, connected_server: t.servers.id });

    const self = (await t.api('GET', '/api/v1/servers')).body.items.find((s: any) => s.self);
    expect((await t.api('GET', `/api/v1/devices/${here.id}`)).body.connectedServer).toEqual({
      id: t.servers.id,
      host: self.host,
      worker: self.worker,
    });
    expect((await t.api('GET', `/api/v1/devices/${there.id}`)).body.connectedServer).toEqual({
      id: 'other-host.1',
      host: 'ums-b.example.com',
      worker: 1,
    });
    expect((await t.api('GET', `/api/v1/devices/${gone.id}`)).body.connectedServer).toBeNull();
    const listed = (await t.api('GET', '/api/v1/devices?q=held-&sort=name')).body.items;
    expect(listed.map((d: any) => [d.name, d.connectedServer?.host ?? null])).toEqual([
      ['held-here', self.host],
      ['held-there', 'ums-b.example.com'],
    ]);
    expect((await t.api('GET', '/api/v1/devices?q=gone-offline')).body.items[0].connectedServer).toBeNull();

    expect((await t.api('GET', '/api/v1/devices/summary')).body).toEqual({ total: total + 3, online: 2 });
    await setPresence(db, [here.id, there.id], { online: 0, connected_server: null });
    await db.deleteFrom('servers').where('id', '=', 'other-host.1').execute();
  });

  it('rejects bad input with a code naming the field and changes nothing', async () => {
    const d = (await t.api('POST', '/api/v1/devices', { mac: '00:E0:C5:00:00:02', name: 'stable' })).body;
    const cases: Array<[string, string, unknown, string, string]> = [
      ['POST', '/api/v1/devices', { mac: 'not-a-mac' }, 'VALIDATION_FAILED', 'body.mac'],
      ['POST', '/api/v1/devices', { mac: '00:E0:C5:00:00:03', name: 5 }, 'VALIDATION_FAILED', 'body.name'],
      ['POST', '/api/v1/devices', { mac: '00:E0:C5:00:00:03', extra: true }, 'VALIDATION_FAILED', "unknown field 'extra'"],
      ['POST', '/api/v1/devices', { mac: '00:E0:C5:00:00:03', folderId: 424242 }, 'FOLDER_NOT_FOUND', 'Folder 424242'],
      ['PATCH', `/api/v1/devices/${d.id}`, { comment: 'x'.repeat(4001) }, 'VALIDATION_FAILED', 'body.comment'],
      ['PATCH', `/api/v1/devices/${d.id}`, { inServiceDate: '2025-02-30' }, 'VALIDATION_FAILED', 'inServiceDate'],
      ['PATCH', `/api/v1/devices/${d.id}`, { name: 'a'.repeat(129) }, 'VALIDATION_FAILED', 'body.name'],
      ['PATCH', `/api/v1/devices/${d.id}`, { mac: '00:E0:C5:00:00:09' }, 'VALIDATION_FAILED', "unknown field 'mac'"],
      ['GET', '/api/v1/devices?limit=1001', undefined, 'VALIDATION_FAILED', 'querystring.limit'],
      ['GET', '/api/v1/devices?sort=bogus', undefined, 'VALIDATION_FAILED', 'querystring.sort'],
      ['GET', '/api/v1/devices?cursor=garbage', undefined, 'INVALID_CURSOR', 'cursor'],
      ['GET', '/api/v1/devices/abc', undefined, 'VALIDATION_FAILED', 'params.id'],
    ];
    for (const [method, url, body, code, text] of cases) {
      const r = await t.api(method, url, body);
      expect(r.body?.error?.code, `${method} ${url} ${JSON.stringify(body)}`).toBe(code);
      expect(r.body.error.message).toContain(text);
    }
    // A cursor from one sort is refused by another.
    const page = await t.api('GET', '/api/v1/devices?sort=name&limit=1');
    const other = await t.api('GET', `/api/v1/devices?sort=id&cursor=${page.body.nextCursor}`);
    expect(other.body.error.code).toBe('INVALID_CURSOR');

    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      payload: '{"mac": "00:E0',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('INVALID_JSON');
    const textBody = await t.app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/plain' },
      payload: 'mac=1',
    });
    expect(textBody.statusCode).toBe(415);
    expect(textBody.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    expect((await t.api('GET', `/api/v1/devices/${d.id}`)).body).toMatchObject({ name: 'stable', comment: null, inServiceDate: null });
    expect((await t.api('GET', '/api/v1/devices?q=00e0c5000003')).body.items).toHaveLength(0);
  });
});
