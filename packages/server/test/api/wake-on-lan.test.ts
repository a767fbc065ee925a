import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { magicPacket } from '@openums/protocol';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { TestDevice } from '../helpers/device.js';

/** A UDP listener on loopback standing in for a sleeping network card: every datagram it gets. */
async function listener(): Promise<{ socket: Socket; port: number; got: Buffer[] }> {
  const socket = createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port, got };
}

const BASE = {
  broadcast: false,
  lastKnownIp: true,
  subnets: [],
  networkMasks: [],
  dedicatedProxies: false,
  dedicatedProxyIds: [],
  automaticProxy: false,
  automaticProxyMask: '24',
};

describe.each(DIALECTS)('wake-on-LAN (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, onlineDevice, waitFor } = s;
  let udp: Awaited<ReturnType<typeof listener>>;
  beforeAll(async () => {
    udp = await listener();
  });
  afterAll(() => udp.socket.close());

  /** As if the device had last connected from `ip`; set again until no late presence write of the real address undoes it. */
  const setLastIp = async (id: number, ip: string) => {
    const h = s.testDb().open();
    try {
      for (let i = 0; i < 20; i++) {
        await h.db.updateTable('devices').set({ last_ip: ip }).where('id', '=', id).execute();
        await new Promise((r) => setTimeout(r, 250));
        if ((await api('GET', `/api/v1/devices/${id}`)).body.lastIp === ip) return;
      }
      throw new Error(`last IP of device ${id} did not stay ${ip}`);
    } finally {
      await h.close();
    }
  };
  const offline = async (d: Awaited<ReturnType<typeof onlineDevice>>) => {
    // The welcome comes before the presence batch writes "online": without this wait a loaded
    // machine read the row still offline here, then the late "online" made a wake-up think the
    // device was held by another process (seen once in CI).
    await waitFor(async () => (await api('GET', `/api/v1/devices/${d.id}`)).body.online === true);
    d.dev.close();
    await waitFor(async () => (await api('GET', `/api/v1/devices/${d.id}`)).body.online === false);
  };

  it('has the reference defaults, validates its settings and changes nothing on bad input', async () => {
    const def = await api('GET', '/api/v1/settings/wake-on-lan');
    expect(def.status).toBe(200);
    expect(def.body).toMatchObject({
      port: 9,
      broadcast: true,
      lastKnownIp: true,
      subnets: [],
      dedicatedProxies: false,
      automaticProxy: false,
    });
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ networkMasks: ['255.0.255.0'] }, 'body.networkMasks.0'],
      [{ subnets: ['224.1.0.0/16'] }, 'body.subnets.0'],
      [{ subnets: ['127.0.0.0/8'] }, 'body.subnets.0'],
      [{ automaticProxyMask: '255.255.0.255' }, 'body.automaticProxyMask'],
      [{ dedicatedProxies: true, dedicatedProxyIds: [987654] }, 'body.dedicatedProxyIds'],
    ];
    for (const [patch, field] of bad) {
      const r = await api('PUT', '/api/v1/settings/wake-on-lan', { ...BASE, port: 9, ...patch });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.field ?? r.body.error.details?.field).toBe(field);
    }
    for (const body of [
      { ...BASE },
      { ...BASE, port: 0 },
      { ...BASE, port: 9, subnets: ['10.0.0.0/33'] },
      { ...BASE, port: 9, extra: 1 },
    ]) {
      expect((await api('PUT', '/api/v1/settings/wake-on-lan', body)).status).toBe(400);
    }
    expect((await api('GET', '/api/v1/settings/wake-on-lan')).body).toEqual(def.body);
  });

  it('sends the magic packet to the last known IP, and the wake-up succeeds when the device connects', async () => {
    expect((await api('PUT', '/api/v1/settings/wake-on-lan', { ...BASE, port: udp.port })).status).toBe(200);
    const d = await onlineDevice();
    await offline(d);
    await setLastIp(d.id, '127.0.0.1');
    udp.got.length = 0;
    const r = await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [d.id] });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.commands[0].id;
    await waitFor(async () => udp.got.length > 0);
    expect(udp.got[0]).toEqual(Buffer.from(magicPacket(d.mac)));
    expect(udp.got[0]!.length).toBe(102);
    await waitFor(async () => (await api('GET', `/api/v1/commands/${id}`)).body.state === 'sent');
    expect((await api('GET', `/api/v1/commands/${id}`)).body.message).toContain(`127.0.0.1 (UDP ${udp.port})`);

    // The device comes up: the wake-up is done, and nothing is sent to the device for it.
    const dev = (await TestDevice.connect(s.t, d.creds)) as TestDevice;
    dev.hello(d.mac);
    await waitFor(async () => (await api('GET', `/api/v1/commands/${id}`)).body.state === 'succeeded');
    expect((await api('GET', `/api/v1/commands/${id}`)).body.message).toBe('the device is online');
    // A wake-up of an online device succeeds at once, without a packet or a message to the device.
    udp.got.length = 0;
    const again = await api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [d.id], text: 'probe' });
    const w = await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [d.id] });
    await waitFor(async () => (await api('GET', `/api/v1/commands/${w.body.commands[0].id}`)).body.state === 'succeeded');
    const first = await dev.next((m) => m.t === 'command');
    expect(first.id).toBe(again.body.commands[0].id);
    expect(udp.got).toHaveLength(0);
    dev.close();
  });

  it('fails a wake-up that has nowhere to go, with the reason', async () => {
    expect((await api('PUT', '/api/v1/settings/wake-on-lan', { ...BASE, lastKnownIp: false, port: udp.port })).status).toBe(200);
    const d = await onlineDevice();
    await offline(d);
    const r = await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [d.id] });
    const id = r.body.commands[0].id;
    await waitFor(async () => (await api('GET', `/api/v1/commands/${id}`)).body.state === 'failed');
    expect((await api('GET', `/api/v1/commands/${id}`)).body.message).toMatch(/no wake-on-LAN target/);
  });

  it('makes dedicated proxies: they get the setting, relay wake-ups, and shutdown of one is warned about', async () => {
    const proxy = await onlineDevice();
    const sleeper = await onlineDevice();
    await offline(sleeper);
    await setLastIp(sleeper.id, '10.77.1.5');
    const put = await api('PUT', '/api/v1/settings/wake-on-lan', {
      ...BASE,
      lastKnownIp: false,
      port: udp.port,
      dedicatedProxies: true,
      dedicatedProxyIds: [proxy.id],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const own = await api('GET', `/api/v1/devices/${proxy.id}/settings`);
    expect(own.body.settings['system.remotemanager.wol_proxy.enabled']).toBe(true);
    expect(own.body.configChanges).toBe('PENDING');

    const r = await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [sleeper.id] });
    const relay = await proxy.dev.next((m) => m.t === 'command');
    expect(relay.command).toBe('wol-relay');
    expect(JSON.parse(relay.text)).toEqual({ port: udp.port, devices: [{ mac: sleeper.mac, ip: '10.77.1.5' }] });
    proxy.dev.send({ t: 'ack', id: relay.id });
    proxy.dev.send({ t: 'result', id: relay.id, ok: true, message: 'relayed 1 magic packet(s)' });
    await waitFor(async () => (await api('GET', `/api/v1/commands/${relay.id}`)).body.state === 'succeeded');
    const wake = (await api('GET', `/api/v1/commands/${r.body.commands[0].id}`)).body;
    expect(wake.state).toBe('sent');
    expect(wake.message).toContain(`relay asked of device ${proxy.id} (dedicated proxy)`);

    const off = await api('POST', '/api/v1/devices/commands', { command: 'shutdown', deviceIds: [proxy.id, sleeper.id] });
    expect(off.status).toBe(201);
    expect(off.body.warnings).toEqual([expect.objectContaining({ deviceId: proxy.id, code: 'WOL_PROXY_LOCKED' })]);

    // No longer a proxy: the setting goes from its own configuration.
    expect((await api('PUT', '/api/v1/settings/wake-on-lan', { ...BASE, port: udp.port })).status).toBe(200);
    const after = await api('GET', `/api/v1/devices/${proxy.id}/settings`);
    expect(after.body.settings['system.remotemanager.wol_proxy.enabled']).toBeUndefined();
    proxy.dev.close();
  });

  it('detects an automatic proxy: an online device in the sleeping device’s network', async () => {
    const near = await onlineDevice();
    const far = await onlineDevice();
    const sleeper = await onlineDevice();
    await offline(sleeper);
    await setLastIp(sleeper.id, '10.88.3.40');
    await setLastIp(near.id, '10.88.3.7');
    await setLastIp(far.id, '10.88.4.7');
    expect(
      (await api('PUT', '/api/v1/settings/wake-on-lan', { ...BASE, lastKnownIp: false, port: udp.port, automaticProxy: true })).status,
    ).toBe(200);
    await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [sleeper.id] });
    const relay = await near.dev.next((m) => m.t === 'command');
    expect(relay.command).toBe('wol-relay');
    expect(JSON.parse(relay.text).devices).toEqual([{ mac: sleeper.mac, ip: '10.88.3.40' }]);
    // The device in another /24 is not asked.
    const farHistory = await api('GET', `/api/v1/devices/${far.id}/commands`);
    expect(farHistory.body.items).toHaveLength(0);
    near.dev.close();
    far.dev.close();
  });
});
