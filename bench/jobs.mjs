#!/usr/bin/env node
// npm run bench:jobs -- --devices 15000 [--dialect sqlite|postgres] [--max-threads 100] [--delay 0]
//                       [--workers 2] [--kill]
// A real server process (with --workers, `openums server` with that many worker processes on
// one port; the devices spread over them) and the agent's simulator (real mTLS WebSockets). The
// simulated devices are moved into one folder; a scheduled job "send message" on that folder is
// started with POST /jobs/{id}/run; the figure is run start → the run finished (every device's
// result recorded on the run), polled every 100 ms. "Each device once": the run's succeeded
// count, the simulator's command count and the devices that showed the message (the simulator's
// actions file, per device) all equal the number of devices, and no device showed it twice.
// --kill: once a third of the devices succeeded, SIGKILL the process running the job (the
// server, restarted on the same data and port; with --workers, the worker holding the
// job-scheduler lease, which the supervisor restarts) — the run must still finish with each
// device once. The job has retry at next boot on there: devices are offline for a moment.
// Last line: JSON.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, createTarget, machine, startServer } from './lib.mjs';
import { simulator, until, untilConnected } from './sim.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '15000' },
    dialect: { type: 'string', default: 'sqlite' },
    'max-threads': { type: 'string', default: '100' },
    delay: { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
    kill: { type: 'boolean', default: false },
    'local-addresses': { type: 'string', default: '127.0.0.2-127.0.0.60' },
    processes: { type: 'string' },
  },
});
const N = Number(values.devices);
const maxThreads = Number(values['max-threads']);
const W = Number(values.workers);
const TEXT = 'benchmark';
const serverEnv = W > 1 ? { OPENUMS_WORKERS: String(W) } : {};
const root = new URL('..', import.meta.url).pathname;
const log = (...a) => process.stderr.write(`[bench:jobs] ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => Math.round(x * 10) / 10);
const json = async (server, method, path, body) => {
  const r = await call(server, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.body ? JSON.parse(r.body) : null;
};

/** How many times each simulated device showed the job's message (the recording platforms' file). */
function shownPerDevice(file) {
  const count = new Map();
  if (!existsSync(file)) return count;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const a = JSON.parse(line);
    if (a.action === 'showMessage' && a.text === TEXT) count.set(a.unitId, (count.get(a.unitId) ?? 0) + 1);
  }
  return count;
}

const result = {
  bench: 'jobs',
  date: new Date().toISOString(),
  machine: machine(),
  dialect: values.dialect,
  devices: N,
  maxThreads,
  delaySeconds: Number(values.delay),
  workers: W,
  kill: values.kill,
  loadAvgAtStart: load(),
};
const target = await createTarget(values.dialect);
const stateDir = mkdtempSync(join(tmpdir(), 'openums-sim-'));
const actionsFile = join(stateDir, 'actions.jsonl');
let sim = null;
let server = null;
let dbHandle = null;
try {
  server = await startServer(target, { env: serverEnv });
  if (W > 1) {
    for (const end = performance.now() + 120_000; ; await sleep(250)) {
      const list = (await json(server, 'GET', '/api/v1/servers').catch(() => ({ items: [] }))).items;
      if (list.filter((s) => s.status === 'running').length >= W) break;
      if (performance.now() > end) throw new Error('workers did not all register');
    }
  }
  const key = (await json(server, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).keys[0].secret;
  sim = simulator(server, key, stateDir, {
    count: N,
    localAddresses: values['local-addresses'],
    processes: values.processes,
    extra: ['--actions-file', actionsFile],
  });
  await until(() => sim.latest?.enrolled >= N, 30 * 60_000, 'enrollment');
  if (W === 1) await untilConnected(server, N, 10 * 60_000, 'all online');
  else {
    // /metrics is one worker's; the registry counts each worker's devices (written with its beat).
    for (const end = performance.now() + 10 * 60_000; ; await sleep(500)) {
      const list = (await json(server, 'GET', '/api/v1/servers')).items.filter((s) => s.status === 'running');
      if (list.reduce((n, s) => n + s.devicesConnected, 0) >= N) {
        result.devicesPerWorker = Object.fromEntries(list.map((s) => [s.id.replace(/^.*\./, 'worker '), s.devicesConnected]));
        break;
      }
      if (performance.now() > end) throw new Error('timed out: all online');
    }
  }
  log(`${N} devices online${result.devicesPerWorker ? ` ${JSON.stringify(result.devicesPerWorker)}` : ''}`);

  const folder = await json(server, 'POST', '/api/v1/device-folders', { name: 'bench-jobs' });
  const ids = [];
  for (let cursor = null; ;) {
    const page = await json(server, 'GET', `/api/v1/devices?limit=1000&sort=id${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...page.items.map((d) => d.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  for (let i = 0; i < ids.length; i += 1000) {
    await json(server, 'POST', '/api/v1/devices/move', { deviceIds: ids.slice(i, i + 1000), folderId: folder.id });
  }
  const job = await json(server, 'POST', '/api/v1/jobs', {
    name: 'bench send message',
    command: 'send-message',
    text: TEXT,
    targets: [{ type: 'folder', id: folder.id }],
    schedule: { startAt: new Date(Date.now() + 3_600_000).toISOString() },
    options: {
      maxThreads,
      delaySeconds: Number(values.delay),
      timeoutSeconds: 600,
      expiryMinutes: 60,
      ...(values.kill ? { retryNextBoot: true } : {}),
    },
  });
  const commandsBefore = sim.latest?.commands ?? 0;
  result.loadAvgAtRun = load();
  const t0 = performance.now();
  const { runId } = await json(server, 'POST', `/api/v1/jobs/${job.id}/run`);
  let run;
  let killed = false;
  for (;;) {
    run = await json(server, 'GET', `/api/v1/job-runs/${runId}`).catch((err) => (killed ? null : Promise.reject(err)));
    if (run && run.state !== 'running') break;
    if (values.kill && !killed && run && run.counts.succeeded >= N / 3) {
      killed = true;
      result.killedAt = {
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        succeeded: run.counts.succeeded,
        sent: run.counts.sent,
      };
      if (W === 1) {
        await server.kill9();
        log(`killed the server at ${run.counts.succeeded}/${N} succeeded; restarting it`);
        server = await startServer(target, { port: server.port });
        result.restartSeconds = Math.round((performance.now() - t0) / 100) / 10 - result.killedAt.seconds;
      } else {
        const { openDatabase } = await import(join(root, 'packages/server/dist/db/database.js'));
        dbHandle ??= openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 1 });
        const lease = await dbHandle.db.selectFrom('leases').select('holder').where('name', '=', 'job-scheduler').executeTakeFirst();
        const holder = await dbHandle.db.selectFrom('servers').select(['id', 'pid']).where('id', '=', lease.holder).executeTakeFirst();
        process.kill(Number(holder.pid), 'SIGKILL');
        result.killedAt.worker = holder.id.replace(/^.*\./, 'worker ');
        log(`killed ${holder.id} (pid ${holder.pid}, the job-scheduler lease holder) at ${run.counts.succeeded}/${N} succeeded`);
      }
    }
    if (performance.now() - t0 > 30 * 60_000) throw new Error('run did not finish in 30 min');
    await sleep(100);
  }
  result.runSeconds = Math.round((performance.now() - t0) / 100) / 10;
  result.devicesPerSecond = Math.round(N / (result.runSeconds || 0.1));
  result.loadAvgAtEnd = load();
  result.runState = run.state;
  result.counts = Object.fromEntries(Object.entries(run.counts).filter(([, n]) => n > 0));
  // The simulator's stats line comes every second, and the actions file is appended as messages
  // show: wait until every device is in it (or 10 s), then a little longer for any second showing.
  let shown = shownPerDevice(actionsFile);
  for (let i = 0; i < 100 && shown.size < N; i++) {
    await sleep(100);
    shown = shownPerDevice(actionsFile);
  }
  await sleep(2500);
  shown = shownPerDevice(actionsFile);
  result.simulatorCommands = (sim.latest?.commands ?? 0) - commandsBefore;
  result.devicesShown = shown.size;
  result.devicesShownTwice = [...shown.values()].filter((n) => n > 1).length;
  result.eachDeviceOnce =
    run.counts.succeeded === N && shown.size === N && result.devicesShownTwice === 0 && result.simulatorCommands === N;
  log(
    `run of ${N} devices, maxThreads ${maxThreads}: ${result.runSeconds}s, ${JSON.stringify(result.counts)}, each once: ${result.eachDeviceOnce}`,
  );
} finally {
  await dbHandle?.close().catch(() => undefined);
  await sim?.stop();
  await server?.stop();
  await target.drop();
  rmSync(stateDir, { recursive: true, force: true });
}
result.targets = { runSeconds: N >= 15000 && maxThreads === 100 && !values.kill ? '<= 30 (15,000 devices, max. threads 100)' : 'report' };
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
