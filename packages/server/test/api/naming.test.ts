import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { enroll, sysinfo, TestDevice } from '../helpers/device.js';

const idOf = (certPem: string) => Number(/CN=device-(\d+)/.exec(new X509Certificate(certPem).subject)![1]);

describe.each(DIALECTS)('naming conventions (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, newKey, nextMac } = s;

  const settings = (over: Record<string, unknown>) =>
    api('PUT', '/api/v1/settings/naming', {
      enabled: true,
      prefix: 'ITC',
      digits: 4,
      identifier: 'mac',
      adjustNetworkName: false,
      adjustNameFromNetworkName: false,
      ...over,
    });

  async function enrollOne(key: string) {
    const mac = nextMac();
    const e = await enroll(s.t, key, { unitId: mac, mac, hostname: `host-${mac.toLowerCase()}` });
    expect(e.status, e.body).toBe(200);
    return { id: idOf(e.certPem!), mac, creds: e };
  }

  it('names a new device ITC<MAC> by default, and by the convention once it is on', async () => {
    const got = await api('GET', '/api/v1/settings/naming');
    expect(got.body).toEqual({
      enabled: false,
      prefix: 'ITC',
      digits: 4,
      identifier: 'mac',
      adjustNetworkName: false,
      adjustNameFromNetworkName: false,
    });
    const [key] = await newKey({ type: 'mass' });
    const plain = await enrollOne(key!.secret);
    expect((await api('GET', `/api/v1/devices/${plain.id}`)).body.name).toBe(`ITC${plain.mac}`);

    expect((await settings({ prefix: 'TC-' })).status).toBe(200);
    const prefixed = await enrollOne(key!.secret);
    expect((await api('GET', `/api/v1/devices/${prefixed.id}`)).body.name).toBe(`TC-${prefixed.mac}`);

    // An inventory record created without a name follows the same setting.
    const mac = nextMac();
    const created = await api('POST', '/api/v1/devices', { mac });
    expect(created.body.name).toBe(`TC-${mac}`);
  });

  it('hands out unique sequential numbers to concurrent enrollments', async () => {
    expect((await settings({ prefix: `S${dialect[0]!.toUpperCase()}`, identifier: 'sequential', digits: 3 })).status).toBe(200);
    const [key] = await newKey({ type: 'mass' });
    const devices = await Promise.all(Array.from({ length: 12 }, () => enrollOne(key!.secret)));
    const names = await Promise.all(devices.map(async (d) => (await api('GET', `/api/v1/devices/${d.id}`)).body.name as string));
    expect(new Set(names).size).toBe(12);
    for (const n of names) expect(n).toMatch(new RegExp(`^S${dialect[0]!.toUpperCase()}\\d{3}$`));
    const numbers = names.map((n) => Number(n.slice(2))).sort((a, b) => a - b);
    // One counter, no gaps: the 12 numbers are consecutive.
    expect(numbers[11]! - numbers[0]!).toBe(11);
  });

  it('previews "rename and renumber" without changing anything, then applies it', async () => {
    expect((await settings({ prefix: 'RN', identifier: 'sequential', digits: 5 })).status).toBe(200);
    const before = (await api('GET', '/api/v1/devices?limit=1000&sort=id')).body.items.map((d: any) => [d.id, d.name]);
    const page1 = await api('POST', '/api/v1/settings/naming/rename', { renumber: true, dryRun: true, limit: 3 });
    expect(page1.status, JSON.stringify(page1.body)).toBe(200);
    expect(page1.body.total).toBe(before.length);
    expect(page1.body.items.map((i: any) => i.newName)).toEqual(['RN00001', 'RN00002', 'RN00003']);
    expect(page1.body.items[0]).toMatchObject({ id: before[0][0], oldName: before[0][1], changed: true });
    const page2 = await api('POST', '/api/v1/settings/naming/rename', {
      renumber: true,
      dryRun: true,
      limit: 3,
      cursor: page1.body.nextCursor,
    });
    expect(page2.body.items[0].newName).toBe('RN00004');
    const badCursor = await api('POST', '/api/v1/settings/naming/rename', { renumber: false, dryRun: true, cursor: page1.body.nextCursor });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.code).toBe('INVALID_CURSOR');
    const after = (await api('GET', '/api/v1/devices?limit=1000&sort=id')).body.items.map((d: any) => [d.id, d.name]);
    expect(after).toEqual(before);

    const applied = await api('POST', '/api/v1/settings/naming/rename', { renumber: true, dryRun: false });
    expect(applied.body).toMatchObject({ dryRun: false, renamed: before.length });
    const renamed = (await api('GET', '/api/v1/devices?limit=1000&sort=id')).body.items.map((d: any) => d.name);
    expect(renamed).toEqual(before.map((_b: unknown, i: number) => `RN${String(i + 1).padStart(5, '0')}`));
    // The next new device continues after the renumbered ones; a rename keeps numbers.
    const [key] = await newKey({ type: 'mass' });
    const next = await enrollOne(key!.secret);
    expect((await api('GET', `/api/v1/devices/${next.id}`)).body.name).toBe(`RN${String(before.length + 1).padStart(5, '0')}`);
    const again = await api('POST', '/api/v1/settings/naming/rename', { renumber: false, dryRun: true, limit: 1000 });
    expect(again.body.items.every((i: any) => !i.changed)).toBe(true);
    const audit = await api('GET', '/api/v1/audit-log?action=device.update&limit=5');
    expect(audit.body.items[0].before).toHaveProperty('name');
  });

  it('refuses a rename before the convention is on, and bad requests', async () => {
    expect((await settings({ enabled: false })).status).toBe(200);
    const off = await api('POST', '/api/v1/settings/naming/rename', { renumber: false, dryRun: true });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe('FEATURE_DISABLED');
    const bad = await api('PUT', '/api/v1/settings/naming', { enabled: true, prefix: 'a b', digits: 4, identifier: 'mac' });
    expect(bad.status).toBe(400);
  });

  it('enforces the 15-character network name while "adjust network name" is on, and delivers it', async () => {
    const tooLong = await settings({ prefix: 'LONG', identifier: 'mac', adjustNetworkName: true });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error).toMatchObject({ code: 'NETWORK_NAME_INVALID', details: { field: 'body.prefix' } });
    expect((await settings({ prefix: 'ITC', identifier: 'mac', adjustNetworkName: true })).status).toBe(200);

    const [key] = await newKey({ type: 'mass' });
    const d = await enrollOne(key!.secret);
    expect((await api('GET', `/api/v1/devices/${d.id}/settings`)).body.settings['network.dns.hostname']).toBe(`ITC${d.mac}`);

    const refused = await api('PATCH', `/api/v1/devices/${d.id}`, { name: 'reception-desk-02' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'NETWORK_NAME_INVALID', details: { field: 'body.name' } });
    expect(refused.body.error.message).toContain('15');
    expect((await api('GET', `/api/v1/devices/${d.id}`)).body.name).toBe(`ITC${d.mac}`);

    const ok = await api('PATCH', `/api/v1/devices/${d.id}`, { name: 'desk-02' });
    expect(ok.status).toBe(200);
    const own = await api('GET', `/api/v1/devices/${d.id}/settings`);
    expect(own.body.settings['network.dns.hostname']).toBe('desk-02');
    expect(own.body.configChanges).toBe('PENDING');
    // Off again: any name, no network name change.
    expect((await settings({ enabled: false, adjustNetworkName: false })).status).toBe(200);
    expect((await api('PATCH', `/api/v1/devices/${d.id}`, { name: 'reception-desk-02' })).status).toBe(200);
  });

  it('takes a changed network name as the device name when "adjust name" is on', async () => {
    expect((await settings({ enabled: false, adjustNameFromNetworkName: true })).status).toBe(200);
    const [key] = await newKey({ type: 'mass' });
    const mac = nextMac();
    const e = await enroll(s.t, key!.secret, { unitId: mac, mac, hostname: 'first-name' });
    const id = idOf(e.certPem!);
    const dev = (await TestDevice.connect(s.t, e)) as TestDevice;
    dev.hello(mac, sysinfo({ hostname: 'first-name' }));
    await dev.next((m) => m.t === 'welcome');
    await s.waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.lastContact !== null);
    expect((await api('GET', `/api/v1/devices/${id}`)).body.name).toBe(`ITC${mac}`);
    dev.hello(mac, sysinfo({ hostname: 'renamed-on-device' }));
    await s.waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.name === 'renamed-on-device');
    expect((await api('GET', `/api/v1/devices/${id}`)).body.networkName).toBe('renamed-on-device');
    dev.close();
    expect((await settings({ enabled: false, adjustNameFromNetworkName: false })).status).toBe(200);
  });
});
