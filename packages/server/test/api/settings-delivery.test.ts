import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { hashOf, LiveServer } from '../helpers/live-server.js';

const TIMEOUT = 'userinterface.screensaver.timeout';
const DOMAIN = 'network.dns.domain';

describe.each(DIALECTS)('settings delivery over the device channel (%s)', (dialect) => {
  let s: LiveServer;
  let folder: number;
  let profile: number;

  beforeAll(async () => {
    s = await LiveServer.start(dialect);
    folder = (await s.api('POST', '/api/v1/device-folders', { name: 'Office' })).body.id;
  });
  afterAll(() => s?.close());

  const state = async (id: number) => (await s.api('GET', `/api/v1/devices/${id}/settings`)).body;
  const noMessage = async (ws: { received: any[] }, ms = 800) => {
    await new Promise((r) => setTimeout(r, ms));
    return ws.received.filter((m) => m.t === 'settings');
  };

  it('delivers a folder assignment to an online device now, and records it applied', async () => {
    const d = await s.enrollDevice(folder);
    const { ws, id } = await s.connect(d, { settingsHash: hashOf({}) });
    // Nothing assigned yet: the device's empty store is its configuration; nothing is sent.
    await s.waitFor(async () => (await state(id)).configChanges === 'APPLIED');
    expect(await noMessage(ws, 300)).toEqual([]);

    const created = await s.api('POST', '/api/v1/profiles', { name: 'Screensaver', type: 'standard', settings: { [TIMEOUT]: 5 } });
    profile = created.body.id;
    const assigned = await s.api('POST', `/api/v1/profiles/${profile}/assignments`, {
      targets: [{ type: 'folder', id: folder }],
      apply: 'now',
    });
    expect(assigned.body).toEqual({ assigned: 1, devices: 1 });
    expect((await s.api('GET', `/api/v1/devices/${id}`)).body.configChanges).toBe('PENDING');

    const msg = await ws.next((m) => m.t === 'settings');
    expect(msg.settings).toEqual({ [TIMEOUT]: 5 });
    expect(msg.hash).toBe(hashOf(msg.settings));
    ws.send({ t: 'settings-applied', revision: msg.revision, hash: msg.hash, ok: true });
    await s.waitFor(async () => (await state(id)).configChanges === 'APPLIED');
    const st = await state(id);
    expect(st.appliedRevision).toBe(msg.revision);
    expect(st.lastError).toBeNull();
    ws.close();
  });

  it('sends nothing to a device whose store already matches, and nothing to unaffected devices', async () => {
    const other = await s.api('POST', '/api/v1/device-folders', { name: 'Elsewhere' });
    const d1 = await s.enrollDevice(folder);
    const d2 = await s.enrollDevice(other.body.id);
    const one = await s.connect(d1, { settingsHash: hashOf({ [TIMEOUT]: 5 }) });
    const two = await s.connect(d2, { settingsHash: hashOf({}) });
    await s.waitFor(async () => (await state(one.id)).configChanges === 'APPLIED');
    expect(await noMessage(one.ws)).toEqual([]);
    // A change to the profile's other parameter reaches d1 only.
    await s.api('PATCH', `/api/v1/profiles/${profile}`, { settings: { [TIMEOUT]: 5, [DOMAIN]: 'corp.example' } });
    const msg = await one.ws.next((m) => m.t === 'settings');
    expect(msg.settings).toEqual({ [TIMEOUT]: 5, [DOMAIN]: 'corp.example' });
    expect(await noMessage(two.ws)).toEqual([]);
    one.ws.send({ t: 'settings-applied', revision: msg.revision, hash: msg.hash, ok: true });
    one.ws.close();
    two.ws.close();
  });

  it('holds a next-reboot change until the device boots again', async () => {
    const d = await s.enrollDevice(folder);
    const bootTime = Date.now() - 60_000;
    const first = await s.connect(d, { settingsHash: hashOf({ [TIMEOUT]: 5, [DOMAIN]: 'corp.example' }), system: { bootTime } });
    await s.waitFor(async () => (await state(first.id)).configChanges === 'APPLIED');
    await s.api('PATCH', `/api/v1/profiles/${profile}`, { settings: { [TIMEOUT]: 15, [DOMAIN]: 'corp.example' }, apply: 'next-reboot' });
    expect((await state(first.id)).configChanges).toBe('PENDING');
    expect((await state(first.id)).apply).toBe('next-reboot');
    expect(await noMessage(first.ws)).toEqual([]);
    first.ws.close();
    // Reconnecting without a reboot (same boot time) changes nothing.
    const again = await s.connect(d, { settingsHash: hashOf({ [TIMEOUT]: 5, [DOMAIN]: 'corp.example' }), system: { bootTime } });
    expect(await noMessage(again.ws)).toEqual([]);
    again.ws.close();
    // After a reboot the change is due.
    const rebooted = await s.connect(d, {
      settingsHash: hashOf({ [TIMEOUT]: 5, [DOMAIN]: 'corp.example' }),
      system: { bootTime: Date.now() },
    });
    const msg = await rebooted.ws.next((m) => m.t === 'settings');
    expect(msg.settings[TIMEOUT]).toBe(15);
    rebooted.ws.send({ t: 'settings-applied', revision: msg.revision, hash: msg.hash, ok: true });
    await s.waitFor(async () => (await state(rebooted.id)).configChanges === 'APPLIED');
    rebooted.ws.close();
  });

  it('keeps PENDING with the error when the device cannot apply', async () => {
    const d = await s.enrollDevice(folder);
    const c = await s.connect(d, { settingsHash: hashOf({}) });
    const msg = await c.ws.next((m) => m.t === 'settings');
    c.ws.send({ t: 'settings-applied', revision: msg.revision, hash: hashOf({}), ok: false, message: 'hook userinterface failed: exit 3' });
    await s.waitFor(async () => (await state(c.id)).lastError !== null);
    const st = await state(c.id);
    expect(st.configChanges).toBe('PENDING');
    expect(st.lastError).toContain('hook userinterface failed');
    c.ws.send({ t: 'settings-applied', revision: msg.revision + 5, hash: msg.hash, ok: true });
    expect((await c.ws.next((m) => m.t === 'error')).message).toContain(`settings revision ${msg.revision + 5} was not sent`);
    c.ws.close();
  });

  it('stores settings changed on the device as its own configuration; unknown keys are kept, bad values refused', async () => {
    const d = await s.enrollDevice();
    const c = await s.connect(d, { settingsHash: hashOf({}) });
    await s.waitFor(async () => (await state(c.id)).configChanges === 'APPLIED');
    c.ws.send({ t: 'settings-report', settings: { [TIMEOUT]: 'soon' } });
    expect((await c.ws.next((m) => m.t === 'error')).message).toContain(TIMEOUT);
    expect((await state(c.id)).settings).toEqual({});

    c.ws.send({ t: 'settings-report', settings: { [DOMAIN]: 'local.example', 'vendor.future.knob': 'x' } });
    await s.waitFor(async () => Object.keys((await state(c.id)).settings).length === 2);
    expect((await state(c.id)).settings).toEqual({ [DOMAIN]: 'local.example', 'vendor.future.knob': 'x' });
    // The server's view now includes the local values: the device gets them back with the new hash.
    const msg = await c.ws.next((m) => m.t === 'settings');
    expect(msg.settings).toEqual({ [DOMAIN]: 'local.example', 'vendor.future.knob': 'x' });
    const eff = (await s.api('GET', `/api/v1/devices/${c.id}/effective-configuration`)).body.parameters;
    expect(eff.find((p: any) => p.key === DOMAIN)).toMatchObject({ value: 'local.example', source: { type: 'device' } });
    // An administrator's save replaces the catalogue parameters and keeps the unknown one.
    const put = await s.api('PUT', `/api/v1/devices/${c.id}/settings`, { settings: { [TIMEOUT]: 3 } });
    expect(put.body.settings).toEqual({ [TIMEOUT]: 3, 'vendor.future.knob': 'x' });
    c.ws.close();
  });

  it('moving a device out of the folder restores its own settings; pending changes survive a restart', async () => {
    const d = await s.enrollDevice(folder);
    const c = await s.connect(d, { settingsHash: hashOf({}) });
    const first = await c.ws.next((m) => m.t === 'settings');
    c.ws.send({ t: 'settings-applied', revision: first.revision, hash: first.hash, ok: true });
    await s.waitFor(async () => (await state(c.id)).configChanges === 'APPLIED');
    await s.api('PUT', `/api/v1/devices/${c.id}/settings`, { settings: { [TIMEOUT]: 42 } });
    // The profile still wins over the device's own value: the effective configuration is unchanged.
    expect(await noMessage(c.ws)).toEqual([]);
    await s.waitFor(async () => (await state(c.id)).configChanges === 'APPLIED');
    expect((await state(c.id)).settings).toEqual({ [TIMEOUT]: 42 });
    c.ws.close();

    // Offline: moved out of the folder. The change waits in the database across a restart.
    await s.api('PATCH', `/api/v1/devices/${c.id}`, { folderId: null });
    expect((await state(c.id)).configChanges).toBe('PENDING');
    await s.restart();
    const back = await s.connect(d, { settingsHash: first.hash });
    const msg = await back.ws.next((m) => m.t === 'settings');
    expect(msg.settings).toEqual({ [TIMEOUT]: 42 });
    back.ws.send({ t: 'settings-applied', revision: msg.revision, hash: msg.hash, ok: true });
    await s.waitFor(async () => (await state(back.id)).configChanges === 'APPLIED');
    back.ws.close();
  });

  it('drops assignments with a deleted folder and refuses a profile of another OS major version', async () => {
    const g = (await s.api('POST', '/api/v1/device-folders', { name: 'Temporary' })).body.id;
    await s.api('POST', `/api/v1/profiles/${profile}/assignments`, { targets: [{ type: 'folder', id: g }] });
    expect((await s.api('GET', `/api/v1/profiles/${profile}/assignments`)).body.items.map((a: any) => a.id)).toContain(g);
    expect((await s.api('DELETE', `/api/v1/device-folders/${g}`)).status).toBe(204);
    expect((await s.api('GET', `/api/v1/profiles/${profile}/assignments`)).body.items.map((a: any) => a.id)).not.toContain(g);

    const d = await s.enrollDevice();
    const c = await s.connect(d, { settingsHash: hashOf({}), system: { version: '11.9.0' } });
    await s.waitFor(async () => (await s.api('GET', `/api/v1/devices/${c.id}`)).body.version === '11.9.0');
    const r = await s.api('POST', `/api/v1/profiles/${profile}/assignments`, { targets: [{ type: 'device', id: c.id }] });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('PROFILE_VERSION_MISMATCH');
    expect(r.body.error.message).toContain(`device ${c.id}`);
    expect((await s.api('GET', `/api/v1/devices/${c.id}/assigned-objects`)).body.items).toEqual([]);
    c.ws.close();
  });

  it('does not send a configuration larger than the device message limit, and says why', async () => {
    const big: Record<string, string> = {};
    for (let i = 1; i <= 20; i++) big[`accessories.app[${i}].command`] = `/usr/bin/tool --option ${'x'.repeat(4000)}`;
    const f = (await s.api('POST', '/api/v1/device-folders', { name: 'Huge' })).body.id;
    const p = (await s.api('POST', '/api/v1/profiles', { name: 'Huge', type: 'standard', settings: big })).body.id;
    await s.api('POST', `/api/v1/profiles/${p}/assignments`, { targets: [{ type: 'folder', id: f }] });
    const d = await s.enrollDevice(f);
    const c = await s.connect(d, { settingsHash: hashOf({}) });
    await s.waitFor(async () => (await state(c.id)).lastError !== null);
    expect((await state(c.id)).lastError).toContain('larger than 65536 bytes');
    expect((await state(c.id)).configChanges).toBe('PENDING');
    expect(await noMessage(c.ws, 300)).toEqual([]);
    c.ws.close();
  });
});
