import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { ADMIN_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.js';

describe.each(DIALECTS)('Idempotency-Key on POSTs that act on devices (%s)', (dialect) => {
  let t: TestApp;
  let folder: number;
  let device: number;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    folder = (await t.api('POST', '/api/v1/device-folders', { name: 'Lab' })).body.id;
    device = (await t.api('POST', '/api/v1/devices', { mac: '02:11:22:33:44:01', folderId: folder })).body.id;
  });
  afterAll(() => t.close());

  const post = async (url: string, body: unknown, key?: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${t.token}`, ...(key !== undefined ? { 'idempotency-key': key } : {}) },
      payload: body as object,
    });
    return { status: res.statusCode, body: res.json(), replayed: res.headers['idempotent-replayed'] };
  };
  const commandCount = async () => (await t.api('GET', `/api/v1/devices/${device}/commands?limit=1000`)).body.items.length;

  it('creates again without a key, and once with a key however often it is retried', async () => {
    const body = { command: 'refresh-sysinfo', deviceIds: [device] };
    const before = await commandCount();
    await post('/api/v1/devices/commands', body);
    await post('/api/v1/devices/commands', body);
    expect(await commandCount()).toBe(before + 2);

    const first = await post('/api/v1/devices/commands', body, 'retry-1');
    expect(first.status).toBe(201);
    expect(first.replayed).toBeUndefined();
    const second = await post('/api/v1/devices/commands', body, 'retry-1');
    const third = await post('/api/v1/devices/commands', body, 'retry-1');
    expect(second).toEqual({ ...first, replayed: 'true' });
    expect(third.body).toEqual(first.body);
    expect(await commandCount()).toBe(before + 3);
  });

  it('refuses the same key for another body or another route, and a malformed key', async () => {
    await post('/api/v1/devices/commands', { command: 'send-message', deviceIds: [device], text: 'a' }, 'bound');
    const otherBody = await post('/api/v1/devices/commands', { command: 'send-message', deviceIds: [device], text: 'b' }, 'bound');
    expect(otherBody.status).toBe(409);
    expect(otherBody.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'headers.idempotency-key' } });
    const otherRoute = await post('/api/v1/devices/move', { deviceIds: [device], folderId: folder }, 'bound');
    expect(otherRoute.status).toBe(409);
    for (const bad of ['', 'has space', 'x'.repeat(256), 'ünïcode']) {
      const r = await post('/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [device] }, bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'headers.idempotency-key' } });
    }
  });

  it('does not keep failed answers: the same key works once the request can succeed', async () => {
    const before = await commandCount();
    const missing = await post('/api/v1/devices/commands', { command: 'refresh-sysinfo', folderId: 999_999 }, 'after-fix');
    expect(missing.status).toBe(404);
    const again = await post('/api/v1/devices/commands', { command: 'refresh-sysinfo', folderId: 999_999 }, 'after-fix');
    expect(again.status).toBe(404);
    expect(await commandCount()).toBe(before);
  });

  it('replays device creation instead of answering DUPLICATE_MAC, and moves and assignments', async () => {
    const body = { mac: '02:11:22:33:44:99', name: 'retried' };
    const created = await post('/api/v1/devices', body, 'create-1');
    expect(created.status).toBe(201);
    const retried = await post('/api/v1/devices', body, 'create-1');
    expect(retried).toEqual({ ...created, replayed: 'true' });
    expect((await post('/api/v1/devices', body)).body.error.code).toBe('DUPLICATE_MAC');

    const moved = await post('/api/v1/devices/move', { deviceIds: [created.body.id], folderId: folder }, 'move-1');
    expect(moved).toMatchObject({ status: 200, body: { moved: 1 } });
    expect(await post('/api/v1/devices/move', { deviceIds: [created.body.id], folderId: folder }, 'move-1')).toEqual({
      ...moved,
      replayed: 'true',
    });

    const profile = (await t.api('POST', '/api/v1/profiles', { name: 'Idem', type: 'standard', settings: {} })).body.id;
    const revision = async () => (await t.api('GET', `/api/v1/devices/${created.body.id}/settings`)).body.revision;
    const assigned = await post(`/api/v1/profiles/${profile}/assignments`, { targets: [{ type: 'folder', id: folder }] }, 'assign-1');
    expect(assigned).toMatchObject({ status: 200, body: { assigned: 1, devices: 2 } });
    const rev = await revision();
    expect(await post(`/api/v1/profiles/${profile}/assignments`, { targets: [{ type: 'folder', id: folder }] }, 'assign-1')).toEqual({
      ...assigned,
      replayed: 'true',
    });
    // The replay did nothing: no new configuration revision for the devices.
    expect(await revision()).toBe(rev);
  });

  it('answers two concurrent requests with one key with one change', async () => {
    const before = await commandCount();
    const body = { command: 'refresh-sysinfo', deviceIds: [device] };
    const [a, b] = await Promise.all([post('/api/v1/devices/commands', body, 'race'), post('/api/v1/devices/commands', body, 'race')]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(await commandCount()).toBe(before + 1);
  });

  it('forgets a key after 24 hours', async () => {
    const before = await commandCount();
    const body = { command: 'refresh-sysinfo', deviceIds: [device] };
    const first = await post('/api/v1/devices/commands', body, 'daily');
    t.clock.advance(24 * 3600_000 + 1);
    // The session has expired by then too.
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    t.token = login.json().token;
    const later = await post('/api/v1/devices/commands', body, 'daily');
    expect(later.replayed).toBeUndefined();
    expect(later.body.commands[0].id).not.toBe(first.body.commands[0].id);
    expect(await commandCount()).toBe(before + 2);
  });
});
