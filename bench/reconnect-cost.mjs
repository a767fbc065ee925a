#!/usr/bin/env node
// node bench/reconnect-cost.mjs [--devices 3000] [--dialect postgres|sqlite] [--rounds 3]
//                               [--processes 2] [--sim-nice 10] [--profile-server FILE] [--profile-sim FILE]
//                               [--perf FILE]
// CPU per resumed reconnect, on each side. One server process (no workers) and the agent's
// simulator; after enrollment, `rounds` times: kill -9 of the server, a new server on the same
// port, and every device back (resumed TLS sessions). Per round it prints the CPU-seconds the new
// server spent from "ready" until all devices were back, the simulator's processes' CPU over the
// same window, each divided by the devices that came back (less what both sides spend with every
// device online, measured over 10 s afterwards and taken off for half the storm). A quick look at
// either side's per-reconnect work with a few thousand devices instead of a 100,000-device run;
// rounds differ by up to ≈ 40 % (first runs, 2026-12-05), so compare medians of several rounds.
// On PostgreSQL the database's processes are counted too (postgresMsPerDevice).
// `--profile-server` / `--profile-sim` take an inspector CPU profile of the server / one
// simulator process during the last round's storm (bench/inspect.mjs). `--perf FILE` records the
// whole host (`perf record -a -g`) over the last round's storm, with FILE.roles.json naming the
// server's and the simulator's pids (run with NODE_OPTIONS=--perf-basic-prof-only-functions for
// JavaScript names).
// Last line: JSON.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, createTarget, descendants, machine, procStats, startServer } from './lib.mjs';
import { simulator, until, untilConnected } from './sim.mjs';
import { profileRunning, profileTop, trackCommCpu } from './inspect.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '3000' },
    dialect: { type: 'string', default: 'postgres' },
    rounds: { type: 'string', default: '3' },
    processes: { type: 'string', default: '2' },
    'sim-nice': { type: 'string', default: '10' },
    'local-addresses': { type: 'string', default: '127.0.0.2-127.0.0.30' },
    'profile-server': { type: 'string' },
    'profile-sim': { type: 'string' },
    'profile-seconds': { type: 'string', default: '8' },
    perf: { type: 'string' },
  },
});
const N = Number(values.devices);
const rounds = Number(values.rounds);
const log = (...a) => process.stderr.write(`[bench:reconnect-cost] ${a.join(' ')}\n`);
const round3 = (x) => Math.round(x * 1000) / 1000;
const IDLE_SECONDS = 10;

const cpuOf = (pids) =>
  pids.reduce((a, p) => {
    try {
      return a + procStats(p).cpuSeconds;
    } catch {
      return a;
    }
  }, 0);

