import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { magicPacket } from '@openums/protocol';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDb, testServerConfig, type TestDb } from '../helpers/db.js';
import { enroll, httpsCall, TestDevice, type Target } from '../helpers/device.js';

const AGENT_BIN = new URL('../../../agent/bin/openums-agent.js', import.meta.url).pathname;
const PASSWORD = 'wol-netns-test';

/**
 * Wake-on-LAN for real, in network namespaces this test creates (and removes):
 *
 *   root (server) ──veth 10.213.K.0/24── nsA: a "sleeping" network card (UDP listener on port 9)
 *   root (server) ──veth 10.214.K.0/24── nsP: a real agent, the dedicated proxy
 *                                         nsP ──veth 10.215.K.0/24── nsC: a card the server cannot reach
 *
 * The root namespace has no route into 10.215.K.0/24 (a blackhole route keeps the server's
 * attempts on this host), so nsC hears the packet only through the proxy agent. Broadcast to
 * 255.255.255.255 stays off: nothing goes to a real LAN.
 */
const K = 100 + (process.pid % 100);
const TAG = `${process.pid % 10000}`;
const NS = { a: `wolA${TAG}`, p: `wolP${TAG}`, c: `wolC${TAG}` };
const NET = { a: `10.213.${K}`, p: `10.214.${K}`, c: `10.215.${K}` };

function sh(args: string[], ns?: string): void {
  const cmd = ns ? ['ip', 'netns', 'exec', ns, ...args] : args;
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr || r.stdout}`);
}

function setUpNamespaces(): void {
  if (process.getuid?.() !== 0) throw new Error('this test creates network namespaces and needs root (CI runs as root)');
  for (const ns of Object.values(NS)) sh(['ip', 'netns', 'add', ns]);
  const link = (host: string, hostNs: string | null, peer: string, peerNs: string, hostIp: string, peerIp: string) => {
    sh(['ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
    sh(['ip', 'link', 'set', peer, 'netns', peerNs]);
    if (hostNs) sh(['ip', 'link', 'set', host, 'netns', hostNs]);
    sh(['ip', 'addr', 'add', `${hostIp}/24`, 'dev', host], hostNs ?? undefined);
    sh(['ip', 'link', 'set', host, 'up'], hostNs ?? undefined);
    sh(['ip', 'addr', 'add', `${peerIp}/24`, 'dev', peer], peerNs);
    sh(['ip', 'link', 'set', peer, 'up'], peerNs);
  };
  link(`wa${TAG}h`, null, `wa${TAG}n`, NS.a, `${NET.a}.1`, `${NET.a}.2`);
  link(`wp${TAG}h`, null, `wp${TAG}n`, NS.p, `${NET.p}.1`, `${NET.p}.2`);
  link(`wc${TAG}p`, NS.p, `wc${TAG}c`, NS.c, `${NET.c}.1`, `${NET.c}.2`);
  for (const ns of Object.values(NS)) sh(['ip', 'link', 'set', 'lo', 'up'], ns);
  sh(['ip', 'route', 'add', 'blackhole', `${NET.c}.0/24`]);
}

function tearDownNamespaces(): void {
  spawnSync('ip', ['route', 'del', 'blackhole', `${NET.c}.0/24`]);
  for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns]);
  // Deleting a namespace removes its ends of the veth pairs, and with them the root ends.
  for (const dev of [`wa${TAG}h`, `wp${TAG}h`]) spawnSync('ip', ['link', 'del', dev]);
}

/** A UDP listener on port 9 inside a namespace: one JSON line per datagram (hex payload, sender). */
function listenIn(ns: string) {
  const code = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>console.log(JSON.stringify({hex:m.toString('hex'),from:r.address})));s.bind(9,'0.0.0.0',()=>console.log(JSON.stringify({ready:true})));`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const got: { hex: string; from: string }[] = [];
  let ready = false;
  let buf = '';
  child.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const m = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (m.ready) ready = true;
      else got.push(m);
    }
  });
  return { child, got, ready: () => ready };
}

