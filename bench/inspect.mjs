// Looking inside a running server process without restarting it (bench/cluster-scale.mjs uses
// these after its measured window, so the figures are not disturbed):
//  * threadCpu(pid): CPU seconds per thread kind from /proc/<pid>/task/*/stat — the JavaScript
//    main thread, V8's helper threads (concurrent marking, sweeping, compiling), libuv's pool;
//  * wakeups(pid): context switches (voluntary + involuntary) — how often the process runs;
//  * countSyscalls(pids, seconds): system calls by kind, counted by the kernel's tracepoints
//    through `perf stat` (Debian's linux-perf) — counting, not sampling: the processes run on;
//  * profileRunning(pid, seconds, file): SIGUSR1 opens Node's inspector on 127.0.0.1:9229, then a
//    CPU profile and V8's heap figures are taken over the DevTools protocol (the `ws` client the
//    agent already depends on). One process at a time: the port is fixed.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../packages/agent/package.json', import.meta.url));
const WebSocket = require('ws');
const TICKS = 100;

function threadKind(comm, tid, pid) {
  if (tid === pid) return 'main';
  if (comm.startsWith('V8 ')) return 'v8Helpers';
  if (comm.startsWith('libuv')) return 'libuvPool';
  return 'other';
}

/** CPU seconds per thread kind of one process. */
export function threadCpu(pid) {
  const out = { main: 0, v8Helpers: 0, libuvPool: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const raw = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')'));
      const f = raw.slice(raw.lastIndexOf(') ') + 2).split(' ');
      out[threadKind(comm, Number(tid), pid)] += (Number(f[11]) + Number(f[12])) / TICKS;
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

/** Context switches of the whole process so far (every thread). */
export function wakeups(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(s)?.[1] ?? 0) + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(s)?.[1] ?? 0);
}

/**
 * Host-wide network counters: packets the kernel dropped from its per-CPU input queue (a burst
 * larger than net.core.netdev_max_backlog — on loopback every packet passes it) and connections
 * the kernel gave up after unanswered retransmissions or keepalive probes.
 */
export function netCounters() {
  const drops = readFileSync('/proc/net/softnet_stat', 'utf8')
    .trim()
    .split('\n')
    .reduce((a, line) => a + parseInt(line.trim().split(/\s+/)[1], 16), 0);
  const ext = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const names = ext[0].split(' ');
  const values = ext[1].split(' ');
  const abortsOnTimeout = Number(values[names.indexOf('TCPAbortOnTimeout')] ?? 0);
  return { softnetDrops: drops, abortsOnTimeout };
}

/** net.core.netdev_max_backlog (packets per CPU queued between the driver and the stack). */
export function netdevMaxBacklog() {
  return Number(readFileSync('/proc/sys/net/core/netdev_max_backlog', 'utf8'));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU profile (.cpuprofile, for Chrome DevTools or `bench/profile-top.mjs`) of a running Node process. */
export async function profileRunning(pid, seconds, file) {
  process.kill(pid, 'SIGUSR1');
  let target = null;
  for (let i = 0; i < 50 && !target; i++) {
    await sleep(200);
    try {
      const list = await (await fetch('http://127.0.0.1:9229/json/list')).json();
      target = list[0]?.webSocketDebuggerUrl ?? null;
    } catch {
      // not listening yet
    }
  }
  if (!target) throw new Error(`no inspector for pid ${pid}`);
  const ws = new WebSocket(target);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let seq = 0;
  const waiting = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.id && waiting.has(m.id)) {
      waiting.get(m.id)(m);
      waiting.delete(m.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++seq;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  // 9229 may still be held by a process profiled before (it is released below): check whose it is.
  const who = await send('Runtime.evaluate', { expression: 'process.pid', returnByValue: true });
  if (who.result?.result?.value !== pid) {
    ws.close();
    throw new Error(`the inspector on 9229 belongs to pid ${who.result?.result?.value}, not ${pid}`);
  }
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 1000 });
  await send('Profiler.start');
  await sleep(seconds * 1000);
  const { result } = await send('Profiler.stop');
  writeFileSync(file, JSON.stringify(result.profile));
  const samples = result.profile.samples.length;
  const idleIds = new Set(result.profile.nodes.filter((x) => x.callFrame.functionName === '(idle)').map((x) => x.id));
  const busyPercent = Math.round((1000 * result.profile.samples.filter((id) => !idleIds.has(id)).length) / Math.max(1, samples)) / 10;
  const heap = await send('Runtime.evaluate', {
    expression: 'JSON.stringify(process.memoryUsage())',
    returnByValue: true,
  });
  // Free the port for the next process (the command-line API lends `require` to evaluate).
  // Closing the inspector drops this connection before any answer: wait for the close instead.
  const closed = new Promise((resolve) => ws.once('close', resolve));
  void send('Runtime.evaluate', { expression: "require('node:inspector').close()", includeCommandLineAPI: true });
  await Promise.race([closed, sleep(5000)]);
  ws.terminate();
  return { file, busyPercent, memory: JSON.parse(heap.result?.result?.value ?? '{}') };
}

