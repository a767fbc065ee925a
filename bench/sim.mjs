// The agent's simulator as a child process, and waiting helpers shared by the benchmarks.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { call } from './lib.mjs';

const root = new URL('..', import.meta.url).pathname;

/** Debian's jemalloc (package libjemalloc2), for `malloc: 'jemalloc'`. */
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';

/**
 * The simulator as a child process; `latest` holds its newest aggregated stats line.
 * `malloc: 'jemalloc'` runs its processes with jemalloc instead of glibc's allocator: in a
 * reconnect storm glibc's malloc took ≈ 20 % of the simulator's CPU (OpenSSL's many small
 * allocations; profile in docs/benchmarks.md), CPU the server under test then lacks on a shared host.
 */
export function simulator(server, key, stateDir, { count, localAddresses, processes, extra = [], malloc = 'system', nice = 0 }) {
  if (malloc !== 'system' && malloc !== 'jemalloc') throw new Error(`malloc: system or jemalloc, not ${malloc}`);
  if (malloc === 'jemalloc' && !existsSync(JEMALLOC)) throw new Error(`${JEMALLOC} is missing (apt-get install libjemalloc2)`);
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new Error(`nice: an integer 0–19, not ${nice}`);
  const args = [
    join(root, 'packages/agent/bin/openums-agent.js'),
    'simulate',
    '--server',
    `https://127.0.0.1:${server.port}`,
    '--key',
    key,
    '--count',
    String(count),
    '--state-dir',
    stateDir,
    '--local-addresses',
    localAddresses,
    '--stats-interval',
    '1',
    ...(processes ? ['--processes', processes] : []),
    ...extra,
  ];
  // jemalloc's default returns freed pages to the kernel after 10 s (madvise): on these VMs each
  // such call flushes the other cores' TLBs by interrupt, and in a reconnect storm that was 22 % of
  // the simulator's CPU in its first minute (docs/benchmarks.md). A load generator keeps its pages.
  const env =
    malloc === 'jemalloc'
      ? { ...process.env, LD_PRELOAD: JEMALLOC, MALLOC_CONF: process.env.MALLOC_CONF ?? 'dirty_decay_ms:-1,muzzy_decay_ms:-1' }
      : process.env;
  // `nice`: the simulator (and the processes it forks) at a lower scheduling priority than the
  // server it loads, so that on a shared host it takes the CPU the server leaves (see --sim-nice).
  const [command, argv] = nice ? ['nice', ['-n', String(nice), process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'ignore'], env });
  const sim = { child, latest: null, summary: null, history: [] };
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const m = JSON.parse(line);
        if (m.t === 'stats') {
          sim.latest = { ...m, at: performance.now() };
          sim.history.push(sim.latest);
        } else if (m.t === 'summary') sim.summary = m;
      } catch {
        /* progress text */
      }
    }
  });
  sim.exited = new Promise((r) => child.on('exit', r));
  sim.stop = async () => {
    child.kill('SIGTERM');
    await sim.exited;
  };
  return sim;
}

export async function until(cond, timeoutMs, what) {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the server itself counts `n` connected devices (the simulator's own counts can lag). */
export async function untilConnected(server, n, timeoutMs, what) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    try {
      if ((await metrics(server)).connected >= n) return;
    } catch {
      /* server busy: try again */
    }
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function metrics(server) {
  const text = (await call(server, 'GET', '/metrics')).body;
  const get = (re) => Number(re.exec(text)?.[1] ?? 0);
  const buckets = [...text.matchAll(/openums_device_message_handling_seconds_bucket\{le="([^"]+)",type="heartbeat"\} (\d+)/g)].map((m) => [
    m[1] === '+Inf' ? Infinity : Number(m[1]),
    Number(m[2]),
  ]);
  return {
    acks: get(/openums_device_messages_total\{type="ack"\} (\d+)/),
    heartbeats: get(/openums_device_messages_total\{type="heartbeat"\} (\d+)/),
    full: get(/openums_tls_handshakes_total\{kind="full"\} (\d+)/),
    resumed: get(/openums_tls_handshakes_total\{kind="resumed"\} (\d+)/),
    shed: get(/openums_tls_connections_shed_total (\d+)/),
    connected: get(/openums_devices_connected (\d+)/),
    heartbeatBuckets: buckets,
  };
}
