import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { ViewsService } from '../../src/modules/views/views.service.js';
import { setDeviceFields } from '../helpers/presence.js';

/** POST /api/v1/views/evaluate (issue 12 item 1): criteria evaluated in the database, access-filtered. */

type Json = any;
const DAY = 86_400_000;
const PW = 'a long enough password 1';

describe.each(DIALECTS)('views: evaluate criteria (%s)', (dialect) => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  let ann: string;

  const evaluate = (criteria: unknown, extra: Record<string, unknown> = {}, token?: string) =>
    t.app
      .inject({
        method: 'POST',
        url: '/api/v1/views/evaluate',
        headers: { authorization: `Bearer ${token ?? t.token}` },
        payload: { criteria, ...extra },
      })
      .then((r) => ({ status: r.statusCode, body: r.json() as Json }));
  const names = async (criteria: unknown, token?: string) => {
    const r = await evaluate(criteria, { sort: 'name' }, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.count).toBe(r.body.items.length);
    return r.body.items.map((d: Json) => d.name);
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const ok = async (m: string, u: string, b?: unknown) => {
      const r = await t.api(m, u, b);
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return r.body;
    };
    ids.augsburg = (await ok('POST', '/api/v1/device-folders', { name: 'Augsburg' })).id;
    ids.floor1 = (await ok('POST', '/api/v1/device-folders', { name: 'Floor 1', parentId: ids.augsburg })).id;
    ids.berlin = (await ok('POST', '/api/v1/device-folders', { name: 'Berlin' })).id;
    const now = t.clock.now();
    const devices: Array<[string, number, Record<string, unknown>]> = [
      ['Reception-01', ids.augsburg!, { site: 'Augsburg', version: '11.10.100', last_ip: '10.1.2.3', last_contact: now - DAY / 2 }],
      ['reception-02', ids.floor1!, { site: 'augsburg', version: '11.9.0', last_ip: '10.1.200.7', last_contact: now - 3 * DAY }],
      ['Lab-7', ids.berlin!, { site: 'Berlin', version: '12.3.1', last_ip: '10.2.0.1', last_contact: 0, online: 1 }],
      ['Kiosk', ids.berlin!, { site: null, version: '12.3', last_ip: 'fe80::1', last_contact: now - 10 * DAY }],
    ];
    let n = 1;
    for (const [name, folderId, fields] of devices) {
      const mac = `02AB000000${String(n++).padStart(2, '0')}`;
      const id = (await ok('POST', '/api/v1/devices', { mac, name, folderId })).id as number;
      await setDeviceFields(t.database.db, id, fields);
      ids[name] = id;
    }
    const annId = (await ok('POST', '/api/v1/admins', { username: 'ann', password: PW, superuser: false })).id;
    ann = (await ok('POST', `/api/v1/admins/${annId}/tokens`, { name: 'views' })).token;
    await ok('PUT', `/api/v1/device-folders/${ids.berlin}/access`, {
      entries: [{ principal: { type: 'admin', id: annId }, rights: { browse: 'allow' } }],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('evaluates text, version, IP, relative date and folder criteria in nested groups', async () => {
    expect(await names({ field: 'site', op: 'eq', value: 'AUGSBURG' })).toEqual(['Reception-01', 'reception-02']);
    expect(await names({ field: 'site', op: 'eq', value: 'augsburg', caseSensitive: true })).toEqual(['reception-02']);
    expect(await names({ field: 'name', op: 'regex', value: '^rec.*-0[12]$' })).toEqual(['Reception-01', 'reception-02']);
    expect(await names({ field: 'name', op: 'regex', value: '^rec', caseSensitive: true })).toEqual(['reception-02']);
    expect(await names({ field: 'version', op: 'gt', value: '11.9.0' })).toEqual(['Kiosk', 'Lab-7', 'Reception-01']);
    expect(await names({ field: 'version', op: 'between', value: ['11.10', '12.3'] })).toEqual(['Kiosk', 'Reception-01']);
    expect(await names({ field: 'lastIp', op: 'inCidr', value: '10.1.0.0/16' })).toEqual(['Reception-01', 'reception-02']);
    expect(await names({ field: 'lastIp', op: 'inCidr', value: '10.1.128.0/255.255.128.0' })).toEqual(['reception-02']);
    expect(await names({ field: 'lastContact', op: 'withinLastDays', value: 2 })).toEqual(['Reception-01']);
    expect(await names({ field: 'lastContact', op: 'moreThanDaysAgo', value: 2 })).toEqual(['Kiosk', 'reception-02']);
    expect(await names({ field: 'lastContact', op: 'betweenDaysAgo', value: [2, 5] })).toEqual(['reception-02']);
    expect(await names({ field: 'lastContact', op: 'isEmpty' })).toEqual(['Lab-7']);
    expect(await names({ field: 'site', op: 'isEmpty' })).toEqual(['Kiosk']);
    expect(await names({ field: 'site', op: 'ne', value: 'augsburg' })).toEqual(['Kiosk', 'Lab-7']);
    expect(await names({ field: 'online', op: 'eq', value: true })).toEqual(['Lab-7']);
    expect(await names({ field: 'folderId', op: 'inFolder', value: { id: ids.augsburg, recursive: true } })).toEqual([
      'Reception-01',
      'reception-02',
    ]);
    expect(await names({ field: 'folderId', op: 'inFolder', value: { id: ids.augsburg } })).toEqual(['Reception-01']);
    expect(await names({ field: 'mac', op: 'startsWith', value: '02:ab:00' })).toHaveLength(4);
    // "Lost devices": no contact for more than 2 days or never, version older than 12.3, not in Berlin.
    const lost = {
      and: [
        {
          or: [
            { field: 'lastContact', op: 'moreThanDaysAgo', value: 2 },
            { field: 'lastContact', op: 'isEmpty' },
          ],
        },
        { field: 'version', op: 'lt', value: '12.3' },
        { not: { field: 'folderId', op: 'inFolder', value: { id: ids.berlin, recursive: true } } },
      ],
    };
    expect(await names(lost)).toEqual(['reception-02']);
  });

  it('pages with a cursor and counts every match', async () => {
    const criteria = { field: 'name', op: 'regex', value: '.' };
    const first = await evaluate(criteria, { limit: 2, sort: '-name' });
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(4);
    expect(first.body.items.map((d: Json) => d.name)).toEqual(['reception-02', 'Reception-01']);
    const second = await evaluate(criteria, { limit: 2, sort: '-name', cursor: first.body.nextCursor });
    expect(second.body.items.map((d: Json) => d.name)).toEqual(['Lab-7', 'Kiosk']);
    expect(second.body.nextCursor).toBeNull();
    expect((await evaluate(criteria, { cursor: first.body.nextCursor })).body.error.code).toBe(ErrorCode.InvalidCursor);
  });

  it('shows a restricted administrator only the devices it may browse, in the items and the count', async () => {
    const r = await evaluate({ field: 'name', op: 'regex', value: '.' }, { sort: 'name' }, ann);
    expect(r.status).toBe(200);
    expect(r.body.count).toBe(2);
    expect(r.body.items.map((d: Json) => d.name)).toEqual(['Kiosk', 'Lab-7']);
    expect((await evaluate({ field: 'site', op: 'eq', value: 'augsburg' }, {}, ann)).body).toMatchObject({ count: 0, items: [] });
  });

  it('refuses bad criteria with 400 VIEW_CRITERIA_INVALID naming the path', async () => {
    const refused = async (criteria: unknown, field: string, message: RegExp) => {
      const r = await evaluate(criteria);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.code).toBe(ErrorCode.ViewCriteriaInvalid);
      expect(r.body.error.details.field).toBe(field);
      expect(r.body.error.message).toMatch(message);
    };
    await refused({ and: [{ field: 'name', op: 'regex', value: 'a(b' }] }, 'body.criteria.and.0.value', /not closed/);
    await refused({ and: [{ field: 'name', op: 'regex', value: '[z-a]' }] }, 'body.criteria.and.0.value', /reversed/);
    await refused({ field: 'name', op: 'regex', value: '\\1' }, 'body.criteria.value', /backreferences/);
    await refused({ or: [{ field: 'nmae', op: 'eq', value: 'x' }] }, 'body.criteria.or.0.field', /unknown field 'nmae'/);
    await refused(
      {
        and: [
          { field: 'name', op: 'eq', value: 'x' },
          { field: 'lastContact', op: 'withinLastDays', value: 'two' },
        ],
      },
      'body.criteria.and.1.value',
      /must be a whole number of days/,
    );
    await refused({ field: 'online', op: 'eq', value: 'yes' }, 'body.criteria.value', /must be true or false/);
    await refused({ field: 'lastContact', op: 'contains', value: 'x' }, 'body.criteria.op', /does not apply to lastContact/);
    await refused({ field: 'lastIp', op: 'inCidr', value: '10.1.0.0/33' }, 'body.criteria.value', /IPv4 network/);
    await refused({ field: 'name', op: 'eq', value: 'x', extra: 1 }, 'body.criteria.extra', /unknown field 'extra'/);
    await refused({ and: [], or: [] }, 'body.criteria', /exactly one of/);
    let deep: unknown = { field: 'name', op: 'eq', value: 'x' };
    for (let i = 0; i < 11; i++) deep = { not: deep };
    await refused(deep, `body.criteria${'.not'.repeat(10)}`, /deeper than 10 levels/);
    const many = { or: Array.from({ length: 101 }, () => ({ field: 'name', op: 'eq', value: 'x' })) };
    await refused(many, 'body.criteria', /more than 100 criteria/);
  });

  it('refuses a regular expression built to backtrack forever at once, and bounds every evaluation', async () => {
    const started = Date.now();
    const r = await evaluate({ field: 'comment', op: 'regex', value: '^(a+)+$' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/nested quantifiers can backtrack catastrophically/);
    // Quantified alternatives and many adjacent quantifiers run in linear time.
    await t.database.db
      .updateTable('devices')
      .set({ comment: `${'a'.repeat(4000)}!` })
      .where('id', '=', ids.Kiosk!)
      .execute();
    const t0 = Date.now();
    const slow = await evaluate({ field: 'comment', op: 'regex', value: '^(a|aa)*.*.*.*.*.*b$' });
    expect(slow.status).toBe(200);
    expect(slow.body.count).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  // Last: it adds 20,000 devices.
  it('stops an evaluation past its time limit with 422 VIEW_TIMEOUT (statement_timeout; the regexp deadline on SQLite)', async () => {
    const batch = dialect === 'sqlite' ? 25 : 1000;
    for (let b = 0; b < 20_000; b += batch) {
      const rows = Array.from({ length: batch }, (_, i) =>
        newDeviceRow({ mac: `0A${(b + i).toString(16).toUpperCase().padStart(10, '0')}`, name: `bulk-${b + i}`, folderId: null, now: 1 }),
      );
      await t.database.db.insertInto('devices').values(rows).execute();
    }
    const views = new ViewsService(t.database.db, dialect, t.clock, 1);
    const criteria = { field: 'name', op: 'regex', value: '^bulk-.*9$' } as const;
    await expect(views.evaluateView({ criteria }, null)).rejects.toMatchObject({ code: ErrorCode.ViewTimeout, status: 422 });
    // The same criteria within the route's limit.
    expect((await evaluate(criteria, { limit: 1 })).body.count).toBe(2000);
  }, 60_000);
});
