#!/usr/bin/env node
// node bench/process-cpu.mjs [--dialect sqlite|postgres] [--workers 2] [--devices 10000]
//                            [--seconds 120] [--settle-seconds 30] [--sim-processes 2] [--profile-dir DIR]
//
// Steady CPU of the server's processes, measured as CPU time (utime + stime from /proc/<pid>/stat),
// not wall time, so other work on a shared machine changes the figure little. Two phases on one
// `openums server --workers W` (supervisor + W workers, the cluster bus and catch-up as in
// production): 1) idle, no device: the fixed per-process cost (beats, catch-up, leases, timers,
// metrics); 2) `--devices N` simulated devices connected (the agent's simulator, mutual-TLS
// WebSockets from 127.0.0.x, the product's default heartbeat and liveness settings): the cost per
// channel, as CPU µs per device-second beyond the idle figure. `--devices 0` runs phase 1 only.
// `--profile-dir DIR` runs the server with `--cpu-prof` (one .cpuprofile per process, written at the end).
// Last line: JSON.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { call, createTarget, machine, procStats, startServer } from './lib.mjs';
import { simulator, until } from './sim.mjs';

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite' },
    workers: { type: 'string', default: '2' },
    devices: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '120' },
    'settle-seconds': { type: 'string', default: '30' },
    'sim-processes': { type: 'string', default: '2' },
    'local-addresses': { type: 'string', default: '127.0.0.2-127.0.0.250' },
    'profile-dir': { type: 'string' },
  },
});
const N = Number(values.devices);
const W = Number(values.workers);
const seconds = Number(values.seconds);
const settle = Number(values['settle-seconds']);
const log = (...a) => process.stderr.write(`[bench:process-cpu ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round2 = (x) => Math.round(x * 100) / 100;

if (values['profile-dir']) {
  const dir = resolve(values['profile-dir']);
  mkdirSync(dir, { recursive: true });
  process.env.OPENUMS_BENCH_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`;
}

async function processes(server) {
  const r = await call(server, 'GET', '/api/v1/servers');
  const running = JSON.parse(r.body).items.filter((s) => s.status === 'running');
  return running.sort((a, b) => a.worker - b.worker);
}

/** CPU of the supervisor and each worker over `secs` seconds, as % of one core. */
async function measure(server, secs) {
  const list = W > 1 ? await processes(server) : [];
  const pids = [server.pid, ...list.map((s) => s.pid)];
  const c0 = pids.map((pid) => procStats(pid));
  const t0 = performance.now();
  await sleep(secs * 1000);
  const c1 = pids.map((pid) => procStats(pid));
  const wall = (performance.now() - t0) / 1000;
  const pct = (i, f) => round2(((c1[i][f] - c0[i][f]) * 100) / wall);
  const after = W > 1 ? await processes(server) : [];
  const one = (i) => ({
    pid: pids[i],
    cpuPercent: pct(i, 'cpuSeconds'),
    userPercent: pct(i, 'userSeconds'),
    kernelPercent: pct(i, 'systemSeconds'),
    rssMb: c1[i].rssMb,
  });
  return {
    seconds: round2(wall),
    [W > 1 ? 'supervisor' : 'server']: one(0),
    workers: list.map((s, k) => ({
      worker: s.worker,
      devices: after.find((a) => a.pid === s.pid)?.devicesConnected ?? null,
      ...one(k + 1),
    })),
    loadAvg: loadavg().map(round2),
  };
}

const result = {
  bench: 'process-cpu',
  date: new Date().toISOString(),
  machine: machine(),
  parameters: { ...values, devices: N, workers: W },
};
const target = await createTarget(values.dialect);
const stateDir = mkdtempSync(join(tmpdir(), 'openums-bench-cpu-sim-'));
let server = null;
let sim = null;
const teardown = async () => {
  await sim?.stop().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await target.drop().catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void teardown().finally(() => process.exit(130)));
try {
  server = await startServer(target, { env: W > 1 ? { OPENUMS_WORKERS: String(W) } : {} });
  for (let i = 0; W > 1 && i < 100 && (await processes(server)).length < W; i++) await sleep(200);
  log(`server up (${values.dialect}, ${W} worker(s)); idle settle ${settle} s`);
  await sleep(settle * 1000);
  result.idle = await measure(server, seconds);
  log(`idle: ${JSON.stringify(result.idle)}`);
  if (N > 0) {
    const key = JSON.parse((await call(server, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).body).keys[0].secret;
    const t = performance.now();
    sim = simulator(server, key, stateDir, { count: N, localAddresses: values['local-addresses'], processes: values['sim-processes'] });
    await until(() => (sim.latest?.enrolled ?? 0) + (sim.latest?.failedEnroll ?? 0) >= N, 30 * 60_000, 'enrollment');
    const E = sim.latest.enrolled;
    await until(() => (sim.latest?.online ?? 0) >= E, 10 * 60_000, 'all online');
    log(`${E} devices enrolled and online after ${round2((performance.now() - t) / 1000)} s; settle ${settle} s`);
    await sleep(settle * 1000);
    result.loaded = await measure(server, seconds);
    result.loaded.simulatorOnline = sim.latest?.online ?? null;
    // CPU ms per device-second beyond the idle cost, per worker and overall.
    const idleOf = (pid) => result.idle.workers.find((w) => w.pid === pid)?.cpuPercent ?? result.idle.server?.cpuPercent ?? 0;
    const rows = W > 1 ? result.loaded.workers : [{ ...result.loaded.server, devices: E }];
    const extra = rows.reduce((a, w) => a + (w.cpuPercent - idleOf(w.pid)), 0);
    const devices = rows.reduce((a, w) => a + (w.devices ?? 0), 0);
    result.perChannel = {
      devices,
      cpuMicrosecondsPerDeviceSecond: round2((extra * 10_000) / Math.max(1, devices)),
      percentOfOneCorePer1000Channels: round2((extra * 1000) / Math.max(1, devices)),
    };
    log(`loaded: ${JSON.stringify(result.loaded)}`);
  }
} finally {
  await teardown();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
