import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Criteria on device attributes, assigned profiles, pending configuration and the structure tag
 * (issue 12 item 1), through POST /api/v1/views/evaluate and saved views. Every field is shown to
 * filter: each expectation names a proper, non-empty subset of the devices.
 */

type Json = any;
const DAY = 86_400_000;

describe.each(DIALECTS)('views: criteria on attributes, profiles, pending changes, structure tag (%s)', (dialect) => {
  let t: TestApp;
  const ids: Record<string, number> = {};

  const evaluate = (criteria: unknown) =>
    t.app
      .inject({
        method: 'POST',
        url: '/api/v1/views/evaluate',
        headers: { authorization: `Bearer ${t.token}` },
        payload: { criteria, sort: 'name' },
      })
      .then((r) => ({ status: r.statusCode, body: r.json() as Json }));
  const names = async (criteria: unknown) => {
    const r = await evaluate(criteria);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.count).toBe(r.body.items.length);
    return r.body.items.map((d: Json) => d.name);
  };
  const ok = async (m: string, u: string, b?: unknown) => {
    const r = await t.api(m, u, b);
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body;
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    ids.site = (await ok('POST', '/api/v1/device-folders', { name: 'Site' })).id;
    ids.floor = (await ok('POST', '/api/v1/device-folders', { name: 'Floor', parentId: ids.site })).id;
    ids.other = (await ok('POST', '/api/v1/device-folders', { name: 'Other' })).id;
    const devices: Array<[string, number]> = [
      ['A', ids.site!],
      ['B', ids.floor!],
      ['C', ids.other!],
      ['D', ids.other!],
    ];
    let n = 1;
    for (const [name, folderId] of devices) {
      const mac = `02CD000000${String(n++).padStart(2, '0')}`;
      ids[name] = (await ok('POST', '/api/v1/devices', { mac, name, folderId })).id as number;
    }
    for (const [identifier, type, range] of [
      ['location', 'string', undefined],
      ['seats', 'number', undefined],
      ['installed', 'date', undefined],
      ['tier', 'range', ['gold', 'silver']],
    ] as const) {
      await ok('POST', '/api/v1/device-attributes', { identifier, name: identifier, type, ...(range ? { range } : {}) });
    }
    const today = new Date(t.clock.now()).toISOString().slice(0, 10);
    const daysAgo = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) - n * DAY).toISOString().slice(0, 10);
    await ok('PUT', `/api/v1/devices/${ids.A}/attributes`, {
      values: { location: 'Augsburg Hall', seats: '12', installed: daysAgo(1), tier: 'gold' },
    });
    await ok('PUT', `/api/v1/devices/${ids.B}/attributes`, { values: { location: 'augsburg', seats: '3.5', installed: daysAgo(30) } });
    await ok('PUT', `/api/v1/devices/${ids.C}/attributes`, { values: { location: 'Berlin', seats: '100', tier: 'silver' } });
    // Profiles: p1 on folder Site (reaches A and B below it), p2 on device C; D has none.
    ids.p1 = (await ok('POST', '/api/v1/profiles', { name: 'p1', type: 'standard' })).id;
    ids.p2 = (await ok('POST', '/api/v1/profiles', { name: 'p2', type: 'standard' })).id;
    await ok('POST', `/api/v1/profiles/${ids.p1}/assignments`, { targets: [{ type: 'folder', id: ids.site }] });
    await ok('POST', `/api/v1/profiles/${ids.p2}/assignments`, { targets: [{ type: 'device', id: ids.C }] });
    // Delivery state and structure tags as devices report them.
    const set = (name: string, fields: Record<string, unknown>) =>
      t.database.db.updateTable('devices').set(fields).where('id', '=', ids[name]!).execute();
    await set('A', { config_state: 'PENDING', structure_tag: 'augsburg/floor1' });
    await set('B', { config_state: 'APPLIED', structure_tag: 'Augsburg/floor2' });
    await set('C', { config_state: 'PENDING', structure_tag: null });
    await set('D', { config_state: null, structure_tag: 'berlin' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('filters by string, number, date and range attributes', async () => {
    expect(await names({ field: 'attribute:location', op: 'startsWith', value: 'AUGSBURG' })).toEqual(['A', 'B']);
    expect(await names({ field: 'attribute:location', op: 'eq', value: 'augsburg', caseSensitive: true })).toEqual(['B']);
    expect(await names({ field: 'attribute:location', op: 'regex', value: 'hall$' })).toEqual(['A']);
    expect(await names({ field: 'attribute:location', op: 'ne', value: 'berlin' })).toEqual(['A', 'B', 'D']);
    expect(await names({ field: 'attribute:location', op: 'isEmpty' })).toEqual(['D']);
    // Numbers compare as numbers ("100" > "12" > "3.5"), not as text.
    expect(await names({ field: 'attribute:seats', op: 'gt', value: 10 })).toEqual(['A', 'C']);
    expect(await names({ field: 'attribute:seats', op: 'between', value: [3, 12] })).toEqual(['A', 'B']);
    expect(await names({ field: 'attribute:seats', op: 'eq', value: 3.5 })).toEqual(['B']);
    expect(await names({ field: 'attribute:installed', op: 'withinLastDays', value: 7 })).toEqual(['A']);
    expect(await names({ field: 'attribute:installed', op: 'moreThanDaysAgo', value: 7 })).toEqual(['B']);
    expect(await names({ field: 'attribute:installed', op: 'isEmpty', value: false })).toEqual(['A', 'B']);
    expect(await names({ field: 'attribute:tier', op: 'eq', value: 'silver' })).toEqual(['C']);
    expect(await names({ field: 'attribute:tier', op: 'ne', value: 'silver' })).toEqual(['A', 'B', 'D']);
  });

  it('filters by assigned profile, directly or through any folder above the device', async () => {
    expect(await names({ field: 'profile', op: 'eq', value: ids.p1 })).toEqual(['A', 'B']);
    expect(await names({ field: 'profile', op: 'eq', value: ids.p2 })).toEqual(['C']);
    expect(await names({ field: 'profile', op: 'ne', value: ids.p1 })).toEqual(['C', 'D']);
    expect(await names({ field: 'profile', op: 'isEmpty' })).toEqual(['D']);
    expect(await names({ field: 'profile', op: 'isEmpty', value: false })).toEqual(['A', 'B', 'C']);
    expect(await names({ field: 'profile', op: 'eq', value: 999_999 })).toEqual([]);
  });

  it('filters by pending configuration changes and by structure tag', async () => {
    expect(await names({ field: 'configChanges', op: 'eq', value: true })).toEqual(['A', 'C']);
    expect(await names({ field: 'configChanges', op: 'eq', value: false })).toEqual(['B', 'D']);
    expect(await names({ field: 'configChanges', op: 'ne', value: true })).toEqual(['B', 'D']);
    expect(await names({ field: 'structureTag', op: 'startsWith', value: 'augsburg/' })).toEqual(['A', 'B']);
    expect(await names({ field: 'structureTag', op: 'eq', value: 'berlin' })).toEqual(['D']);
    expect(await names({ field: 'structureTag', op: 'isEmpty' })).toEqual(['C']);
    const r = await evaluate({ field: 'structureTag', op: 'eq', value: 'berlin' });
    expect(r.body.items[0].structureTag).toBe('berlin');
    // Combined: pending changes in the Site folder's profile, tagged for Augsburg.
    const combined = {
      and: [
        { field: 'profile', op: 'eq', value: ids.p1 },
        { field: 'configChanges', op: 'eq', value: true },
        { field: 'structureTag', op: 'contains', value: 'augsburg' },
        { not: { field: 'attribute:seats', op: 'lt', value: 5 } },
      ],
    };
    expect(await names(combined)).toEqual(['A']);
  });

  it('refuses unknown attributes and values of the wrong type with 400 naming the field; nothing saved', async () => {
    const bad: Array<[unknown, string, RegExp]> = [
      [{ field: 'attribute:nope', op: 'eq', value: 'x' }, 'body.criteria.field', /unknown device attribute 'nope'/],
      [{ and: [{ field: 'attribute:seats', op: 'gt', value: '10' }] }, 'body.criteria.and.0.value', /must be a number/],
      [{ field: 'attribute:seats', op: 'contains', value: '1' }, 'body.criteria.op', /does not apply to attribute:seats \(number\)/],
      [{ field: 'attribute:tier', op: 'eq', value: 'bronze' }, 'body.criteria.value', /one of the values of tier: 'gold', 'silver'/],
      [{ field: 'attribute:installed', op: 'lt', value: 'yesterday' }, 'body.criteria.value', /ISO 8601/],
      [{ field: 'attribute:tier', op: 'eq', value: 'gold', caseSensitive: true }, 'body.criteria.caseSensitive', /only to text fields/],
      [{ field: 'profile', op: 'eq', value: 'p1' }, 'body.criteria.value', /profile id/],
      [{ field: 'profile', op: 'contains', value: 1 }, 'body.criteria.op', /does not apply to profile/],
      [{ field: 'configChanges', op: 'eq', value: 'PENDING' }, 'body.criteria.value', /true or false/],
    ];
    for (const [criteria, field, message] of bad) {
      const r = await evaluate(criteria);
      expect(r.status, JSON.stringify(criteria)).toBe(400);
      expect(r.body.error.code).toBe(ErrorCode.ViewCriteriaInvalid);
      expect(r.body.error.details.field).toBe(field);
      expect(r.body.error.message).toMatch(message);
      const saved = await t.api('POST', '/api/v1/views', { name: 'bad', criteria });
      expect(saved.status).toBe(400);
      expect(saved.body.error.details.field).toBe(field);
    }
    expect((await t.api('GET', '/api/v1/views')).body.items).toHaveLength(0);
  });

  it('evaluates saved views with attributes; one whose attribute was deleted since answers 400 naming the field', async () => {
    await ok('POST', '/api/v1/device-attributes', { identifier: 'temp', name: 'temp', type: 'string' });
    await ok('PUT', `/api/v1/devices/${ids.D}/attributes`, { values: { temp: 'yes' } });
    const view = await ok('POST', '/api/v1/views', {
      name: 'temp',
      criteria: {
        or: [
          { field: 'attribute:temp', op: 'eq', value: 'YES' },
          { field: 'profile', op: 'eq', value: ids.p2 },
        ],
      },
    });
    const r = await t.api('GET', `/api/v1/views/${view.id}/devices?sort=name`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((d: Json) => d.name)).toEqual(['C', 'D']);
    // Export walks the same criteria in pages (attribute definitions read once for the walk).
    const exported = await t.app.inject({
      method: 'GET',
      url: `/api/v1/views/${view.id}/export?format=json&columns=name,structureTag,attribute:temp`,
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(exported.statusCode, exported.body).toBe(200);
    expect((exported.json() as Json).items).toEqual([
      { name: 'C', structureTag: null, 'attribute:temp': null },
      { name: 'D', structureTag: 'berlin', 'attribute:temp': 'yes' },
    ]);
    const attrs = (await ok('GET', '/api/v1/device-attributes')).items as Json[];
    await ok('DELETE', `/api/v1/device-attributes/${attrs.find((a) => a.identifier === 'temp').id}`);
    const gone = await t.api('GET', `/api/v1/views/${view.id}/devices`);
    expect(gone.status).toBe(400);
    expect(gone.body.error.details.field).toBe('body.criteria.or.0.field');
    expect(gone.body.error.message).toMatch(/does not exist/);
  });
});
