import { DEVICE_WS_PATH } from '@openums/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { Backoff } from '../../../agent/src/connection/backoff.js';
import { DeviceClient } from '../../../agent/src/connection/device-client.js';
import { TimerWheel } from '../../../agent/src/connection/timer-wheel.js';
import { MemorySessionStore } from '../../../agent/src/connection/tls-session.js';
import { MemoryCommandStore } from '../../../agent/src/handlers/command-store.js';
import { silentLogger } from '../../../agent/src/lib/log.js';
import { RecordingPlatform } from '../../../agent/src/platform/recording.js';
import { EMPTY_SETTINGS_HASH } from '../../../agent/src/settings/hash.js';
import { channelServer } from '../helpers/channel-server.js';
import { DIALECTS } from '../helpers/db.js';
import { enroll } from '../helpers/device.js';

/**
 * The device communication log against a real server (HTTPS, mutual-TLS gateway) and the agent's
 * own channel code (DeviceClient: hello, heartbeats, commands): what the switch records, what it
 * does not, masking of secrets in both directions, paging and clearing.
 */
const SECRET_OUT = 'comm-log-out-secret-8d1f';
const SECRET_IN = 'comm-log-in-secret-2c7e';

interface Entry {
  id: number;
  at: string;
  direction: 'in' | 'out';
  type: string;
  size: number;
  payload?: string;
  truncated?: boolean;
}

