#!/usr/bin/env node
// npm run bench:cluster -- --scale [--devices 100000] [--dialects sqlite,postgres] [--workers 7]
//                                  [--sim-processes 8] [--steady-seconds 120] [--settle-seconds 60]
//                                  [--keep-dir DIR] [--phases enroll,cold,steady,drop,kill]
//                                  [--profile-seconds S] [--profile-kill-seconds S] [--profile-kill-after 60] [--count-syscalls]
//                                  [--sim-connect-concurrency 200] [--sim-malloc system|jemalloc] [--sim-nice 0]
//
// 100,000 devices on one host: `openums server --workers W` (supervisor + W workers sharing the
// HTTPS port; 7 by default: ≈ 14,300 channels each, so that the other six still hold every device
// while one is down or restarting (≤ 19,000 each; with 6, five hold only 95,000 — seen on
// PostgreSQL, docs/benchmarks.md) and the agent's simulator in several
// processes (each device its own key, certificate and mutual-TLS WebSocket) bound to 127.0.0.0/8
// source addresses. The server runs with the product's default liveness and heartbeat settings.
// Phases per dialect:
//   0) enrollment of N devices through EST (preparation; its rate is reported, not a target);
//   1) cold start: server and simulator stopped, then both started together (the simulator's new
//      processes hold no TLS session: full handshakes) → time until every device is online;
//   2) steady: CPU and RSS of the supervisor and all workers with every device online;
//   3) (only when listed in --phases) drop: the kernel cuts every device's connection (ss -K), the
//      workers stay up → time until 99 % online again: the kill storm without the workers' restart;
//   4) kill -9 of every worker at once (the supervisor restarts them) → time until 99 % online
//      again, and how many of those handshakes were resumed sessions.
// --keep-dir DIR keeps each dialect's data directory, database and simulator state under DIR
// (DIR/<dialect>.json says where) instead of dropping them; a later run with the same DIR skips
// the enrollment and measures the same fleet again (enrolling 100,000 devices takes 20–30 minutes,
// and is preparation, not a figure). --phases: the run stops before the first phase that is not
// listed (each phase needs the ones before it: `enroll` alone only prepares; enrollment is skipped
// only when DIR holds a kept fleet, whatever --phases says).
// Last line: JSON.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { countSyscalls, netCounters, netdevMaxBacklog, profileRunning, profileTop, sampleShape, threadCpu, wakeups } from './inspect.mjs';
import { call, createTarget, descendants, machine, postgresSettings, procStats, startServer } from './lib.mjs';
import { simulator, until } from './sim.mjs';