/** Self time per function of a .cpuprofile, highest first, as shares of the busy (non-idle) samples. */
export function profileTop(file, n = 25) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const counts = new Map();
  for (const id of p.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const self = new Map();
  for (const [id, c] of counts) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + c);
  }
  const idle = [...self.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, c]) => a + c, 0);
  const total = Math.max(1, p.samples.length - idle);
  return [...self.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, c]) => ({ fn: k, percent: Math.round((c * 1000) / total) / 10 }));
}

/** Busy and total jiffies of the whole host (/proc/stat's first line). */
function hostJiffies() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, x) => a + x, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total };
}

/** CPU jiffies (user + system) of every process whose command name is `comm`, by pid. */
function jiffiesByComm(comm) {
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const raw = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')')) !== comm) continue;
      const f = raw.slice(raw.lastIndexOf(') ') + 2).split(' ');
      out.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * CPU seconds of every process named `comm` (e.g. PostgreSQL's backends) from now until stop(),
 * sampled every `everyMs`: a process that starts meanwhile counts whole, one that exits keeps its
 * last sample (a pool's idle connections close while a bench runs).
 */
export function trackCommCpu(comm, everyMs = 500) {
  const first = jiffiesByComm(comm);
  const last = new Map(first);
  const sample = () => {
    for (const [pid, j] of jiffiesByComm(comm)) last.set(pid, j);
  };
  const timer = setInterval(sample, everyMs);
  return {
    seconds() {
      sample();
      let sum = 0;
      for (const [pid, j] of last) sum += j - (first.get(pid) ?? 0);
      return sum / 100;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** CPU jiffies of the given processes, by pid (processes gone are left out). */
function jiffiesOf(pids) {
  const out = new Map();
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const s = f.slice(f.lastIndexOf(') ') + 2).split(' ');
      out.set(pid, Number(s[11]) + Number(s[12]));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * The shape of a storm: every `everyMs`, a count (e.g. devices online) and who used the host's
 * CPU in that window — the server's processes, the simulator's, PostgreSQL's (in % of one core)
 * and the idle share of all cores. Process lists are taken again each time (restarted workers).
 * Returns stop() → { everySeconds, count[], serverCpu[], simulatorCpu[], postgresCpu[], idlePercent[] }.
 */
export function sampleShape({ everyMs = 10_000, count, serverPids, simulatorPids }) {
  const shape = { everySeconds: everyMs / 1000, count: [], serverCpu: [], simulatorCpu: [], postgresCpu: [], idlePercent: [] };
  const take = () => ({
    host: hostJiffies(),
    server: jiffiesOf(serverPids()),
    sim: jiffiesOf(simulatorPids()),
    pg: jiffiesByComm('postgres'),
    at: performance.now(),
  });
  // Jiffies a group used since the last sample: processes new since then count from zero.
  const delta = (now, before) => {
    let sum = 0;
    for (const [pid, j] of now) sum += j - (before.get(pid) ?? 0);
    return sum;
  };
  let last = take();
  const timer = setInterval(() => {
    const now = take();
    const secs = (now.at - last.at) / 1000;
    const pct = (j) => Math.round(j / secs); // jiffies are 1/100 s: per second = % of one core
    const host = now.host.total - last.host.total;
    shape.count.push(count());
    shape.serverCpu.push(pct(delta(now.server, last.server)));
    shape.simulatorCpu.push(pct(delta(now.sim, last.sim)));
    shape.postgresCpu.push(pct(delta(now.pg, last.pg)));
    shape.idlePercent.push(host > 0 ? Math.round((100 * (host - (now.host.busy - last.host.busy))) / host) : null);
    last = now;
  }, everyMs);
  return () => {
    clearInterval(timer);
    return shape;
  };
}

const SYSCALLS = ['pread64', 'pwrite64', 'fcntl', 'fsync', 'fdatasync', 'futex', 'read', 'write', 'writev', 'epoll_wait'];

/**
 * System calls of `pids` over `seconds`, per second: all of them and the kinds above (SQLite's
 * page reads are `pread64`; a worker whose page cache another worker's write emptied reads its
 * pages again). Resolves to { error } where perf or the tracepoints are missing.
 */
export function countSyscalls(pids, seconds) {
  const events = ['raw_syscalls:sys_enter', ...SYSCALLS.map((k) => `syscalls:sys_enter_${k}`)];
  return new Promise((resolve) => {
    execFile(
      'perf',
      ['stat', '-x', ',', '-e', events.join(','), '-p', pids.join(','), '--', 'sleep', String(seconds)],
      { timeout: (seconds + 30) * 1000 },
      (err, _stdout, stderr) => {
        const counts = {};
        for (const line of String(stderr).split('\n')) {
          const [value, , event] = line.split(',');
          const name = event === 'raw_syscalls:sys_enter' ? 'all' : event?.replace('syscalls:sys_enter_', '');
          if (name && /^\d+$/.test(value ?? '')) counts[name] = Math.round(Number(value) / seconds);
        }
        resolve(counts.all === undefined ? { error: (err?.message ?? String(stderr)).slice(0, 200) } : counts);
      },
    );
  });
}