/** Waits for `fn`; on time-out the error says what was seen last (`seen`), so a failure in CI explains itself. */
async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 20_000, seen?: () => Promise<unknown>) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${seen ? `; last seen: ${JSON.stringify(await seen())}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('wake-on-LAN in network namespaces: direct, and through a proxy agent', () => {
  let testDb: TestDb;
  let server: RunningServer;
  let t: Target;
  let token = '';
  const children: ChildProcess[] = [];
  let listenerA: ReturnType<typeof listenIn>;
  let listenerC: ReturnType<typeof listenIn>;

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await httpsCall(t, method, path, {
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: r.body ? JSON.parse(r.body) : null };
  };

  beforeAll(async () => {
    tearDownNamespaces();
    setUpNamespaces();
    testDb = await createTestDb('sqlite');
    const base = testServerConfig(testDb);
    // Reachable from nsP at 10.214.K.1, with that address in the web certificate.
    server = await startServer({ ...base, host: '0.0.0.0', tls: { ...base.tls, extraNames: [`${NET.p}.1`] } }, { adminPassword: PASSWORD });
    t = {
      port: (server.built.app.server.address() as { port: number }).port,
      ca: readFileSync(join(testDb.dataDir, 'tls/web-ca.crt'), 'utf8'),
    };
    const login = await httpsCall(t, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    token = JSON.parse(login.body).token;
    listenerA = listenIn(NS.a);
    listenerC = listenIn(NS.c);
    children.push(listenerA.child, listenerC.child);
    await until('the listeners', () => listenerA.ready() && listenerC.ready());
  }, 60_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await server?.stop();
    await testDb?.drop();
    tearDownNamespaces();
  });

  /** A device that was online once (so it exists with a MAC), now off, last seen at `ip`. */
  const sleeper = async (mac: string, ip: string) => {
    const keys = await api('POST', '/api/v1/enrollment-keys', { type: 'mass' });
    const e = await enroll(t, keys.body.keys[0].secret, { unitId: mac, mac });
    const dev = (await TestDevice.connect(t, e)) as TestDevice;
    dev.hello(mac);
    const id = (await dev.next((m) => m.t === 'welcome')).deviceId as number;
    dev.close();
    await until(`device ${id} offline`, async () => (await api('GET', `/api/v1/devices/${id}`)).body.online === false);
    const h = testDb.open();
    try {
      await until(`device ${id} last IP ${ip}`, async () => {
        await h.db.updateTable('devices').set({ last_ip: ip }).where('id', '=', id).execute();
        await new Promise((r) => setTimeout(r, 200));
        return (await api('GET', `/api/v1/devices/${id}`)).body.lastIp === ip;
      });
    } finally {
      await h.close();
    }
    return id;
  };
  const packetOf = (mac: string) => Buffer.from(magicPacket(mac)).toString('hex');
  const settings = (patch: Record<string, unknown>) =>
    api('PUT', '/api/v1/settings/wake-on-lan', {
      port: 9,
      broadcast: false,
      lastKnownIp: true,
      subnets: [],
      networkMasks: ['24'],
      dedicatedProxies: false,
      dedicatedProxyIds: [],
      automaticProxy: false,
      automaticProxyMask: '24',
      ...patch,
    });

  it('the server’s packet reaches a listener in another namespace: the exact 102 bytes, at the last IP and its network’s broadcast', async () => {
    const macA = '02DD00000A01';
    const id = await sleeper(macA, `${NET.a}.2`);
    expect((await settings({})).status).toBe(200);
    const r = await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [id] });
    expect(r.status).toBe(201);
    await until('two packets in nsA', () => listenerA.got.filter((g) => g.hex === packetOf(macA)).length >= 2);
    expect(listenerA.got.every((g) => g.hex.length === 204 && g.from === `${NET.a}.1`)).toBe(true);
    const cmd = (await api('GET', `/api/v1/commands/${r.body.commands[0].id}`)).body;
    expect(cmd.state).toBe('sent');
    expect(cmd.message).toContain(`${NET.a}.2, ${NET.a}.255 (UDP 9)`);
  });

  it('a device behind a network the server cannot reach wakes only through the proxy agent', async () => {
    const macC = '02DD00000C01';
    const id = await sleeper(macC, `${NET.c}.2`);
    expect((await settings({})).status).toBe(200);

    // Without a proxy: every direct address is unreachable; nothing arrives, the wake-up fails with the reason.
    const direct = await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [id] });
    const directCommand = async () => (await api('GET', `/api/v1/commands/${direct.body.commands[0].id}`)).body;
    await until(
      'the direct wake-up to fail',
      async () => (await directCommand()).state === 'failed',
      20_000,
      async () => ({
        command: await directCommand(),
        device: (await api('GET', `/api/v1/devices/${id}`)).body,
      }),
    );
    expect((await directCommand()).message).toMatch(/not sent to 10\.215\./);
    await new Promise((r) => setTimeout(r, 1000));
    expect(listenerC.got).toEqual([]);

    // A real agent in nsP enrolls through 10.214.K.1 and becomes the dedicated proxy.
    const keys = await api('POST', '/api/v1/enrollment-keys', { type: 'mass' });
    const fingerprint = String((await httpsCall(t, 'GET', '/ca.crt')).headers['x-certificate-fingerprint']);
    const state = mkdtempSync(join(testDb.dataDir, 'agent-'));
    const url = `https://${NET.p}.1:${t.port}`;
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawn('ip', ['netns', 'exec', NS.p, process.execPath, AGENT_BIN, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const enrolling = run(['enroll', '--server', url, '--state-dir', state, '--unit-id', 'WOLPROXY0001', '--ca-fingerprint', fingerprint], {
      OPENUMS_ENROLLMENT_KEY: keys.body.keys[0].secret,
    });
    let out = '';
    enrolling.stdout!.on('data', (c) => (out += c));
    enrolling.stderr!.on('data', (c) => (out += c));
    expect(await new Promise((r) => enrolling.once('exit', r)), out).toBe(0);
    const proxyId = Number(/Enrolled as device (\d+)/.exec(out)?.[1]);
    const agent = run(['run', '--state-dir', state]);
    children.push(agent);
    await until('the proxy agent online', async () => (await api('GET', `/api/v1/devices/${proxyId}`)).body.online === true);

    expect((await settings({ dedicatedProxies: true, dedicatedProxyIds: [proxyId] })).status).toBe(200);
    await until(
      'the proxy setting applied on the agent',
      async () => (await api('GET', `/api/v1/devices/${proxyId}`)).body.configChanges === 'APPLIED',
    );

    const viaProxy = await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [id] });
    await until('the packet in nsC', () => listenerC.got.some((g) => g.hex === packetOf(macC)));
    // Sent from inside nsP's network by the agent, never from the server.
    expect(listenerC.got.every((g) => g.from === `${NET.c}.1`)).toBe(true);
    const wake = (await api('GET', `/api/v1/commands/${viaProxy.body.commands[0].id}`)).body;
    expect(wake.state).toBe('sent');
    expect(wake.message).toContain(`relay asked of device ${proxyId}`);
    const relays = (await api('GET', `/api/v1/devices/${proxyId}/commands`)).body.items;
    await until('the relay result', async () => (await api('GET', `/api/v1/commands/${relays[0].id}`)).body.state === 'succeeded');

    // The proxy refuses to shut down (the server warned), and stays online.
    const off = await api('POST', '/api/v1/devices/commands', { command: 'shutdown', deviceIds: [proxyId] });
    expect(off.body.warnings?.[0]?.code).toBe('WOL_PROXY_LOCKED');
    await until('the refusal', async () => (await api('GET', `/api/v1/commands/${off.body.commands[0].id}`)).body.state === 'failed');
    expect((await api('GET', `/api/v1/commands/${off.body.commands[0].id}`)).body.message).toMatch(/wake-on-LAN proxy/);
  }, 90_000);
});