const result = {
  bench: 'reconnect-cost',
  date: new Date().toISOString(),
  machine: machine(),
  command: `node bench/reconnect-cost.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  dialect: values.dialect,
  devices: N,
  rounds: [],
};
/** `perf record` of every CPU until stop(); FILE.roles.json maps pids to the side they belong to. */
function recordHost(file, serverPid, simPids) {
  writeFileSync(`${file}.roles.json`, JSON.stringify(Object.fromEntries([[serverPid, 'server'], ...simPids.map((p) => [p, 'simulator'])])));
  const child = spawn('perf', ['record', '-a', '-g', '-F', '499', '-o', file], { stdio: 'ignore' });
  const exited = new Promise((res) => child.once('exit', res));
  return {
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}

const handshakes = (sim) => (sim.latest?.resumed ?? 0) + (sim.latest?.fullHandshakes ?? 0);

/**
 * Every device back, by the simulator's own count (a new handshake each, and all online), so the
 * server is not polled during the storm: /metrics there (its default process metrics walk every
 * socket handle and /proc/self/fd) was 18 % of the server's CPU with 3,000 devices (inspector
 * profile, 2026-12-06), counted as reconnect work until then.
 */
async function untilBack(sim, before, n, timeoutMs, what) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    if (handshakes(sim) - before >= n && (sim.latest?.online ?? 0) >= n) return;
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const target = await createTarget(values.dialect);
const stateDir = mkdtempSync(join(tmpdir(), 'openums-sim-'));
let server = null;
let sim = null;
try {
  server = await startServer(target);
  const port = server.port;
  const key = JSON.parse((await call(server, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).body).keys[0].secret;
  sim = simulator(server, key, stateDir, {
    count: N,
    localAddresses: values['local-addresses'],
    processes: values.processes,
    malloc: 'jemalloc',
    nice: Number(values['sim-nice']),
  });
  await until(() => (sim.latest?.enrolled ?? 0) >= N, 30 * 60_000, 'enrollment');
  await untilConnected(server, N, 10 * 60_000, 'first connect');
  log(`${N} enrolled and online`);
  for (let r = 1; r <= rounds; r++) {
    const simPids = descendants(sim.child.pid);
    const handshakesBefore = handshakes(sim);
    await server.kill9();
    const t0 = performance.now();
    const sim0 = cpuOf(simPids);
    server = await startServer(target, { port });
    const ready = procStats(server.pid).cpuSeconds;
    const readyAt = performance.now();
    const postgres = values.dialect === 'postgres' ? trackCommCpu('postgres') : null;
    const last = r === rounds;
    const profiles = [];
    if (last && values['profile-server'])
      profiles.push(profileRunning(server.pid, Number(values['profile-seconds']), values['profile-server']));
    else if (last && values['profile-sim'])
      profiles.push(profileRunning(simPids[simPids.length - 1], Number(values['profile-seconds']), values['profile-sim']));
    const perf = last && values.perf ? recordHost(values.perf, server.pid, simPids) : null;
    await untilBack(sim, handshakesBefore, N, 10 * 60_000, `round ${r}`);
    const seconds = (performance.now() - t0) / 1000;
    const busySeconds = (performance.now() - readyAt) / 1000;
    const serverCpu = procStats(server.pid).cpuSeconds - ready;
    const simCpu = cpuOf(simPids) - sim0;
    const pgCpu = postgres?.seconds() ?? 0;
    await perf?.stop();
    await Promise.all(profiles);
    // The server agrees (after the CPU was read: a /metrics scrape with thousands of sockets is not free).
    await untilConnected(server, N, 60_000, `round ${r}, server side`);
    // What both sides spend with every device online (heartbeats, periodic work) is not reconnect
    // work: measured over the next idle window and taken off for half the storm (the devices come
    // back over it, so on average half of them are online).
    const idle0 = [procStats(server.pid).cpuSeconds, cpuOf(simPids)];
    await new Promise((res) => setTimeout(res, IDLE_SECONDS * 1000));
    const serverIdle = (procStats(server.pid).cpuSeconds - idle0[0]) / IDLE_SECONDS;
    const simIdle = (cpuOf(simPids) - idle0[1]) / IDLE_SECONDS;
    const pgIdle = ((postgres?.seconds() ?? 0) - pgCpu) / IDLE_SECONDS;
    postgres?.stop();
    const row = {
      round: r,
      seconds: Math.round(seconds * 10) / 10,
      serverStartCpuSeconds: round3(ready),
      serverStartSeconds: Math.round((readyAt - t0) / 100) / 10,
      serverMsPerDevice: round3(((serverCpu - (serverIdle * busySeconds) / 2) * 1000) / N),
      simulatorMsPerDevice: round3(((simCpu - (simIdle * busySeconds) / 2) * 1000) / N),
      ...(postgres ? { postgresMsPerDevice: round3(((pgCpu - (pgIdle * busySeconds) / 2) * 1000) / N) } : {}),
      idleCpuPercent: {
        server: Math.round(serverIdle * 1000) / 10,
        simulator: Math.round(simIdle * 1000) / 10,
        ...(postgres ? { postgres: Math.round(pgIdle * 1000) / 10 } : {}),
      },
      profiled: profiles.length > 0,
    };
    result.rounds.push(row);
    log(JSON.stringify(row));
  }
  for (const f of [values['profile-server'], values['profile-sim']].filter(Boolean)) {
    try {
      log(
        `${f}:\n${profileTop(f, 30)
          .map((x) => `${x.percent}% ${x.fn}`)
          .join('\n')}`,
      );
    } catch {
      /* not taken */
    }
  }
} finally {
  await sim?.stop();
  await server?.stop();
  await target.drop();
  rmSync(stateDir, { recursive: true, force: true });
}
const unprofiled = result.rounds.filter((r) => !r.profiled);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? null;
result.serverMsPerDevice = median(unprofiled.map((r) => r.serverMsPerDevice));
result.simulatorMsPerDevice = median(unprofiled.map((r) => r.simulatorMsPerDevice));
if (values.dialect === 'postgres') result.postgresMsPerDevice = median(unprofiled.map((r) => r.postgresMsPerDevice));
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