describe.each(DIALECTS)('device communication log on the device channel (%s)', (dialect) => {
  // Heartbeats at once after welcome (offset 0), then every 5 s.
  const s = channelServer(dialect, { heartbeatSeconds: 5, heartbeatOffsetSeconds: 0 });
  const { api, waitFor } = s;
  const clients: DeviceClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
  });

  const ok = async (p: Promise<{ status: number; body: any }>, status = 200) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r.body;
  };
  const entries = async (id: number, query = 'limit=1000'): Promise<Entry[]> =>
    (await ok(api('GET', `/api/v1/devices/${id}/comm-log?${query}`))).items;
  const has = (list: Entry[], direction: 'in' | 'out', type: string) => list.some((e) => e.direction === direction && e.type === type);
  const command = async (id: number, text: string) => {
    const sent = await ok(api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [id], text }), 201);
    const cid = sent.commands[0].id as number;
    await waitFor(async () => (await api('GET', `/api/v1/commands/${cid}`)).body.state === 'succeeded');
    return cid;
  };

  /** An enrolled device (not yet connected) and the agent's client for it. */
  const agentDevice = async () => {
    const [key] = await s.newKey({ type: 'mass' });
    const mac = s.nextMac();
    const e = await enroll(s.t, key!.secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    const id = (await api('GET', `/api/v1/devices?q=${mac}`)).body.items.find((d: any) => d.mac === mac).id as number;
    const store = new MemoryCommandStore();
    const client = new DeviceClient({
      url: `wss://127.0.0.1:${s.t.port}${DEVICE_WS_PATH}`,
      unitId: mac,
      credentials: () => ({ cert: e.certPem!, key: e.keyPem, ca: s.t.ca }),
      platform: new RecordingPlatform({ unitId: mac, mac }),
      store: () => store,
      sessions: new MemorySessionStore(),
      wheel: new TimerWheel(20),
      log: silentLogger,
      backoff: new Backoff({ baseMs: 50, capMs: 200 }),
      // A device that takes settings: the server sends it its configuration after hello.
      settingsHash: () => EMPTY_SETTINGS_HASH,
    });
    clients.push(client);
    return { id, mac, client };
  };

  it('records hello, heartbeat, command and result with masked payloads while on; nothing while off; pages and clears', async () => {
    const { id, client } = await agentDevice();
    expect(await ok(api('GET', `/api/v1/devices/${id}/comm-log`))).toEqual({
      enabled: false,
      payload: false,
      since: null,
      items: [],
      nextCursor: null,
    });
    const on = await ok(api('PUT', `/api/v1/devices/${id}/comm-log`, { enabled: true, payload: true }));
    expect(on).toMatchObject({ enabled: true, payload: true });
    expect(Date.parse(on.since)).toBeGreaterThan(0);
    // A secret in the device's own configuration: the server sends it in `settings` after hello.
    await ok(api('PUT', `/api/v1/devices/${id}/settings`, { settings: { 'security.admin_password': SECRET_OUT } }));

    client.start();
    await waitFor(async () => client.state === 'online');
    const cid = await command(id, 'comm log on');
    await waitFor(async () => {
      const list = await entries(id);
      return (
        ['hello', 'ping', 'ack', 'result'].every((t) => has(list, 'in', t)) &&
        ['welcome', 'command', 'settings'].every((t) => has(list, 'out', t))
      );
    });
    const list = await entries(id);
    // Newest first.
    expect(list.map((e) => e.id)).toEqual([...list.map((e) => e.id)].sort((a, b) => b - a));
    const hello = list.find((e) => e.type === 'hello')!;
    expect(JSON.parse(hello.payload!)).toMatchObject({ t: 'hello', unitId: client.unitId, settingsHash: '***' });
    const out = list.find((e) => e.direction === 'out' && e.type === 'command')!;
    expect(JSON.parse(out.payload!)).toMatchObject({ t: 'command', id: cid, command: 'send-message', text: 'comm log on' });
    const result = list.find((e) => e.direction === 'in' && e.type === 'result')!;
    expect(JSON.parse(result.payload!)).toMatchObject({ t: 'result', id: cid, ok: true });
    // The agent's heartbeat is a WebSocket ping (docs/devices.md#heartbeats): recorded as such, its
    // size the ping's payload (none).
    const beat = list.find((e) => e.type === 'ping')!;
    expect(beat.direction).toBe('in');
    expect(JSON.parse(beat.payload!)).toEqual({ t: 'ping' });
    expect(beat.size).toBe(0);
    expect(list.some((e) => e.type === 'heartbeat')).toBe(false);
    const result2 = list.find((e) => e.direction === 'in' && e.type === 'result')!;
    // The size is the message's on the wire; the agent's JSON is what the log keeps (nothing masked).
    expect(result2.size).toBe(Buffer.byteLength(result2.payload!));
    expect(result2.truncated).toBe(false);
    const settings = list.find((e) => e.direction === 'out' && e.type === 'settings')!;
    expect(JSON.parse(settings.payload!).settings['security.admin_password']).toBe('***');
    expect(JSON.stringify(list)).not.toContain(SECRET_OUT);

    // Paging: two at a time, newest first, the cursor continues below (heartbeats may add newer ones meanwhile).
    const first = await ok(api('GET', `/api/v1/devices/${id}/comm-log?limit=2`));
    const second = await ok(api('GET', `/api/v1/devices/${id}/comm-log?limit=2&cursor=${first.nextCursor}`));
    const upTo = (await entries(id)).filter((e) => e.id <= first.items[0].id).map((e) => e.id);
    expect([...first.items, ...second.items].map((e: Entry) => e.id)).toEqual(upTo.slice(0, 4));

    // Off: a command's messages are not recorded. Back on without payloads: recorded, type and size only.
    await ok(api('PUT', `/api/v1/devices/${id}/comm-log`, { enabled: false, payload: false }));
    const whileOff = await command(id, 'while off');
    await ok(api('PUT', `/api/v1/devices/${id}/comm-log`, { enabled: true, payload: false }));
    const whileOn = await command(id, 'while on');
    const newer = async () => (await entries(id)).filter((e) => e.id > list[0]!.id && e.type !== 'ping');
    await waitFor(async () => has(await newer(), 'in', 'result'));
    // One command's messages (heartbeats aside, they come every 5 s).
    expect((await newer()).map((e) => `${e.direction} ${e.type}`).sort()).toEqual(['in ack', 'in result', 'out command']);
    await client.stop();
    const after = await entries(id);
    for (const e of after.filter((x) => x.id > list[0]!.id)) {
      expect(e.payload).toBeUndefined();
      expect(e.size).toBeGreaterThan(10);
    }
    expect(whileOn).toBeGreaterThan(whileOff);

    // Clear: every entry goes, the switch stays.
    const cleared = await ok(api('DELETE', `/api/v1/devices/${id}/comm-log`));
    expect(cleared.deleted).toBeGreaterThanOrEqual(after.length);
    expect(await ok(api('GET', `/api/v1/devices/${id}/comm-log`))).toMatchObject({ enabled: true, payload: false, items: [] });
    const audit = await ok(api('GET', `/api/v1/audit-log?objectType=device&objectId=${id}`));
    expect(audit.items.map((a: any) => a.action)).toEqual(expect.arrayContaining(['device.comm-log', 'device.comm-log-clear']));
  });

  it('masks secrets the device sends, and records nothing of a device whose log is off', async () => {
    const quiet = await agentDevice();
    const { id, dev } = await s.onlineDevice();
    await ok(api('PUT', `/api/v1/devices/${id}/comm-log`, { enabled: true, payload: true }));
    dev.send({ t: 'settings-report', settings: { 'security.admin_password': SECRET_IN, 'network.proxy.password': SECRET_IN } });
    dev.send({ t: 'heartbeat', uptime: 7 });
    await waitFor(async () => has(await entries(id), 'in', 'heartbeat'));
    const list = await entries(id);
    const report = list.find((e) => e.type === 'settings-report')!;
    expect(JSON.parse(report.payload!).settings).toEqual({ 'security.admin_password': '***', 'network.proxy.password': '***' });
    expect(JSON.stringify(list)).not.toContain(SECRET_IN);
    dev.close();

    // A device with its log off: hello, welcome, settings and a command leave nothing. Entries are
    // written in order, so once a later command of it is recorded (log on), the earlier would be there.
    quiet.client.start();
    await waitFor(async () => quiet.client.state === 'online');
    const unlogged = await command(quiet.id, 'not logged');
    expect(await entries(quiet.id)).toEqual([]);
    await ok(api('PUT', `/api/v1/devices/${quiet.id}/comm-log`, { enabled: true, payload: true }));
    const logged = await command(quiet.id, 'logged');
    await waitFor(async () => has(await entries(quiet.id), 'in', 'result'));
    const q = (await entries(quiet.id)).filter((e) => e.type !== 'ping');
    expect(q.map((e) => `${e.direction} ${e.type}`).sort()).toEqual(['in ack', 'in result', 'out command']);
    expect(q.map((e) => JSON.parse(e.payload!).id)).toEqual([logged, logged, logged]);
    expect(JSON.stringify(q)).not.toContain(`"id":${unlogged},`);
    await quiet.client.stop();
  });
});
