import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestCa, signDeviceCsr } from '../../../agent/test/support/pki.js';
import { applyJoinToken, createJoinToken } from '../../src/cluster/join.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { enroll, httpsCall, makeCsr, TestDevice, type Target } from '../helpers/device.js';
import { startShippedHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { freePort } from '../helpers/net.js';
import { startShippedNginxStream, type RunningBalancer } from '../helpers/nginx-stream.js';
import { ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

/**
 * The two shipped TLS-passthrough load balancers, started verbatim (placeholders replaced):
 * docs/proxy/nginx-tls-passthrough.conf (nginx stream) and docs/proxy/haproxy-tcp.cfg (HAProxy
 * TCP mode), each in front of real `openums server` processes — two sharing one database on
 * PostgreSQL, one on SQLite (a SQLite database belongs to one server). A real agent process
 * enrolls and keeps its mutual-TLS channel through the balancer; the server, not the
 * balancer, checks the client certificate.
 */
const PASSWORD = 'load-balancer-test';
const AGENT_BIN = new URL('../../../agent/bin/openums-agent.js', import.meta.url).pathname;

/** Device channels this server process holds, from its own /metrics (straight to it, not through a balancer). */
async function channelsOn(server: ServerProcess): Promise<number> {
  const text = (await httpsCall(server.t, 'GET', '/metrics')).body;
  return Number(/^openums_devices_connected (\d+)$/m.exec(text)?.[1] ?? NaN);
}

describe.each(DIALECTS)('TLS-passthrough load balancers (%s)', (dialect) => {
  let testDb: TestDb;
  const servers: ServerProcess[] = [];
  const extraDirs: string[] = [];
  let nginx: RunningBalancer;
  let haproxy: RunningHaproxy;
  const agents: ChildProcess[] = [];
  const devices: number[] = [];
  let units = 0;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    const first = new ServerProcess(testDb, await freePort(), PASSWORD);
    await first.start();
    servers.push(first);
    if (dialect === 'postgres') {
      // A second server on the same database: its own data directory with the first one's identity.
      const dataDir = mkdtempSync(join(tmpdir(), 'openums-test-second-'));
      extraDirs.push(dataDir);
      // Same installation: the second server joins with the first one's token (keys and certificates).
      applyJoinToken(dataDir, createJoinToken(testDb.dataDir));
      const second = new ServerProcess({ ...testDb, dataDir }, await freePort(), PASSWORD);
      await second.start();
      servers.push(second);
    }
    const ports = servers.map((s) => s.port);
    [nginx, haproxy] = await Promise.all([
      startShippedNginxStream({ dir: join(testDb.dataDir, 'nginx-stream'), upstreamPorts: ports, ca: first.t.ca }),
      startShippedHaproxy({ dir: join(testDb.dataDir, 'haproxy'), upstreamPorts: ports, ca: first.t.ca }),
    ]);
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => stopAgent(a)));
    // The agent enrolls with this machine's MAC: its device goes, so the next test can enroll again.
    const api = servers.find((s) => s.child.exitCode === null && s.child.signalCode === null)!;
    for (const id of devices.splice(0)) expect((await api.api('DELETE', `/api/v1/devices/${id}`)).status).toBeLessThan(300);
  });

  afterAll(async () => {
    await nginx?.stop();
    await haproxy?.stop();
    for (const s of servers) if (s.child?.exitCode === null && s.child.signalCode === null) await s.kill();
    await testDb?.drop();
    for (const d of extraDirs) rmSync(d, { recursive: true, force: true });
  });

  const allChannels = async () => (await Promise.all(servers.map(channelsOn))).reduce((a, b) => a + b);

  const stopAgent = async (a: ChildProcess) => {
    if (a.exitCode !== null || a.signalCode !== null) return;
    const done = new Promise((r) => a.once('exit', r));
    a.kill('SIGKILL');
    await done;
  };

  /**
   * The real agent: enrolls through the balancer with the CA fingerprint pinned, then runs;
   * resolves when the REST API (through the balancer) shows the device online.
   */
  const onlineAgent = async (lb: Target) => {
    const api = lbApi(lb);
    const token = await api.login();
    const keys = await api.call(token, 'POST', '/api/v1/enrollment-keys', { type: 'mass' });
    expect(keys.status).toBe(201);
    const ca = await httpsCall(lb, 'GET', '/ca.crt');
    // The CA the agent pins is the server's own web CA: the balancer does not terminate TLS.
    const fingerprint = String(ca.headers['x-certificate-fingerprint']);
    expect(fingerprint).toBe(`sha256:${new X509Certificate(lb.ca).fingerprint256}`);
    const state = mkdtempSync(join(testDb.dataDir, 'agent-'));
    const unitId = `LB${dialect.slice(0, 2).toUpperCase()}${String(++units).padStart(8, '0')}`;
    const server = `https://127.0.0.1:${lb.port}`;
    const enroll = spawn(
      process.execPath,
      [AGENT_BIN, 'enroll', '--server', server, '--state-dir', state, '--unit-id', unitId, '--ca-fingerprint', fingerprint],
      { env: { ...process.env, OPENUMS_ENROLLMENT_KEY: keys.body.keys[0].secret }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    enroll.stdout.on('data', (c) => (out += c));
    enroll.stderr.on('data', (c) => (out += c));
    expect(await new Promise((r) => enroll.once('exit', r)), out).toBe(0);
    const deviceId = Number(/Enrolled as device (\d+)/.exec(out)?.[1]);
    expect(deviceId).toBeGreaterThan(0);
    devices.push(deviceId);
    const channelsBefore = await allChannels();
    const run = spawn(process.execPath, [AGENT_BIN, 'run', '--state-dir', state], { stdio: 'ignore' });
    agents.push(run);
    // Watched on the servers, not through the balancer: requests through it while the agent
    // connects would count as connections there and could tip its least-connections choice.
    await until('the agent channel', async () => (await allChannels()) === channelsBefore + 1);
    await until(`device ${deviceId} online`, async () => (await api.call(token, 'GET', `/api/v1/devices/${deviceId}`)).body.online);
    return { deviceId, run, api, token };
  };

  /** A device of the test helpers (no reconnects), enrolled and connected through the balancer. */
  const onlineTestDevice = async (lb: Target) => {
    const api = lbApi(lb);
    const keys = await api.call(await api.login(), 'POST', '/api/v1/enrollment-keys', { type: 'mass' });
    const mac = `02EEFF${dialect === 'sqlite' ? '00' : '01'}${String(++units).padStart(4, '0')}`;
    const e = await enroll(lb, keys.body.keys[0].secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    const dev = (await TestDevice.connect(lb, e)) as TestDevice;
    dev.hello(mac);
    devices.push((await dev.next((m) => m.t === 'welcome')).deviceId as number);
    return dev;
  };

  const lbApi = (lb: Target) => ({
    async login(): Promise<string> {
      const r = await httpsCall(lb, 'POST', '/api/v1/auth/login', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      });
      expect(r.status, r.body).toBe(200);
      return JSON.parse(r.body).token as string;
    },
    async call(token: string, method: string, path: string, body?: unknown) {
      const r = await httpsCall(lb, method, path, {
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: r.status, body: r.body ? JSON.parse(r.body) : null };
    },
  });

  describe.each([
    ['nginx stream (docs/proxy/nginx-tls-passthrough.conf)', () => nginx],
    ['HAProxy TCP mode (docs/proxy/haproxy-tcp.cfg)', () => haproxy],
  ] as const)('%s', (_name, balancer) => {
    const lb = (): Target => ({ port: balancer().port, ca: servers[0]!.t.ca });

    it("answers /ums/check-status and the API with the server's own certificate", async () => {
      // `ca` is only the server's web CA: the TLS session is the server's, end to end.
      const status = await httpsCall(lb(), 'GET', '/ums/check-status');
      expect(status.status).toBe(200);
      expect(JSON.parse(status.body)).toMatchObject({ status: 'ok' });
      const api = lbApi(lb());
      const token = await api.login();
      expect((await api.call(token, 'GET', '/api/v1/devices')).status).toBe(200);
      expect((await httpsCall(lb(), 'GET', '/api/v1/devices')).status).toBe(401);
      if (balancer() === haproxy) {
        // HAProxy's HTTPS check of /ums/check-status passes on every server: the expected answer.
        await until('a passed check of every server', async () =>
          Object.values(await haproxy.servers()).every((s) => s.status === 'UP' && s.check === 'L7OK'),
        );
        expect(Object.keys(await haproxy.servers())).toHaveLength(servers.length);
      }
    });

    it('lets the server refuse a device channel without a certificate or with one from another CA (401)', async () => {
      expect(await TestDevice.connect(lb(), null)).toEqual({ status: 401 });
      // Well-formed, names a device, but not issued by this installation's device CA.
      const foreignCa = await createTestCa('Not the OpenUMS device CA');
      const csr = await makeCsr('02FFEE000001');
      const cert = await signDeviceCsr(foreignCa, Buffer.from(csr.csrBase64, 'base64'), 1);
      expect(await TestDevice.connect(lb(), { certPem: cert.toString('pem'), keyPem: csr.keyPem })).toEqual({ status: 401 });
    });

    const title =
      dialect === 'postgres'
        ? 'a real agent enrolls and keeps its mutual-TLS channel through it on the less loaded of two servers, moves to the other when its server is killed, and goes offline when stopped'
        : 'a real agent enrolls and keeps its mutual-TLS channel through it, and goes offline when stopped';
    beforeEach(async () => {
      // Both servers running (the previous balancer's last test killed one) and back in rotation.
      for (const s of servers) if (s.child.exitCode !== null || s.child.signalCode !== null) await s.start();
      if (balancer() === haproxy) {
        await until('every server UP in HAProxy', async () => Object.values(await haproxy.servers()).every((st) => st.status === 'UP'));
      }
    });

    it(title, async () => {
      // With two servers a first channel (a helper device) takes one; least connections then
      // sends the agent's to the other.
      const placeholder = servers.length > 1 ? await onlineTestDevice(lb()) : null;
      const first = await until('the first channel counted', async () => {
        const c = await Promise.all(servers.map(channelsOn));
        return c.reduce((a, b) => a + b) === (placeholder ? 1 : 0) ? c : null;
      });
      const agent = await onlineAgent(lb());
      const agentServer = servers[placeholder ? first.indexOf(0) : 0]!;
      expect(await Promise.all(servers.map(channelsOn))).toEqual(servers.map(() => 1));

      if (placeholder) {
        const survivor = servers.find((s) => s !== agentServer)!;
        const killedAt = Date.now();
        await agentServer.kill();
        // The agent reconnects through the balancer, which sends it to the running server:
        // that one now holds both channels, and has recorded the device's new contact (the
        // row said online all along: the killed server could not mark it offline).
        await until("the agent's channel on the surviving server", async () => (await channelsOn(survivor)) === 2);
        await until('contact through the surviving server', async () => {
          const d = (await agent.api.call(agent.token, 'GET', `/api/v1/devices/${agent.deviceId}`)).body;
          return d.online && Date.parse(d.lastContact) >= killedAt;
        });
        expect(placeholder.closed).toBeNull();
        if (balancer() === haproxy) {
          // The health check notices the dead server (DOWN after `fall` such checks).
          const name = `ums${servers.indexOf(agentServer) + 1}`;
          await until(`a failed check of ${name}`, async () => (await haproxy.servers())[name]?.check.startsWith('L4CON'));
        }
        placeholder.close();
      }
      await stopAgent(agent.run);
      await until(
        'device offline',
        async () => !(await agent.api.call(agent.token, 'GET', `/api/v1/devices/${agent.deviceId}`)).body.online,
      );
    });
  });
});
