#!/usr/bin/env node
// npm run bench:cluster -- --scale …  (100,000 devices on one host: see bench/cluster-scale.mjs)
// npm run bench:cluster -- [--devices 15000] [--dialects postgres|sqlite|postgres,sqlite] [--processes 3]
//                          [--topology processes|workers] [--commands 300] [--steady-seconds 30]
//
// Several server processes of one installation and the agent's simulator (real mTLS WebSockets).
//
// Topologies:
//   processes (PostgreSQL, the default there): --processes server processes, each with its own data
//     directory (joined to the first by a join token) and its own port, on one PostgreSQL database.
//     Devices reach them through HAProxy in TCP mode (TLS passthrough), one HAProxy per server:
//     frontend k sends to server k while it is up and to the other servers (backups) when it is not,
//     so each device's first server is known and a killed server's devices can move.
//     One HAProxy per server because one process is limited to 20,000 open files.
//   workers (SQLite, or --topology workers): `openums server` with OPENUMS_WORKERS=--processes on one
//     port; the supervisor restarts a killed worker; devices reconnect to any worker.
//
// Phases: 1) enroll and connect N devices; 2) commands created through one process's REST API for
// devices held by the others — latency = acknowledgedAt − createdAt of GET /api/v1/commands/:id
// (both stamped by the servers, ms precision); 3) steady CPU and RSS of all server processes;
// 4) kill -9 of one server process and the time until 99 % of its devices are online again.
// Last line: JSON.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, createTarget, freePort, machine, procStats, startServer } from './lib.mjs';
import { metrics, simulator, until } from './sim.mjs';

// --scale: 100,000 devices on one host with workers (bench/cluster-scale.mjs); it exits when done.
if (process.argv.includes('--scale')) {
  await import('./cluster-scale.mjs');
  await new Promise(() => {});
}

