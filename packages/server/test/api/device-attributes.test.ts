import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const PW = 'a long enough password 1';

describe.each(DIALECTS)('device attributes (%s)', (dialect) => {
  let t: TestApp;
  let folder: number, device: number, other: number;
  let carol: number, carolToken: string;
  const ids: Record<string, number> = {};

  const ok = <T extends { status: number; body: any }>(r: T): T => {
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r;
  };
  const as = async (token: string, method: string, url: string, body?: unknown) => {
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  const valuesOf = async (id: number) =>
    Object.fromEntries(
      (ok(await t.api('GET', `/api/v1/devices/${id}/attributes`)).body.items as Array<{ identifier: string; value: string | null }>).map(
        (i) => [i.identifier, i.value],
      ),
    );
  const valueRows = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('device_attribute_values')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    folder = ok(await t.api('POST', '/api/v1/device-folders', { name: 'Augsburg' })).body.id;
    device = ok(await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0201', folderId: folder })).body.id;
    other = ok(await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0202', folderId: folder })).body.id;
    carol = ok(await t.api('POST', '/api/v1/admins', { username: 'carol', password: PW, superuser: false })).body.id;
    carolToken = ok(await t.api('POST', `/api/v1/admins/${carol}/tokens`, { name: 'tests' })).body.token;
    for (const def of [
      { identifier: 'location', name: 'Location', type: 'range', range: ['Augsburg', 'Karlsruhe', 'San Francisco'], overwrite: 'all' },
      { identifier: 'department', name: 'Department', type: 'string' },
      { identifier: 'desk', name: 'Desk number', type: 'number', overwrite: 'all' },
      { identifier: 'purchased', name: 'Purchased on', type: 'date' },
      { identifier: 'hw-id', name: 'Hardware id', type: 'string', overwrite: 'device' },
    ]) {
      const r = await t.api('POST', '/api/v1/device-attributes', def);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toMatchObject({ ...def, overwrite: def.overwrite ?? 'server', range: def.range ?? null });
      ids[def.identifier] = r.body.id;
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('lists, reads, changes and refuses bad definitions', async () => {
    const list = ok(await t.api('GET', '/api/v1/device-attributes')).body.items.map((d: { identifier: string }) => d.identifier);
    expect(list).toEqual(['department', 'desk', 'hw-id', 'location', 'purchased']);
    expect(ok(await t.api('GET', `/api/v1/device-attributes/${ids.desk}`)).body.name).toBe('Desk number');
    const renamed = ok(await t.api('PATCH', `/api/v1/device-attributes/${ids.desk}`, { name: 'Desk' })).body;
    expect(renamed).toMatchObject({ identifier: 'desk', name: 'Desk', type: 'number' });

    const dup = await t.api('POST', '/api/v1/device-attributes', { identifier: 'desk', name: 'x', type: 'string' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'DEVICE_ATTRIBUTE_IDENTIFIER_TAKEN', details: { field: 'body.identifier' } });
    const bad = await t.api('POST', '/api/v1/device-attributes', { identifier: 'Bad Name', name: 'x', type: 'string' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/identifier/);
    const noRange = await t.api('POST', '/api/v1/device-attributes', { identifier: 'floor', name: 'Floor', type: 'range' });
    expect(noRange.status).toBe(400);
    expect(noRange.body.error.details.field).toBe('body.range');
    const rangeOnString = await t.api('POST', '/api/v1/device-attributes', {
      identifier: 'floor',
      name: 'Floor',
      type: 'string',
      range: ['1'],
    });
    expect(rangeOnString.status).toBe(400);
    const badType = await t.api('POST', '/api/v1/device-attributes', { identifier: 'floor', name: 'Floor', type: 'colour' });
    expect(badType.status).toBe(400);
    // Devices must be able to take every definition in one channel message (64 KiB).
    const huge = Array.from({ length: 500 }, (_, n) => `${String(n).padStart(3, '0')}${'x'.repeat(97)}`);
    const big = await t.api('POST', '/api/v1/device-attributes', { identifier: 'floor', name: 'Floor', type: 'range', range: huge });
    expect(big.status, JSON.stringify(big.body)).toBe(201);
    const tooBig = await t.api('POST', '/api/v1/device-attributes', { identifier: 'room', name: 'Room', type: 'range', range: huge });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.details.field).toBe('body.range');
    expect(tooBig.body.error.message).toMatch(/message limit/);
    expect((await t.api('PATCH', `/api/v1/device-attributes/${ids.location}`, { range: huge })).status).toBe(400);
    expect((await t.api('DELETE', `/api/v1/device-attributes/${big.body.id}`)).status).toBe(204);
    expect((await t.api('GET', '/api/v1/device-attributes/999999')).body.error.code).toBe('DEVICE_ATTRIBUTE_NOT_FOUND');
    expect(ok(await t.api('GET', '/api/v1/device-attributes')).body.items).toHaveLength(5);
  });

  it('sets, reads and resets values of a device; audited in the change', async () => {
    const put = await t.api('PUT', `/api/v1/devices/${device}/attributes`, {
      values: { location: 'Augsburg', department: 'Finance', desk: '12', purchased: '2026-02-28' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(await valuesOf(device)).toEqual({
      department: 'Finance',
      desk: '12',
      'hw-id': null,
      location: 'Augsburg',
      purchased: '2026-02-28',
    });
    ok(await t.api('PUT', `/api/v1/devices/${device}/attributes`, { values: { department: null, desk: '-3.5' } }));
    expect(await valuesOf(device)).toMatchObject({ department: null, desk: '-3.5', location: 'Augsburg' });
    const audit = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'device.attributes-update')
      .orderBy('id')
      .execute();
    expect(audit).toHaveLength(2);
    expect(JSON.parse(audit[1]!.before_json!)).toEqual({ department: 'Finance', desk: '12' });
    expect(JSON.parse(audit[1]!.after_json!)).toEqual({ department: null, desk: '-3.5' });
  });

  it.each([
    ['a value over 100 characters', { department: 'x'.repeat(101) }, 'body.values.department', /longer than 100/],
    ['a value outside the range list', { location: 'Berlin' }, 'body.values.location', /range list/],
    ['a number that is not one', { desk: '12a' }, 'body.values.desk', /not a number/],
    ['a date that is not one', { purchased: '2026-02-30' }, 'body.values.purchased', /not a calendar date/],
    ['a date in another format', { purchased: '28.02.2026' }, 'body.values.purchased', /yyyy-mm-dd/],
    ['an unknown identifier', { colour: 'red' }, 'body.values.colour', /no device attribute "colour"/],
    ['an attribute only the device sets', { 'hw-id': 'A1' }, 'body.values.hw-id', /only the device/],
  ])('refuses %s naming the field; nothing is saved', async (_what, values, field, message) => {
    const before = await valuesOf(device);
    const r = await t.api('PUT', `/api/v1/devices/${device}/attributes`, { values: { department: 'Sales', ...values } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.details.field).toBe(field);
    expect(r.body.error.message).toMatch(message);
    expect(await valuesOf(device)).toEqual(before);
  });

  it('refuses a value that is not text, and an unknown device', async () => {
    const r = await t.api('PUT', `/api/v1/devices/${device}/attributes`, { values: { desk: 12 } });
    expect(r.status).toBe(400);
    const missing = await t.api('PUT', '/api/v1/devices/999999/attributes', { values: { desk: '1' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('DEVICE_NOT_FOUND');
    expect((await t.api('GET', '/api/v1/devices/999999/attributes')).status).toBe(404);
  });

  it('rights: any administrator reads definitions, changes need globalSettings; values need read / editSystemInformation', async () => {
    expect((await as(carolToken, 'GET', '/api/v1/device-attributes')).status).toBe(200);
    expect((await as(carolToken, 'GET', `/api/v1/device-attributes/${ids.desk}`)).status).toBe(200);
    const create = await as(carolToken, 'POST', '/api/v1/device-attributes', { identifier: 'floor', name: 'Floor', type: 'string' });
    expect(create.status).toBe(403);
    expect((await as(carolToken, 'PATCH', `/api/v1/device-attributes/${ids.desk}`, { name: 'x' })).status).toBe(403);
    expect((await as(carolToken, 'DELETE', `/api/v1/device-attributes/${ids.desk}`)).status).toBe(403);

    // No right on the device at all: it does not exist for carol.
    expect((await as(carolToken, 'GET', `/api/v1/devices/${device}/attributes`)).status).toBe(404);
    ok(
      await t.api('PUT', `/api/v1/devices/${device}/access`, {
        entries: [{ principal: { type: 'admin', id: carol }, rights: { browse: 'allow', read: 'allow' } }],
      }),
    );
    expect((await as(carolToken, 'GET', `/api/v1/devices/${device}/attributes`)).status).toBe(200);
    const refused = await as(carolToken, 'PUT', `/api/v1/devices/${device}/attributes`, { values: { department: 'HR' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/editSystemInformation/);
    expect((await valuesOf(device)).department).not.toBe('HR');
    ok(
      await t.api('PUT', `/api/v1/devices/${device}/access`, {
        entries: [{ principal: { type: 'admin', id: carol }, rights: { browse: 'allow', read: 'allow', editSystemInformation: 'allow' } }],
      }),
    );
    ok(await as(carolToken, 'PUT', `/api/v1/devices/${device}/attributes`, { values: { department: 'HR' } }));
    expect((await valuesOf(device)).department).toBe('HR');
  });

  it('a narrower range list drops values outside it; deleting an attribute or a device deletes its values', async () => {
    ok(await t.api('PUT', `/api/v1/devices/${other}/attributes`, { values: { location: 'Karlsruhe', department: 'IT' } }));
    ok(await t.api('PATCH', `/api/v1/device-attributes/${ids.location}`, { range: ['Augsburg', 'San Francisco'] }));
    expect((await valuesOf(other)).location).toBeNull();
    expect((await valuesOf(device)).location).toBe('Augsburg');

    const before = await valueRows();
    expect(before).toBeGreaterThan(0);
    expect((await t.api('DELETE', `/api/v1/device-attributes/${ids.purchased}`)).status).toBe(204);
    expect(await valueRows()).toBe(before - 1);
    expect(Object.keys(await valuesOf(device))).not.toContain('purchased');

    expect((await t.api('DELETE', `/api/v1/devices/${other}`)).status).toBe(204);
    const left = await t.database.db.selectFrom('device_attribute_values').select('device_id').execute();
    expect(left.map((r) => Number(r.device_id))).not.toContain(other);
  });
});
