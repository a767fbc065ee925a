import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@openums/protocol';
import { createJoinToken, applyJoinToken } from '../../src/cluster/join.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { enroll, sysinfo, TestDevice } from '../helpers/device.js';
import { hashOf } from '../helpers/live-server.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';
import { openEvents, sleep, until } from '../helpers/wait.js';

/** Short cluster timings so the test sees beats, deaths and lease take-overs in seconds. */
const CLUSTER_ENV = {
  OPENUMS_CLUSTER_BEAT_SECONDS: '1',
  OPENUMS_CLUSTER_CATCH_UP_SECONDS: '2',
  OPENUMS_CLUSTER_LEASE_SECONDS: '4',
};
const TIMEOUT = 'userinterface.screensaver.timeout';

describe('three server processes on one PostgreSQL (separate data directories joined by token)', () => {
  let db: TestDb;
  const extraDirs: string[] = [];
  const servers: ServerProcess[] = [];
  const [A, B, C] = [0, 1, 2];
  const devices: Array<{ id: number; unitId: string; creds: Awaited<ReturnType<typeof enroll>>; dev: TestDevice; on: number }> = [];

  const connectTo = async (s: number, d: (typeof devices)[number]) => {
    const dev = (await TestDevice.connect(servers[s]!.t, d.creds)) as TestDevice;
    dev.send({ t: 'hello', v: PROTOCOL_VERSION, unitId: d.unitId, system: sysinfo(), settingsHash: hashOf({}) });
    await dev.next((m) => m.t === 'welcome');
    d.dev = dev;
    d.on = s;
  };

  beforeAll(async () => {
    db = await createTestDb('postgres');
    const a = new ServerProcess(db, await freePort());
    await a.start(CLUSTER_ENV);
    servers.push(a);
    // B and C join A's installation: same secret key, web CA and certificate, ticket keys.
    const token = createJoinToken(db.dataDir);
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'openums-test-join-'));
      extraDirs.push(dir);
      applyJoinToken(dir, token);
      const s = new ServerProcess({ dataDir: dir, databaseUrl: db.databaseUrl }, await freePort());
      await s.start(CLUSTER_ENV);
      servers.push(s);
    }
    const key = (await a.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret;
    for (let i = 0; i < 6; i++) {
      const unitId = `02DD000000${String(i).padStart(2, '0')}`;
      const creds = await enroll(servers[i % 3]!.t, key, { unitId, mac: unitId });
      expect(creds.status).toBe(200);
      const d = { id: 0, unitId, creds, dev: null as unknown as TestDevice, on: -1 };
      await connectTo(i % 3, d);
      devices.push(d);
    }
    const list = (await a.api('GET', '/api/v1/devices?limit=100')).body.items as Array<{ id: number; unitId: string }>;
    for (const d of devices) d.id = list.find((x) => x.unitId === d.unitId)!.id;
  }, 120_000);

  afterAll(async () => {
    for (const d of devices) d.dev?.close();
    for (const s of servers) await s.kill().catch(() => undefined);
    for (const dir of extraDirs) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('registers every process with its beat, and each counts its own devices', async () => {
    const list = await until('three servers with two devices each', async () => {
      const items = (await servers[A]!.api('GET', '/api/v1/servers')).body.items as any[];
      return items.length === 3 && items.every((s) => s.status === 'running' && s.devicesConnected === 2) && items;
    });
    expect(list.filter((s) => s.self)).toHaveLength(1);
    expect(new Set(list.map((s) => s.pid)).size).toBe(3);
    expect((await servers[B]!.api('GET', '/ums/check-status')).body).toEqual({ status: 'ok' });
  });

  it('resumes a TLS session begun on A on C (one set of ticket keys for the installation)', async () => {
    const { connect } = await import('node:tls');
    const hello = (s: number, session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer }>((resolve, reject) => {
        const sock = connect({
          host: '127.0.0.1',
          port: servers[s]!.t.port,
          servername: 'localhost',
          ca: servers[s]!.t.ca,
          ...(session ? { session } : {}),
        });
        let ticket: Buffer | null = null;
        sock.on('session', (t: Buffer) => (ticket = t));
        sock.once('secureConnect', () => {
          // TLS 1.3 sends the ticket after the handshake: let it arrive.
          setTimeout(() => {
            resolve({ reused: sock.isSessionReused(), session: ticket ?? Buffer.alloc(0) });
            sock.end();
          }, 200);
        });
        sock.once('error', reject);
      });
    const first = await hello(A);
    expect(first.session.length).toBeGreaterThan(0);
    expect((await hello(C, first.session)).reused).toBe(true);
  });

  it('delivers a command created on A to a device held by B within a second', async () => {
    const d = devices.find((x) => x.on === B)!;
    const started = Date.now();
    const r = await servers[A]!.api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [d.id], text: 'via A' });
    expect(r.status).toBe(201);
    const cmd = await d.dev.next((m) => m.t === 'command', 5000);
    const latency = Date.now() - started;
    expect(cmd).toMatchObject({ command: 'send-message', text: 'via A', id: r.body.commands[0].id });
    expect(latency).toBeLessThan(1000);
    d.dev.send({ t: 'ack', id: cmd.id });
    d.dev.send({ t: 'result', id: cmd.id, ok: true });
    await until('succeeded', async () => (await servers[C]!.api('GET', `/api/v1/commands/${cmd.id}`)).body.state === 'succeeded');
  });

  it('applies a configuration change made on B on devices held by A and C', async () => {
    const profile = (await servers[B]!.api('POST', '/api/v1/profiles', { name: 'Saver', type: 'standard', settings: { [TIMEOUT]: 7 } }))
      .body.id;
    const targets = devices.filter((d) => d.on !== B);
    const r = await servers[B]!.api('POST', `/api/v1/profiles/${profile}/assignments`, {
      targets: targets.map((d) => ({ type: 'device', id: d.id })),
      apply: 'now',
    });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    for (const d of targets) {
      const msg = await d.dev.next((m) => m.t === 'settings', 5000);
      expect(msg.settings).toEqual({ [TIMEOUT]: 7 });
      d.dev.send({ t: 'settings-applied', revision: msg.revision, hash: msg.hash, ok: true });
    }
    for (const d of targets) {
      await until(
        'applied',
        async () => (await servers[B]!.api('GET', `/api/v1/devices/${d.id}/settings`)).body.configChanges === 'APPLIED',
      );
    }
  });

  it('shows a browser on A the live events of a device held by C', async () => {
    const sse = openEvents(servers[A]!.t, await servers[A]!.newSession());
    await sleep(300);
    const d = devices.find((x) => x.on === C)!;
    const r = await servers[C]!.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [d.id] });
    const cmd = await d.dev.next((m) => m.t === 'command');
    d.dev.send({ t: 'ack', id: cmd.id });
    await until(
      'command event on A',
      async () =>
        sse.events.find((e) => e.type === 'command.changed' && e.data.id === r.body.commands[0].id && e.data.state === 'acknowledged'),
      5000,
    );
    sse.close();
  });

  it('ends a session everywhere at once when it logs out on one server', async () => {
    const token = await servers[A]!.newSession();
    const asUser = (s: number) => servers[s]!.api('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${token}` });
    expect((await asUser(B)).status).toBe(200); // cached on B now
    expect((await servers[A]!.api('POST', '/api/v1/auth/logout', undefined, { authorization: `Bearer ${token}` })).status).toBeLessThan(
      300,
    );
    await sleep(300);
    expect((await asUser(B)).status).toBe(401);
    expect((await asUser(C)).status).toBe(401);
  });

  it('sends the device enrollment address saved on A to the devices of every process, and in the welcome of a device connecting later', async () => {
    const started = Date.now();
    const put = await servers[A]!.api('PUT', '/api/v1/cluster-settings', {
      clusterAddress: null,
      enrollmentAddress: 'https://devices.example.com:9443',
    });
    expect(put.status).toBe(200);
    for (const d of devices) {
      expect(await d.dev.next((m) => m.t === 'server-address')).toEqual({ t: 'server-address', address: 'devices.example.com:9443' });
    }
    expect(Date.now() - started).toBeLessThan(2000);
    const d = devices.find((x) => x.on === C)!;
    d.dev.close();
    const dev = (await TestDevice.connect(servers[C]!.t, d.creds)) as TestDevice;
    dev.send({ t: 'hello', v: PROTOCOL_VERSION, unitId: d.unitId, system: sysinfo(), settingsHash: hashOf({}) });
    expect(await dev.next((m) => m.t === 'welcome')).toMatchObject({ serverAddress: 'devices.example.com:9443' });
    d.dev = dev;
  });

  it('after kill -9 of B: B is dead, its devices offline until they come back elsewhere, a queued command runs once', async () => {
    const onB = devices.filter((d) => d.on === B);
    await servers[B]!.kill();
    for (const d of onB) await d.dev.waitClosed();
    // One device comes back at once through C; the other stays away for now.
    const [back, away] = onB as [(typeof devices)[number], (typeof devices)[number]];
    await connectTo(C, back);
    const queued = (await servers[A]!.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [away.id] })).body
      .commands[0];
    expect(queued.state).toBe('queued');
    const killedAt = Date.now();
    const deadB = await until('B declared dead', async () => {
      const items = (await servers[A]!.api('GET', '/api/v1/servers')).body.items as any[];
      return items.find((s) => s.status === 'dead');
    });
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    await until(
      'the device that stayed away is offline',
      async () => !(await servers[A]!.api('GET', `/api/v1/devices/${away.id}`)).body.online,
    );
    await until(
      'the device that came back is online',
      async () => (await servers[A]!.api('GET', `/api/v1/devices/${back.id}`)).body.online,
    );
    // The dead entry can be removed; a running one cannot.
    const running = ((await servers[A]!.api('GET', '/api/v1/servers')).body.items as any[]).find((s) => s.status === 'running');
    expect((await servers[A]!.api('DELETE', `/api/v1/servers/${running.id}`)).body.error.code).toBe('SERVER_RUNNING');
    expect((await servers[A]!.api('DELETE', `/api/v1/servers/${deadB.id}`)).status).toBe(204);
    // On record (in the transaction of the removal), the refused attempt not.
    const removals = (await servers[A]!.api('GET', '/api/v1/audit-log?action=server.remove')).body.items as any[];
    expect(removals.map((e) => e.objectName)).toEqual([deadB.id]);

    await connectTo(A, away);
    const got = await away.dev.next((m) => m.t === 'command' && m.id === queued.id);
    away.dev.send({ t: 'ack', id: got.id });
    away.dev.send({ t: 'result', id: got.id, ok: true });
    await until('succeeded', async () => (await servers[C]!.api('GET', `/api/v1/commands/${queued.id}`)).body.state === 'succeeded');
    await sleep(2500); // a catch-up round on every survivor
    expect(away.dev.received.filter((m) => m.t === 'command' && m.id === queued.id)).toHaveLength(0);
  });

  it('blocks a client on every server after too many failed logins spread over several', async () => {
    const login = (s: number) =>
      servers[s]!.api('POST', '/api/v1/auth/login', { username: 'mallory', password: 'wrong-password' }, { authorization: '' });
    // Five failures, alternating between A and C: one count for the cluster, not one per server.
    for (let i = 0; i < 5; i++) expect((await login(i % 2 ? C : A)).status).toBe(401);
    for (const s of [A, C]) {
      const r = await login(s);
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('RATE_LIMITED');
    }
  });
});