const root = new URL('..', import.meta.url).pathname;
const serverDist = join(root, 'packages/server/dist');

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '15000' },
    dialects: { type: 'string', default: 'postgres' },
    processes: { type: 'string', default: '3' },
    topology: { type: 'string' },
    commands: { type: 'string', default: '300' },
    lanes: { type: 'string', default: '4' },
    'steady-seconds': { type: 'string', default: '30' },
    'local-addresses-from': { type: 'string', default: '2' },
    'local-addresses-to': { type: 'string', default: '60' },
  },
});
const N = Number(values.devices);
const P = Number(values.processes);
const COMMANDS = Number(values.commands);
const LANES = Number(values.lanes);
const steadySeconds = Number(values['steady-seconds']);
const dialects = values.dialects.split(',').map((d) => d.trim());
const log = (...a) => process.stderr.write(`[bench:cluster ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const serverEnv = { OPENUMS_HEARTBEAT_SECONDS: '60', OPENUMS_HEARTBEAT_OFFSET_SECONDS: '60' };

const q = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
const round1 = (x) => Math.round(x * 10) / 10;
const ms = (iso) => Date.parse(iso);

/** Local addresses 127.0.0.from–to split into P contiguous ranges, one per simulator. */
function addressRanges() {
  const from = Number(values['local-addresses-from']);
  const to = Number(values['local-addresses-to']);
  const per = Math.floor((to - from + 1) / P);
  return Array.from({ length: P }, (_, k) => `127.0.0.${from + k * per}-127.0.0.${k === P - 1 ? to : from + (k + 1) * per - 1}`);
}

function waitForPort(port, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = tcpConnect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() > end) reject(new Error(`port ${port} did not open`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * HAProxy (TCP, TLS passthrough) for server k: primary = server k, the others backups (all used
 * when k is down). A layer-4 error marks the primary down at once; checks every second.
 */
async function startHaproxy(dir, k, ports, maxconn) {
  const listen = await freePort();
  const lines = [
    'global',
    `    maxconn ${maxconn}`,
    'defaults',
    '    mode tcp',
    '    timeout connect 2s',
    '    timeout client 1h',
    '    timeout server 1h',
    '    timeout tunnel 1h',
    '    timeout client-fin 10s',
    '    timeout server-fin 10s',
    '    retries 3',
    '    option redispatch 1',
    'frontend devices',
    `    bind 127.0.0.1:${listen}`,
    `    maxconn ${maxconn}`,
    '    default_backend servers',
    'backend servers',
    '    balance roundrobin',
    '    option allbackups',
    ...ports.map(
      (port, i) =>
        `    server s${i} 127.0.0.1:${port} check inter 1s fall 2 rise 2${i === k ? ' observe layer4 error-limit 1 on-error mark-down' : ' backup'}`,
    ),
  ];
  const cfg = join(dir, `haproxy-${k}.cfg`);
  writeFileSync(cfg, `${lines.join('\n')}\n`);
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise((r) => child.on('exit', r));
  await waitForPort(listen);
  return {
    port: listen,
    pid: child.pid,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One keep-alive connection to the REST API (with --workers it is served by one worker: `self`). */
function lane(server) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: server.ca });
  const api = (method, path, body) => call(server, method, path, body, server.token, agent);
  return { api, agent, self: null };
}

async function servers(server) {
  const r = await call(server, 'GET', '/api/v1/servers');
  if (r.status !== 200) throw new Error(`GET /api/v1/servers: ${r.status}`);
  return JSON.parse(r.body).items;
}

/** Online devices and the server process holding each, read from the shared database (device_presence). */
async function placement(dbHandle) {
  const rows = await dbHandle.db.selectFrom('device_presence').select(['device_id', 'connected_server']).where('online', '=', 1).execute();
  return rows.map((r) => ({ id: Number(r.device_id), server: r.connected_server }));
}

const simOnline = (sims) => sims.reduce((a, s) => a + (s.latest?.online ?? 0), 0);
const simEnrolled = (sims) => sims.reduce((a, s) => a + (s.latest?.enrolled ?? 0), 0);
const simFailed = (sims) => sims.reduce((a, s) => a + (s.latest?.failedConnect ?? 0), 0);

/** Interrupted (SIGINT/SIGTERM, e.g. a timeout): stop every process this run started, drop its data. */
let abort = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void Promise.resolve(abort?.()).finally(() => process.exit(130));
  });
}

async function runDialect(dialect) {
  const topology = values.topology ?? (dialect === 'postgres' ? 'processes' : 'workers');
  if (topology === 'processes' && dialect !== 'postgres') throw new Error('separate processes need PostgreSQL; use --topology workers');
  const result = {
    dialect,
    topology,
    loadAvgAtStart: loadavg().map((x) => round1(x)),
    startedAt: new Date().toISOString(),
  };
  const t0 = performance.now();
  const target = await createTarget(dialect);
  const tmp = mkdtempSync(join(tmpdir(), 'openums-bench-cluster-'));
  const cleanup = [];
  const sims = [];
  let dbHandle = null;
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
    if (dbHandle) await dbHandle.close().catch(() => undefined);
    for (const f of cleanup.reverse()) await Promise.resolve(f()).catch(() => undefined);
    await target.drop().catch((e) => log(`drop failed: ${e.message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  abort = teardown;
  try {
    // ── servers ──
    const procs = []; // REST endpoints: one per process (processes), or one shared port (workers)
    if (topology === 'processes') {
      const { createJoinToken, applyJoinToken } = await import(join(serverDist, 'cluster/join.js'));
      procs.push(await startServer(target, { env: serverEnv }));
      cleanup.push(() => procs[0].stop());
      const token = createJoinToken(target.dataDir);
      for (let k = 1; k < P; k++) {
        const dir = mkdtempSync(join(tmpdir(), `openums-bench-join${k}-`));
        cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
        applyJoinToken(dir, token);
        const s = await startServer({ dataDir: dir, databaseUrl: target.databaseUrl }, { env: serverEnv });
        procs.push(s);
        cleanup.push(() => (s.child.exitCode === null && s.child.signalCode === null ? s.stop() : undefined));
      }
    } else {
      const s = await startServer(target, { env: { ...serverEnv, OPENUMS_WORKERS: String(P) } });
      procs.push(s);
      cleanup.push(() => s.stop());
    }
    const A = procs[0];
    for (const end = performance.now() + 60_000; ;) {
      const list = await servers(A).catch(() => []);
      if (list.filter((s) => s.status === 'running').length >= P) {
        result.serverIds = list.map((s) => s.id);
        break;
      }
      if (performance.now() > end) throw new Error('servers did not all register');
      await sleep(250);
    }
    result.serversStartSeconds = round1((performance.now() - t0) / 1000);
    log(`${dialect}/${topology}: ${P} server processes up in ${result.serversStartSeconds}s`);

    // ── devices: P simulators (N/P each), through HAProxy k (processes) or to the shared port ──
    let proxies = [];
    if (topology === 'processes') {
      const ports = procs.map((s) => s.port);
      const maxconn = Math.min(9000, Math.ceil(N / P) + 500);
      for (let k = 0; k < P; k++) {
        const h = await startHaproxy(tmp, k, ports, maxconn);
        proxies.push(h);
        cleanup.push(() => h.stop());
      }
    }
    const key = JSON.parse((await call(A, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).body).keys[0].secret;
    const ranges = addressRanges();
    const connectStart = performance.now();
    for (let k = 0; k < P; k++) {
      const count = Math.floor(((k + 1) * N) / P) - Math.floor((k * N) / P);
      const stateDir = mkdtempSync(join(tmpdir(), `openums-bench-sim${k}-`));
      cleanup.push(async () => rmSync(stateDir, { recursive: true, force: true }));
      const endpoint = topology === 'processes' ? { port: proxies[k].port } : A;
      const sim = simulator(endpoint, key, stateDir, {
        count,
        localAddresses: ranges[k],
        extra: ['--mac-prefix', `02BE${String(k).padStart(2, '0')}`],
      });
      sims.push(sim);
    }
    const failedEnroll = () => sims.reduce((a, s) => a + (s.latest?.failedEnroll ?? 0), 0);
    await until(() => simEnrolled(sims) + failedEnroll() >= N, 30 * 60_000, 'enrollment');
    result.enrollFailedDevices = failedEnroll();
    // Server answers to EST requests that were errors (the simulator retries them with backoff).
    result.enrollServerErrors = 0;
    result.enrollServerErrorsScope = topology === 'processes' ? 'all processes' : 'the worker that answered GET /metrics';
    for (const s of topology === 'processes' ? procs : [A]) {
      const text = (await call(s, 'GET', '/metrics')).body;
      for (const m of text.matchAll(/http_request_duration_seconds_count\{method="POST",route="[^"]*simpleenroll",status="5\d\d"\} (\d+)/g))
        result.enrollServerErrors += Number(m[1]);
    }
    result.enrollSeconds = round1((performance.now() - connectStart) / 1000);
    result.enrollPerSecond = Math.round(N / result.enrollSeconds);
    log(`enrolled ${N} in ${result.enrollSeconds}s`);
    await until(() => simOnline(sims) >= simEnrolled(sims), 10 * 60_000, 'all online');
    result.allOnlineSeconds = round1((performance.now() - connectStart) / 1000);
    log(`all ${N} online ${result.allOnlineSeconds}s after the simulators started`);

    // ── placement, from the database (presence is written in batches: wait until it says N) ──
    const { openDatabase } = await import(join(serverDist, 'db/database.js'));
    dbHandle = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 2 });
    let placed = [];
    for (const end = performance.now() + 60_000; ;) {
      placed = await placement(dbHandle);
      if (placed.length >= simEnrolled(sims) || performance.now() > end) break;
      await sleep(500);
    }
    const perServer = {};
    for (const d of placed) perServer[d.server] = (perServer[d.server] ?? 0) + 1;
    result.devicesPerServer = perServer;
    log(`placement: ${JSON.stringify(perServer)}`);

    // ── 1. cross-process command latency ──
    const lanes = Array.from({ length: LANES }, () => lane(A));
    for (const l of lanes) l.self = JSON.parse((await l.api('GET', '/api/v1/servers')).body).items.find((s) => s.self).id;
    const created = [];
    let postErrors = 0;
    const postMs = [];
    const cmdStart = performance.now();
    await Promise.all(
      lanes.map(async (l) => {
        const candidates = placed.filter((d) => d.server && d.server !== l.self);
        if (!candidates.length) throw new Error(`no device held by another process than ${l.self}`);
        while (created.length + postErrors < COMMANDS) {
          const d = candidates[Math.floor(Math.random() * candidates.length)];
          const t = performance.now();
          const r = await l.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [d.id] });
          postMs.push(performance.now() - t);
          if (r.status !== 201) {
            postErrors++;
            continue;
          }
          created.push({ id: JSON.parse(r.body).commands[0].id, deviceId: d.id, holder: d.server, via: l.self });
          await sleep(Math.random() * 200);
        }
      }),
    );
    const cmdSeconds = (performance.now() - cmdStart) / 1000;
    await sleep(2000);
    const done = new Map();
    for (const end = performance.now() + 30_000; done.size < created.length && performance.now() < end;) {
      for (const c of created) {
        if (done.has(c.id)) continue;
        const r = await lanes[0].api('GET', `/api/v1/commands/${c.id}`);
        if (r.status !== 200) continue;
        const cmd = JSON.parse(r.body);
        if (cmd.acknowledgedAt) done.set(c.id, { ...c, cmd });
      }
      if (done.size < created.length) await sleep(1000);
    }
    const ack = [...done.values()].map((c) => ms(c.cmd.acknowledgedAt) - ms(c.cmd.createdAt)).sort((a, b) => a - b);
    const sent = [...done.values()]
      .filter((c) => c.cmd.sentAt)
      .map((c) => ms(c.cmd.sentAt) - ms(c.cmd.createdAt))
      .sort((a, b) => a - b);
    postMs.sort((a, b) => a - b);
    result.commands = {
      created: created.length,
      postErrors,
      acknowledged: done.size,
      notAcknowledged: created.length - done.size,
      perSecond: round1(created.length / cmdSeconds),
      createdVia: [...new Set(created.map((c) => c.via))],
      heldBy: Object.fromEntries([...new Set(created.map((c) => c.holder))].map((h) => [h, created.filter((c) => c.holder === h).length])),
      createdToAcknowledgedMs: { p50: q(ack, 0.5), p99: q(ack, 0.99), max: ack[ack.length - 1] ?? null },
      createdToSentMs: { p50: q(sent, 0.5), p99: q(sent, 0.99), max: sent[sent.length - 1] ?? null },
      postRequestMs: { p50: round1(q(postMs, 0.5)), p99: round1(q(postMs, 0.99)) },
    };
    log(`commands: ${JSON.stringify(result.commands)}`);
    for (const l of lanes) l.agent.destroy();

    // ── 2a. steady CPU and RSS of every server process ──
    await sleep(5_000);
    const list = await servers(A);
    const serverPids =
      topology === 'processes' ? procs.map((s) => s.pid) : [A.pid, ...list.filter((s) => s.status === 'running').map((s) => s.pid)];
    const c0 = serverPids.map((pid) => procStats(pid));
    const h0 = proxies.map((h) => procStats(h.pid));
    await sleep(steadySeconds * 1000);
    const c1 = serverPids.map((pid) => procStats(pid));
    const h1 = proxies.map((h) => procStats(h.pid));
    const pct = (a, b, f) => round1((b.reduce((x, s) => x + s[f], 0) - a.reduce((x, s) => x + s[f], 0)) * (100 / steadySeconds));
    result.steady = {
      seconds: steadySeconds,
      serverProcesses: serverPids.length,
      serverCpuPercent: pct(c0, c1, 'cpuSeconds'),
      serverCpuSplit: { userPercent: pct(c0, c1, 'userSeconds'), kernelPercent: pct(c0, c1, 'systemSeconds') },
      perProcessCpuPercent: c1.map((s, i) => round1((s.cpuSeconds - c0[i].cpuSeconds) * (100 / steadySeconds))),
      serverRssMb: c1.reduce((x, s) => x + s.rssMb, 0),
      perProcessRssMb: c1.map((s) => s.rssMb),
      ...(proxies.length ? { haproxyCpuPercent: pct(h0, h1, 'cpuSeconds'), haproxyRssMb: h1.reduce((x, s) => x + s.rssMb, 0) } : {}),
      loadAvg: loadavg().map((x) => round1(x)),
    };
    log(`steady: ${JSON.stringify(result.steady)}`);

    // ── 2b. fail-over: kill -9 one process (not the one whose REST API we use) ──
    const before = await servers(A);
    let victim;
    if (topology === 'processes') {
      const k = P - 1;
      victim = { id: before.find((s) => s.pid === procs[k].pid)?.id, pid: procs[k].pid, proc: procs[k] };
    } else {
      const running = before.filter((s) => s.status === 'running').sort((a, b) => b.devicesConnected - a.devicesConnected);
      victim = { id: running[0].id, pid: running[0].pid };
    }
    const lost = (await placement(dbHandle)).filter((d) => d.server === victim.id).length;
    const onlineBefore = simOnline(sims);
    const failedBefore = simFailed(sims);
    const goal = onlineBefore - Math.floor(0.01 * lost);
    log(`kill -9 ${victim.id} (pid ${victim.pid}) holding ${lost} devices; ${onlineBefore} online`);
    const killAt = performance.now();
    process.kill(victim.pid, 'SIGKILL');
    let minOnline = onlineBefore;
    let serverSeenBelow = false;
    let simBackAt = null;
    let serverBackAt = null;
    let deadAt = null;
    let lastServerCount = null;
    const survivors = topology === 'processes' ? procs.filter((s) => s !== victim.proc) : [];
    const poll = async () => {
      try {
        if (topology === 'processes') {
          const counts = await Promise.all(survivors.map((s) => metrics(s).then((m) => m.connected)));
          lastServerCount = counts.reduce((a, b) => a + b, 0);
          if (deadAt === null && (await servers(A)).find((s) => s.id === victim.id)?.status === 'dead') deadAt = performance.now();
        } else {
          const l = await servers(A);
          lastServerCount = l.filter((s) => s.status === 'running').reduce((a, s) => a + s.devicesConnected, 0);
        }
      } catch {
        /* busy or the connection went to the killed worker: again */
      }
    };
    for (const end = killAt + 240_000; performance.now() < end;) {
      const on = simOnline(sims);
      minOnline = Math.min(minOnline, on);
      // Back: seen below the goal (the drop), then at or above it again.
      if (simBackAt === null && minOnline < goal && on >= goal) simBackAt = performance.now();
      await poll();
      if (lastServerCount !== null && lastServerCount < goal) serverSeenBelow = true;
      if (serverBackAt === null && serverSeenBelow && lastServerCount >= goal) serverBackAt = performance.now();
      if (simBackAt !== null && serverBackAt !== null && (topology !== 'processes' || deadAt !== null)) break;
      await sleep(250);
    }
    const secs = (t) => (t === null ? null : round1((t - killAt) / 1000));
    const after = await servers(A).catch(() => []);
    result.failover = {
      killed: victim.id,
      devicesOnKilled: lost,
      onlineBefore,
      lowestOnline: minOnline,
      back99Seconds: secs(simBackAt),
      back99SecondsServerSide: secs(serverBackAt),
      serverSideSource: topology === 'processes' ? 'openums_devices_connected of the surviving processes' : 'GET /api/v1/servers (beats)',
      ...(topology === 'processes' ? { reportedDeadSeconds: secs(deadAt) } : {}),
      failedConnectsDuring: simFailed(sims) - failedBefore,
      devicesPerServerAfter: Object.fromEntries(after.map((s) => [s.id, s.status === 'running' ? s.devicesConnected : s.status])),
    };
    log(`fail-over: ${JSON.stringify(result.failover)}`);
  } finally {
    await teardown();
  }
  result.wallSeconds = round1((performance.now() - t0) / 1000);
  return result;
}

const out = {
  bench: 'cluster',
  date: new Date().toISOString(),
  machine: machine(),
  command: `node bench/cluster.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  parameters: {
    devices: N,
    processes: P,
    dialects,
    topology: values.topology ?? 'processes on PostgreSQL, workers on SQLite',
    commands: COMMANDS,
    commandLanes: LANES,
    command: 'refresh-sysinfo, one device per request, 0-200 ms pause per lane',
    steadySeconds,
    heartbeatSeconds: 60,
    clusterBeatSeconds: Number(process.env.OPENUMS_CLUSTER_BEAT_SECONDS ?? 5),
  },
  results: {},
};
for (const d of dialects) out.results[d] = await runDialect(d);
out.targets = {
  'commands.createdToAcknowledgedMs.p99': '<= 200 (15,000 devices)',
  'failover.back99Seconds': '<= 60',
};
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
