#!/usr/bin/env node
// npm run bench:jobs-lateness -- [--dialect sqlite|postgres] [--jobs 1000] [--devices 200] [--folders 100]
//                                [--spread 0] [--workers 1]
// Scheduler lateness (issue 13): `--jobs` one-off jobs all due at the same instant (the top of a
// minute; --spread S spreads them evenly over S seconds from there), on a real server process.
// Each job sends a message to one of `--folders` device folders holding `--devices` simulated
// devices between them (real mTLS channels, the agent's simulator); --devices 0: every job
// targets one empty folder (runs resolve to no device). Lateness = the run's start (its
// `started_at`: when the scheduler claimed it) − its planned time, read from the database once
// every job has its run. Also: when the last run finished, and whether every run reached all of
// its devices once. Target: p99 < 2 s. Last line: JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, createTarget, machine, startServer } from './lib.mjs';
import { simulator, until } from './sim.mjs';

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite' },
    jobs: { type: 'string', default: '1000' },
    devices: { type: 'string', default: '200' },
    folders: { type: 'string', default: '100' },
    spread: { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
    'local-addresses': { type: 'string', default: '127.0.0.2-127.0.0.60' },
  },
});
const JOBS = Number(values.jobs);
const DEVICES = Number(values.devices);
const FOLDERS = DEVICES > 0 ? Math.min(Number(values.folders), DEVICES) : 1;
const SPREAD_MS = Number(values.spread) * 1000;
const W = Number(values.workers);
if (DEVICES > 1000) throw new Error('--devices: at most 1,000');
const root = new URL('..', import.meta.url).pathname;
const log = (...a) => process.stderr.write(`[bench:jobs-lateness] ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => Math.round(x * 10) / 10);
const json = async (server, method, path, body) => {
  const r = await call(server, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.body ? JSON.parse(r.body) : null;
};
const q = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const result = {
  bench: 'jobs-lateness',
  date: new Date().toISOString(),
  machine: machine(),
  dialect: values.dialect,
  jobs: JOBS,
  devices: DEVICES,
  folders: FOLDERS,
  spreadSeconds: SPREAD_MS / 1000,
  workers: W,
  loadAvgAtStart: load(),
};
const target = await createTarget(values.dialect);
const stateDir = mkdtempSync(join(tmpdir(), 'openums-sim-'));
let sim = null;
let server = null;
let dbHandle = null;
try {
  server = await startServer(target, { env: W > 1 ? { OPENUMS_WORKERS: String(W) } : {} });
  const { openDatabase } = await import(join(root, 'packages/server/dist/db/database.js'));
  dbHandle = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 1 });
  const db = dbHandle.db;

  // Targets: FOLDERS folders, the simulated devices spread over them round robin.
  const folders = [];
  for (let i = 0; i < FOLDERS; i++) folders.push((await json(server, 'POST', '/api/v1/device-folders', { name: `lateness-${i}` })).id);
  if (DEVICES > 0) {
    const key = (await json(server, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).keys[0].secret;
    sim = simulator(server, key, stateDir, { count: DEVICES, localAddresses: values['local-addresses'] });
    await until(() => sim.latest?.enrolled >= DEVICES && sim.latest?.online >= DEVICES, 10 * 60_000, 'devices online');
    const ids = (await json(server, 'GET', `/api/v1/devices?limit=1000&sort=id`)).items.map((d) => d.id);
    for (let f = 0; f < FOLDERS; f++) {
      const mine = ids.filter((_, i) => i % FOLDERS === f);
      await json(server, 'POST', '/api/v1/devices/move', { deviceIds: mine, folderId: folders[f] });
    }
    // The scheduler reads presence from the database (written in batches): wait until it says online.
    for (const end = performance.now() + 120_000; ; await sleep(500)) {
      const r = await db
        .selectFrom('device_presence')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('online', '=', 1)
        .executeTakeFirstOrThrow();
      if (Number(r.n) >= DEVICES) break;
      if (performance.now() > end) throw new Error('presence not written');
    }
  }
  log(`${DEVICES} devices online in ${FOLDERS} folder(s)`);

  // Due at the top of a minute far enough ahead for the creation (about 60 ms a job, measured on
  // the first 20, plus 20 s).
  const body = (i, startAt) => ({
    name: `lateness ${i}`,
    command: 'send-message',
    text: `lateness ${i}`,
    targets: [{ type: 'folder', id: folders[i % FOLDERS] }],
    schedule: { startAt: new Date(startAt).toISOString() },
    options: { timeoutSeconds: 120, expiryMinutes: 30 },
  });
  const t0 = Date.now();
  const probe = [];
  for (let i = 0; i < 20; i++)
    probe.push((await json(server, 'POST', '/api/v1/jobs', { ...body(i, Date.now() + 86_400_000), enabled: false })).id);
  const perJob = (Date.now() - t0) / 20;
  for (const id of probe) await call(server, 'DELETE', `/api/v1/jobs/${id}`);
  const T = Math.ceil((Date.now() + 20_000 + perJob * JOBS * 1.5) / 60_000) * 60_000;
  const plannedOf = (i) => T + (SPREAD_MS ? Math.floor((i * SPREAD_MS) / JOBS) : 0);
  log(`creating ${JOBS} jobs due at ${new Date(T).toISOString()} (about ${Math.round(perJob)} ms a job)`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < JOBS) {
        const i = next++;
        await json(server, 'POST', '/api/v1/jobs', body(i, plannedOf(i)));
      }
    }),
  );
  result.createdSecondsBeforeDue = Math.round((T - Date.now()) / 100) / 10;
  if (Date.now() > T - 1000) throw new Error('the jobs were not all created before their time: the figure would be wrong');
  log(`created; ${result.createdSecondsBeforeDue}s before they are due`);
  await sleep(Math.max(0, T - Date.now() - 2000));
  result.loadAvgAtDue = load();

  // Every job's run: lateness from the rows the scheduler wrote.
  const count = async (where) => {
    let qb = db.selectFrom('job_runs').select((eb) => eb.fn.countAll().as('n'));
    if (where) qb = where(qb);
    return Number((await qb.executeTakeFirstOrThrow()).n);
  };
  for (const end = Date.now() + 10 * 60_000; (await count()) < JOBS; await sleep(250)) {
    if (Date.now() > end) throw new Error(`only ${await count()} of ${JOBS} runs after 10 min`);
  }
  const rows = await db.selectFrom('job_runs').select(['planned_at', 'started_at', 'state']).execute();
  const late = rows.map((r) => (Number(r.started_at) - Number(r.planned_at)) / 1000).sort((a, b) => a - b);
  const r3 = (x) => Math.round(x * 1000) / 1000;
  result.latenessSeconds = {
    p50: r3(q(late, 0.5)),
    p90: r3(q(late, 0.9)),
    p99: r3(q(late, 0.99)),
    max: r3(late[late.length - 1]),
    min: r3(late[0]),
  };
  result.missed = rows.filter((r) => r.state === 'missed').length;
  log(`lateness ${JSON.stringify(result.latenessSeconds)}`);

  // The runs themselves: when the last one finished, and each run's devices once.
  for (const end = Date.now() + 10 * 60_000; (await count((qb) => qb.where('state', '=', 'running'))) > 0; await sleep(500)) {
    if (Date.now() > end) break;
  }
  // The recorded start is the claim batch's clock reading; the first command a run sent is when
  // it began to act (runs are stepped 50 at a time, so this also shows the executor's queueing).
  const first = await db
    .selectFrom('job_runs as r')
    .innerJoin('job_run_devices as d', 'd.run_id', 'r.id')
    .select(['r.planned_at', (eb) => eb.fn.min('d.started_at').as('first')])
    .groupBy(['r.id', 'r.planned_at'])
    .execute();
  const firstLate = first
    .filter((r) => r.first !== null)
    .map((r) => (Number(r.first) - Number(r.planned_at)) / 1000)
    .sort((a, b) => a - b);
  if (firstLate.length) {
    result.firstCommandLatenessSeconds = {
      runs: firstLate.length,
      p50: r3(q(firstLate, 0.5)),
      p99: r3(q(firstLate, 0.99)),
      max: r3(firstLate[firstLate.length - 1]),
    };
  }
  const finished = await db.selectFrom('job_runs').select(['finished_at', 'state']).execute();
  result.runsFinished = finished.filter((r) => r.state === 'finished').length;
  result.lastRunFinishedSecondsAfterDue =
    Math.round((Math.max(...finished.map((r) => Number(r.finished_at ?? Date.now()))) - T) / 100) / 10;
  const byState = await db
    .selectFrom('job_run_devices')
    .select(['state', (eb) => eb.fn.countAll().as('n')])
    .groupBy('state')
    .execute();
  result.deviceResults = Object.fromEntries(byState.map((r) => [r.state, Number(r.n)]));
  result.loadAvgAtEnd = load();
} finally {
  await dbHandle?.close().catch(() => undefined);
  await sim?.stop();
  await server?.stop();
  await target.drop();
  rmSync(stateDir, { recursive: true, force: true });
}
result.targets = { latenessP99Seconds: '< 2' };
result.met = result.latenessSeconds ? result.latenessSeconds.p99 < 2 : false;
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