const { values } = parseArgs({
  options: {
    scale: { type: 'boolean' },
    devices: { type: 'string', default: '100000' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    workers: { type: 'string', default: '7' },
    'sim-processes': { type: 'string', default: '8' },
    'steady-seconds': { type: 'string', default: '120' },
    'settle-seconds': { type: 'string', default: '60' },
    'local-addresses': { type: 'string', default: '127.0.0.2-127.0.0.250' },
    'keep-dir': { type: 'string' },
    'profile-seconds': { type: 'string', default: '0' },
    'count-syscalls': { type: 'boolean', default: false },
    'profile-kill-seconds': { type: 'string', default: '0' },
    'profile-kill-after': { type: 'string', default: '60' },
    'sim-connect-concurrency': { type: 'string' },
    // jemalloc for the simulator's processes (bench/sim.mjs says why); the server keeps glibc's.
    'sim-malloc': { type: 'string', default: 'system' },
    // Scheduling priority (nice, 0–19) of the simulator's processes: the load generator yields the
    // shared cores to the server under test (100,000 real devices bring their own CPUs).
    'sim-nice': { type: 'string', default: '0' },
    phases: { type: 'string', default: 'enroll,cold,steady,kill' },
  },
});
const N = Number(values.devices);
const W = Number(values.workers);
const S = Number(values['sim-processes']);
const steadySeconds = Number(values['steady-seconds']);
const settleSeconds = Number(values['settle-seconds']);
const dialects = values.dialects.split(',').map((d) => d.trim());
const phases = new Set(values.phases.split(',').map((p) => p.trim()));
const keepDir = values['keep-dir'] ?? null;
const log = (...a) => process.stderr.write(`[bench:cluster --scale ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round1 = (x) => Math.round(x * 10) / 10;
const secondsSince = (t) => round1((performance.now() - t) / 1000);

/**
 * CPU per device that came back, each side, in ms, from the storm's samples (% of one core every
 * `everySeconds`): over the whole storm (the restarted workers' start included) and from the
 * third sample on (`afterStart`: the pace once the workers are up — what a worker count or a cut
 * changes per device).
 */
function cpuPerDevice(shape, devices) {
  const per = (from) => {
    // Every device is back when the storm ends; after the start, those the samples saw come back.
    const back = from ? (shape.count.at(-1) ?? 0) - shape.count[from - 1] : devices;
    const ms = (series) => {
      const cpuSeconds = (series.slice(from).reduce((a, b) => a + b, 0) * shape.everySeconds) / 100;
      return back > 0 ? Math.round((cpuSeconds * 1e6) / back) / 1000 : null;
    };
    return { server: ms(shape.serverCpu), simulator: ms(shape.simulatorCpu), postgres: ms(shape.postgresCpu) };
  };
  // The simulator may report the drop late (seen at 100,000: two samples still counting every
  // device online): "after the start" counts from the second sample after the one that saw it.
  const dropAt = Math.max(
    0,
    shape.count.findIndex((c) => c !== null && c < devices / 2),
  );
  return { wholeStorm: per(0), afterStart: shape.count.length > dropAt + 3 ? per(dropAt + 2) : null };
}

/** Running worker processes (pid, devices) as the registry says; [] while the API does not answer. */
async function workers(server) {
  try {
    const r = await call(server, 'GET', '/api/v1/servers');
    if (r.status !== 200) return [];
    return JSON.parse(r.body).items.filter((s) => s.status === 'running');
  } catch {
    return [];
  }
}

const alive = (pid) => existsSync(`/proc/${pid}/stat`);

/** Logs in again (a restarted server's sessions are still valid, but a killed worker drops the keep-alive socket). */
async function relogin(server) {
  const login = await call(server, 'POST', '/api/v1/auth/login', { username: 'admin', password: 'bench-password' }, undefined, false);
  if (login.status === 200) server.token = JSON.parse(login.body).token;
}

/** Polls the simulator's online count until `goal`; returns seconds from `t0` (or null on timeout). */
async function untilOnline(sim, goal, t0, timeoutMs, what) {
  let lastLog = 0;
  // A few devices that never come (seen: 5 of 100,000) must not hold the run for the whole
  // timeout: past 99.9 %, three minutes without one more device online end the wait (null).
  // Counting starts again at every new low: right after a kill the simulator's count is still
  // the old one for a moment (seen: 98,990 three seconds in, taken for "stuck near the goal").
  let best = 0;
  let bestAt = performance.now();
  let low = Infinity;
  for (const end = performance.now() + timeoutMs; performance.now() < end;) {
    const on = sim.latest?.online ?? 0;
    if (on >= goal) return secondsSince(t0);
    if (on < low) [low, best, bestAt] = [on, on, performance.now()];
    if (on > best) [best, bestAt] = [on, performance.now()];
    if (best >= 0.999 * goal && performance.now() - bestAt > 180_000) {
      log(`${what}: stuck at ${best} / ${goal} since ${round1((bestAt - t0) / 1000)} s; giving up`);
      return null;
    }
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`${what}: ${on} / ${goal} online after ${secondsSince(t0)} s`);
    }
    await sleep(250);
  }
  return null;
}

let abort = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void Promise.resolve(abort?.()).finally(() => process.exit(130));
  });
}

/** A kept fleet of an earlier run (--keep-dir), or null. */
function keptFleet(dialect) {
  const file = keepDir && join(keepDir, `${dialect}.json`);
  return file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

async function runDialect(dialect) {
  const result = { dialect, workers: W, simulatorProcesses: S, loadAvgAtStart: loadavg().map(round1), startedAt: new Date().toISOString() };
  const kept = keptFleet(dialect);
  const target = kept
    ? { dialect, dataDir: kept.dataDir, databaseUrl: kept.databaseUrl, drop: async () => undefined }
    : await createTarget(dialect);
  if (keepDir) mkdirSync(keepDir, { recursive: true });
  const stateDir =
    kept?.stateDir ?? (keepDir ? mkdtempSync(join(keepDir, `${dialect}-sim-`)) : mkdtempSync(join(tmpdir(), 'openums-bench-scale-sim-')));
  let server = null;
  let sim = null;
  const teardown = async () => {
    await sim?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (keepDir) return; // the fleet stays for the next run
    await target.drop().catch((e) => log(`drop failed: ${e.message}`));
    rmSync(stateDir, { recursive: true, force: true });
  };
  abort = teardown;
  const env = { OPENUMS_WORKERS: String(W) };
  // Handshakes in flight per simulator process (the simulator's default, 200, unless given).
  const simExtra = values['sim-connect-concurrency'] ? ['--connect-concurrency', values['sim-connect-concurrency']] : [];
  const startSim = (key) =>
    simulator(server, key, stateDir, {
      count: N,
      localAddresses: values['local-addresses'],
      processes: String(S),
      extra: simExtra,
      malloc: values['sim-malloc'],
      nice: Number(values['sim-nice']),
    });
  let t;
  let key;
  let port;
  let E;
  try {
    if (kept) {
      ({ key, port, enrolled: E } = kept);
      result.enrollment = { ...kept.enrollment, keptFrom: kept.enrolledAt };
      log(`kept fleet of ${kept.enrolledAt}: ${E} enrolled devices (${target.dataDir})`);
    } else {
      // ── 0. enrollment (preparation) ──
      server = await startServer(target, { env });
      port = server.port;
      key = JSON.parse((await call(server, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).body).keys[0].secret;
      t = performance.now();
      sim = startSim(key);
      await until(() => (sim.latest?.enrolled ?? 0) + (sim.latest?.failedEnroll ?? 0) >= N, 60 * 60_000, 'enrollment');
      result.enrollment = { seconds: secondsSince(t), failed: sim.latest.failedEnroll };
      result.enrollment.perSecond = Math.round(N / result.enrollment.seconds);
      // Devices whose enrollment failed for good are not part of the fleet: the goals below count the enrolled.
      E = sim.latest.enrolled;
      result.enrollment.enrolled = E;
      log(`enrolled ${E} of ${N} in ${result.enrollment.seconds} s`);
      // A device that enrolled but never connects must not hold the run (seen: 299 of 300 online
      // after 10 minutes with 2 workers); the cold start below counts from its own zero anyway.
      if ((await untilOnline(sim, E, t, 5 * 60_000, 'enrollment run')) === null)
        log(`enrollment run: ${sim.latest?.online ?? 0} of ${E} online after 5 min; going on`);
      await sim.stop();
      sim = null;
      await server.stop();
      server = null;
      if (keepDir) {
        const fleet = {
          dataDir: target.dataDir,
          databaseUrl: target.databaseUrl,
          stateDir,
          key,
          port,
          enrolled: E,
          enrollment: result.enrollment,
          enrolledAt: result.startedAt,
        };
        writeFileSync(join(keepDir, `${dialect}.json`), JSON.stringify(fleet, null, 2));
        log(`fleet kept in ${keepDir}/${dialect}.json`);
      }
    }
    if (!phases.has('cold')) return result;

    // ── 1. cold start ──
    log('server and simulator stopped; cold start');
    t = performance.now();
    server = await startServer(target, { env, port });
    result.coldStart = { serverReadySeconds: secondsSince(t) };
    sim = startSim(key);
    const online = await untilOnline(sim, E, t, 30 * 60_000, 'cold start');
    result.coldStart.allOnlineSeconds = online;
    // From the simulator's per-second history: when 99 % and 99.9 % were first online.
    const firstAt = (share) => sim.history.find((h) => h.online >= share * E);
    for (const [key, share] of [
      ['online99Seconds', 0.99],
      ['online999Seconds', 0.999],
    ])
      result.coldStart[key] = firstAt(share) ? round1((firstAt(share).at - t) / 1000) : null;
    result.coldStart.maxOnline = sim.history.reduce((a, h) => Math.max(a, h.online), 0);
    result.coldStart.fullHandshakes = sim.latest?.fullHandshakes ?? null;
    result.coldStart.resumedHandshakes = sim.latest?.resumed ?? null;
    result.coldStart.failedConnects = sim.latest?.failedConnect ?? null;
    // The registry counts from the workers' beats (every 5 s).
    let registry = 0;
    for (const end = performance.now() + 30_000; performance.now() < end;) {
      registry = (await workers(server)).reduce((a, s) => a + s.devicesConnected, 0);
      if (registry >= E) break;
      await sleep(1000);
    }
    result.coldStart.registryOnline = registry;
    log(`cold start: all ${E} online after ${online} s (${JSON.stringify(result.coldStart)})`);
    if (!phases.has('steady')) return result;

    // ── 2. steady ──
    await sleep(settleSeconds * 1000);
    const list = await workers(server);
    const pids = [server.pid, ...list.map((s) => s.pid)];
    const simPids = descendants(sim.child.pid);
    const simCpu = () => simPids.reduce((a, pid) => a + (alive(pid) ? procStats(pid).cpuSeconds : 0), 0);
    const c0 = pids.map((pid) => procStats(pid));
    const th0 = pids.map((pid) => threadCpu(pid));
    const w0 = pids.map((pid) => wakeups(pid));
    const s0 = simCpu();
    const n0 = netCounters();
    const t0 = performance.now();
    // The workers' system calls over the same window (--count-syscalls; needs perf).
    const syscalls = values['count-syscalls'] ? countSyscalls(pids.slice(1), steadySeconds) : null;
    await sleep(steadySeconds * 1000);
    const c1 = pids.map((pid) => procStats(pid));
    const th1 = pids.map((pid) => threadCpu(pid));
    const w1 = pids.map((pid) => wakeups(pid));
    const s1 = simCpu();
    const n1 = netCounters();
    const secs = (performance.now() - t0) / 1000;
    // Where the server's CPU goes, by thread kind (all processes): JavaScript and native work on
    // the main threads, V8's helpers (concurrent GC), libuv's pool; and how often they wake up.
    const byThread = {};
    for (const k of Object.keys(th0[0])) byThread[k] = round1(th1.reduce((a, t, i) => a + t[k] - th0[i][k], 0) * (100 / secs));
    const pct = (f) => round1((c1.reduce((x, s) => x + s[f], 0) - c0.reduce((x, s) => x + s[f], 0)) * (100 / secs));
    result.steady = {
      seconds: round1(secs),
      processes: pids.length,
      serverCpuPercentOfOneCore: pct('cpuSeconds'),
      userPercent: pct('userSeconds'),
      kernelPercent: pct('systemSeconds'),
      supervisorCpuPercent: round1((c1[0].cpuSeconds - c0[0].cpuSeconds) * (100 / secs)),
      serverRssMb: c1.reduce((x, s) => x + s.rssMb, 0),
      serverRssAnonMb: c1.reduce((x, s) => x + s.rssAnonMb, 0),
      ...(syscalls ? { workersSyscallsPerSecond: await syscalls } : {}),
      perWorker: list.map((s, i) => ({
        devices: s.devicesConnected,
        cpuPercent: round1((c1[i + 1].cpuSeconds - c0[i + 1].cpuSeconds) * (100 / secs)),
        rssMb: c1[i + 1].rssMb,
      })),
      byThreadPercent: byThread,
      wakeupsPerSecond: Math.round(w1.reduce((a, w, i) => a + w - w0[i], 0) / secs),
      simulatorCpuPercent: round1((s1 - s0) * (100 / secs)),
      kernelInputDropsPerSecond: Math.round((n1.softnetDrops - n0.softnetDrops) / secs),
      connectionsAbortedByKernel: n1.abortsOnTimeout - n0.abortsOnTimeout,
      simulatorOnline: sim.latest?.online ?? null,
      loadAvg: loadavg().map(round1),
    };
    log(`steady: ${JSON.stringify(result.steady)}`);
    // After the measured window: a CPU profile of the busiest worker through its inspector.
    const profileSeconds = Number(values['profile-seconds']);
    if (profileSeconds > 0 && list.length > 0) {
      const busiest = list.reduce((a, s) => (s.devicesConnected > a.devicesConnected ? s : a));
      const file = join(keepDir ?? tmpdir(), `${dialect}-worker-${busiest.pid}.cpuprofile`);
      try {
        const p = await profileRunning(busiest.pid, profileSeconds, file);
        result.steady.profile = {
          pid: busiest.pid,
          devices: busiest.devicesConnected,
          seconds: profileSeconds,
          ...p,
          top: profileTop(file, 20),
        };
        log(`profile: ${JSON.stringify(result.steady.profile)}`);
      } catch (err) {
        log(`profile failed: ${err.message}`);
      }
    }
    // ── 3. drop: every device's connection cut by the kernel, the workers stay up (a switch that
    // restarts) → the same storm as 4. against warm processes: what is per-process warm-up
    // (a restarted worker's JIT) and what is the reconnect itself.
    if (phases.has('drop')) {
      result.dropAll = await storm(
        'drop',
        () => {
          // SOCK_DESTROY on the server's side of every established device socket (the peer gets a reset).
          execFileSync('ss', ['-K', 'state', 'established', `( sport = :${server.port} )`], { stdio: 'ignore' });
        },
        async () => ({ devicesPerWorker: (await workers(server)).map((s) => s.devicesConnected) }),
      );
    }
    // With one worker there is no supervisor (the server is that process): nobody would restart it.
    if (!phases.has('kill') || W < 2) return result;

    // ── 4. kill -9 of every worker ──
    const victims = (await workers(server)).map((s) => s.pid);
    result.killAllWorkers = await storm(
      'kill',
      () => {
        log(`kill -9 of ${victims.length} workers (${victims.join(' ')})`);
        for (const pid of victims) process.kill(pid, 'SIGKILL');
      },
      async () => {
        const after = await workers(server);
        return {
          killed: victims.length,
          workersAfter: after.length,
          newPids: after.every((s) => !victims.includes(s.pid)),
          devicesPerWorker: after.map((s) => s.devicesConnected),
        };
      },
      victims,
    );
  } finally {
    await teardown();
  }
  return result;

  /**
   * A reconnect storm `cause` starts; time until 99 % / all online again and the CPU it took
   * (`describe` adds what the cause left behind, asked once the devices are back).
   */
  async function storm(what, cause, describe = async () => ({}), victims = []) {
    const resumedBefore = sim.latest?.resumed ?? 0;
    const fullBefore = sim.latest?.fullHandshakes ?? 0;
    const failedBefore = sim.latest?.failedConnect ?? 0;
    const goal = Math.ceil(0.99 * E);
    const t = performance.now();
    cause();
    // The storm's shape: devices online and who used the two cores, every 10 s.
    const stopShape = sampleShape({
      count: () => sim.latest?.online ?? null,
      serverPids: () => descendants(server.pid),
      simulatorPids: () => descendants(sim.child.pid),
    });
    // Wait for the drop first: the simulator notices closed sockets within its stats interval,
    // but with 100,000 closing at once its processes may report late (seen: no report of the
    // drop within 30 s on a slow machine), so up to two minutes.
    await until(() => (sim.latest?.online ?? E) < goal, 120_000, `the drop after ${what}`);
    // Where a reconnect storm's CPU goes: a profile of one worker (after a kill, a restarted one),
    // --profile-kill-after seconds (60) into each storm, drop and kill alike.
    const killProfileSeconds = Number(values['profile-kill-seconds']);
    const killProfile =
      killProfileSeconds > 0
        ? sleep(Number(values['profile-kill-after']) * 1000)
            .then(() => relogin(server))
            .then(() => workers(server))
            .then(async (list) => {
              const w = list.find((s) => !victims.includes(s.pid));
              if (!w) return { error: 'no restarted worker registered' };
              const file = join(keepDir ?? tmpdir(), `${dialect}-reconnect-${w.pid}.cpuprofile`);
              const p = await profileRunning(w.pid, killProfileSeconds, file);
              const server = { pid: w.pid, seconds: killProfileSeconds, ...p, top: profileTop(file, 25) };
              // And the other side of the storm: one of the simulator's device processes.
              const simPid = descendants(sim.child.pid).find((pid) => pid !== sim.child.pid);
              if (!simPid) return { server };
              const simFile = join(keepDir ?? tmpdir(), `${dialect}-reconnect-sim-${simPid}.cpuprofile`);
              const q = await profileRunning(simPid, killProfileSeconds, simFile);
              return { server, simulator: { pid: simPid, ...q, top: profileTop(simFile, 25) } };
            })
            .catch((err) => ({ error: err.message }))
        : null;
    const back = await untilOnline(sim, goal, t, 15 * 60_000, `after ${what}`);
    const allBack = await untilOnline(sim, E, t, 5 * 60_000, `after ${what} (all)`);
    const shape = stopShape();
    await relogin(server).catch(() => undefined);
    const outcome = {
      ...(await describe()),
      back99Seconds: back,
      allBackSeconds: allBack,
      resumedHandshakes: (sim.latest?.resumed ?? 0) - resumedBefore,
      fullHandshakes: (sim.latest?.fullHandshakes ?? 0) - fullBefore,
      failedConnects: (sim.latest?.failedConnect ?? 0) - failedBefore,
      shape,
      cpuMsPerDevice: cpuPerDevice(shape, E),
      ...(killProfile ? { reconnectProfile: await killProfile } : {}),
    };
    log(`${what}: ${JSON.stringify(outcome)}`);
    return outcome;
  }
}

const out = {
  bench: 'cluster-scale',
  date: new Date().toISOString(),
  machine: machine(),
  command: `node bench/cluster.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  parameters: {
    devices: N,
    workers: W,
    simulatorProcesses: S,
    simulatorMalloc: values['sim-malloc'],
    simulatorNice: Number(values['sim-nice']),
    steadySeconds,
    settleSeconds,
    localAddresses: values['local-addresses'],
    liveness: 'product defaults',
    // Who accepts the shared port's connections (setting cluster.accept; the server reads the env).
    accept: process.env.OPENUMS_CLUSTER_ACCEPT ?? 'workers',
    // Every loopback packet passes the per-CPU input queue; docs/cluster.md#large-fleets-on-one-host.
    netdevMaxBacklog: netdevMaxBacklog(),
    ...(dialects.includes('postgres') ? { postgres: await postgresSettings() } : {}),
  },
  results: {},
};
if (out.parameters.netdevMaxBacklog < 16384 && N > 20000)
  log(
    `warning: net.core.netdev_max_backlog is ${out.parameters.netdevMaxBacklog}: bursts of keepalive probes will be dropped (docs/cluster.md#large-fleets-on-one-host)`,
  );
for (const d of dialects) {
  out.results[d] = await runDialect(d);
  log(`${d}: ${JSON.stringify(out.results[d])}`);
}
out.targets = {
  'coldStart.allOnlineSeconds': '<= 900',
  'steady.serverCpuPercentOfOneCore': '<= 25',
  'killAllWorkers.back99Seconds': '<= 300',
};
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
