#!/usr/bin/env node
// npm run bench:connect -- --devices 15000 [--dialect sqlite|postgres] [--steady-seconds 120]
// A real server process and the agent's simulator (real mTLS WebSockets, one certificate per
// device, spread over local addresses and worker processes). Phases: enrollment through EST;
// cold start (server start → all online); steady state with 60 s ± jitter heartbeats; fan-out
// of a reboot to every device; kill -9 of the server and the reconnect storm. Last line: JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, createTarget, machine, procStats, startServer } from './lib.mjs';
import { metrics, simulator, until, untilConnected } from './sim.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '15000' },
    dialect: { type: 'string', default: 'sqlite' },
    'steady-seconds': { type: 'string', default: '120' },
    'local-addresses': { type: 'string', default: '127.0.0.2-127.0.0.60' },
    processes: { type: 'string' },
  },
});
const N = Number(values.devices);
const steadySeconds = Number(values['steady-seconds']);
const simulate = (server, key, stateDir) =>
  simulator(server, key, stateDir, { count: N, localAddresses: values['local-addresses'], processes: values.processes });
const log = (...a) => process.stderr.write(`[bench:connect] ${a.join(' ')}\n`);
const serverEnv = { OPENUMS_HEARTBEAT_SECONDS: '60', OPENUMS_HEARTBEAT_OFFSET_SECONDS: '60' };

/** p99 from the difference of two cumulative histogram snapshots (upper bucket bound). */
function p99(before, after) {
  const diff = after.map(([le, c], i) => [le, c - (before[i]?.[1] ?? 0)]);
  const total = diff[diff.length - 1]?.[1] ?? 0;
  if (!total) return null;
  const hit = diff.find(([, c]) => c >= 0.99 * total);
  return hit ? hit[0] * 1000 : null;
}

const result = { bench: 'connect', date: new Date().toISOString(), machine: machine(), dialect: values.dialect, devices: N };
const target = await createTarget(values.dialect);
const stateDir = mkdtempSync(join(tmpdir(), 'openums-sim-'));
try {
  // ── 1. enrollment of N new devices (and their first connection) ──
  let server = await startServer(target, { env: serverEnv });
  const port = server.port;
  const key = JSON.parse((await call(server, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).body).keys[0].secret;
  let sim = simulate(server, key, stateDir);
  const enrollStart = performance.now();
  await until(() => sim.latest?.enrolled >= N, 30 * 60_000, 'enrollment');
  result.enrollPerSecond = Math.round(N / ((performance.now() - enrollStart) / 1000));
  log(`enrolled ${N} at ${result.enrollPerSecond}/s`);
  await until(() => sim.latest?.online >= N, 10 * 60_000, 'first connect');
  await sim.stop();

  // ── 2. cold start: server start → all online ──
  await server.stop();
  server = await startServer(target, { env: serverEnv, port });
  sim = simulate(server, key, stateDir);
  await untilConnected(server, N, 10 * 60_000, 'cold start');
  result.onlineSeconds = Math.round((performance.now() - server.startedAt) / 100) / 10;
  result.coldStartFailedConnects = sim.latest?.failedConnect ?? null;
  log(`all online ${result.onlineSeconds}s after server start`);

  // ── 3. steady state ──
  await new Promise((r) => setTimeout(r, 10_000)); // let the connect burst settle
  const m0 = await metrics(server);
  const c0 = procStats(server.pid);
  await new Promise((r) => setTimeout(r, steadySeconds * 1000));
  const c1 = procStats(server.pid);
  const m1 = await metrics(server);
  result.serverRssMb = c1.rssMb;
  result.steadyCpuPercent = Math.round(((c1.cpuSeconds - c0.cpuSeconds) / steadySeconds) * 1000) / 10;
  result.steadyCpuSplit = {
    userPercent: Math.round(((c1.userSeconds - c0.userSeconds) / steadySeconds) * 1000) / 10,
    kernelPercent: Math.round(((c1.systemSeconds - c0.systemSeconds) / steadySeconds) * 1000) / 10,
  };
  result.steadyHeartbeats = m1.heartbeats - m0.heartbeats;
  result.heartbeatP99Ms = p99(m0.heartbeatBuckets, m1.heartbeatBuckets);
  log(`steady: cpu ${result.steadyCpuPercent}% rss ${result.serverRssMb} MB heartbeat p99 ${result.heartbeatP99Ms} ms`);

  // ── 4. fan-out: reboot every device until all acknowledged ──
  const ids = [];
  for (let cursor = null; ;) {
    const page = JSON.parse((await call(server, 'GET', `/api/v1/devices?limit=1000&sort=id${cursor ? `&cursor=${cursor}` : ''}`)).body);
    ids.push(...page.items.map((d) => d.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const f0 = await metrics(server);
  const fanStart = performance.now();
  const sent = await call(server, 'POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: ids });
  result.fanoutApiMs = Math.round(performance.now() - fanStart);
  if (sent.status !== 201) throw new Error(`fan-out refused: ${sent.status} ${sent.body.slice(0, 200)}`);
  for (;;) {
    const m = await metrics(server);
    if (m.acks - f0.acks >= ids.length) break;
    if (performance.now() - fanStart > 120_000) throw new Error('fan-out timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
  result.fanoutSeconds = Math.round((performance.now() - fanStart) / 100) / 10;
  log(`fan-out to ${ids.length} acknowledged in ${result.fanoutSeconds}s`);

  // ── 5. kill -9 and the reconnect storm ──
  await new Promise((r) => setTimeout(r, 5_000));
  const failedBefore = sim.latest?.failedConnect ?? 0;
  await server.kill9();
  server = await startServer(target, { env: serverEnv, port });
  await untilConnected(server, Math.ceil(0.99 * N), 10 * 60_000, 'reconnect storm');
  const stormSeconds = (performance.now() - server.startedAt) / 1000;
  result.reconnect99Seconds = Math.round(stormSeconds * 10) / 10;
  const sm = await metrics(server);
  result.reconnectHandshakesPerSecond = { full: Math.round(sm.full / stormSeconds), resumed: Math.round(sm.resumed / stormSeconds) };
  result.reconnectErrors = { clientFailedConnects: (sim.latest?.failedConnect ?? 0) - failedBefore, serverShed: sm.shed };
  result.reconnectServerRssMb = procStats(server.pid).rssMb;
  log(`storm: 99% back in ${result.reconnect99Seconds}s`);
  await sim.stop();
  await server.stop();
} finally {
  await target.drop();
  rmSync(stateDir, { recursive: true, force: true });
}
result.targets = {
  onlineSeconds: '<= 90',
  serverRssMb: '<= 1536',
  steadyCpuPercent: '< 15',
  reconnect99Seconds: '<= 60',
  enrollPerSecond: '>= 200',
  fanoutSeconds: '<= 15',
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
