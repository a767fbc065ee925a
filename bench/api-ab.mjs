#!/usr/bin/env node
// node bench/api-ab.mjs --a DIR --b DIR [--dialect sqlite|postgres] [--rounds 6] [--seconds 5]
//                       [--rows folder,q,recursive,lastContact,info] [--devices 100000]
//                       [--heap-a server|default] [--heap-b server|default]
//                       (another row: recursiveLeaf — leaf folders listed with recursive=true)
// --heap-X default: that side's server runs with Node's own heap sizes instead of the server's
// (OPENUMS_BENCH_NODE_HEAP, bench/lib.mjs) — an A/B of the sizes on one tree (a tree from before
// them starts its server with Node's either way).
// bench:api's REST figures for two built trees of OpenUMS side by side, interleaved: each tree
// (a checkout with `tsc -b` done, e.g. a `git archive` of an older commit with node_modules linked
// in) seeds its own database with its own migrations and runs its own server process; then,
// `rounds` times, every row is driven for `seconds` on A and on B in turn (the order alternating),
// with wrk and 32 keep-alive clients, as bench/api.mjs does. On a shared 2-vCPU machine the
// speed drifts by ±20 % within minutes (2026-12-05): windows a few seconds apart see the same
// drift, so the medians of the windows compare two versions where separate runs cannot.
// Per row: median requests/s and median server CPU-µs per request of A and B, and B's change.
// Last line: JSON.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { trackCommCpu } from './inspect.mjs';
import { machine } from './lib.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    dialect: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '5' },
    rows: { type: 'string', default: 'folder,q,recursive,lastContact,info' },
    devices: { type: 'string', default: '100000' },
    'heap-a': { type: 'string', default: 'server' },
    'heap-b': { type: 'string', default: 'server' },
  },
});
if (!values.a || !values.b) throw new Error('--a and --b: two built OpenUMS trees');
const devices = Number(values.devices);
const rows = values.rows.split(',');

/** One side: its own bench library (its seeding and migrations), database and server. */
async function side(dir, heap) {
  const lib = await import(resolve(dir, 'bench/lib.mjs'));
  const target = await lib.createTarget(values.dialect);
  const seeded = await lib.seed(target, { devices, folders: 1000 });
  process.env.OPENUMS_BENCH_NODE_HEAP = heap === 'default' ? 'default' : '';
  const server = await lib.startServer(target);
  return { dir, lib, target, seeded, server };
}
const A = await side(values.a, values['heap-a']);
const B = await side(values.b, values['heap-b']);
const { deviceName, loadWrk, procStats } = A.lib;
const prefixes = Array.from({ length: 200 }, () => deviceName(Math.floor(Math.random() * devices)).slice(0, 8)); // ~100 matches each

const paths = (s, row) => {
  const leaves = s.seeded.folderIds.slice(110);
  if (row === 'folder') return leaves.map((f) => `/api/v1/devices?limit=100&folderId=${f}`);
  if (row === 'lastContact') return leaves.map((f) => `/api/v1/devices?limit=100&folderId=${f}&sort=-lastContact`);
  if (row === 'q') return prefixes.map((p) => `/api/v1/devices?limit=100&q=${p}`);
  if (row === 'recursive') return s.seeded.folderIds.slice(0, 110).map((f) => `/api/v1/devices?limit=100&recursive=true&folderId=${f}`);
  // A leaf's subtree is the leaf: what an administrator browsing "with sub-folders" clicks most.
  if (row === 'recursiveLeaf') return leaves.map((f) => `/api/v1/devices?limit=100&recursive=true&folderId=${f}`);
  if (row === 'info') return ['/info'];
  throw new Error(`unknown row ${row}`);
};
const drive = async (s, row, seconds) => {
  const before = procStats(s.server.pid);
  // PostgreSQL's backends (both sides' pools; only this side's is busy meanwhile).
  const pgCpu = values.dialect === 'postgres' ? trackCommCpu('postgres') : null;
  const r = await loadWrk(s.server, { clients: 32, seconds, paths: paths(s, row) });
  const after = procStats(s.server.pid);
  const perRequest = (cpuSeconds) => Math.round((cpuSeconds * 1e6) / Math.max(1, r.requests));
  const pgSeconds = pgCpu?.seconds() ?? null;
  pgCpu?.stop();
  return {
    rps: r.rps,
    cpuUsPerRequest: perRequest(after.cpuSeconds - before.cpuSeconds),
    pgUsPerRequest: pgSeconds === null ? null : perRequest(pgSeconds),
  };
};

for (const s of [A, B]) for (const row of rows) await drive(s, row, 4); // warm-up: JIT, page caches
const windows = Object.fromEntries(rows.map((row) => [row, { a: [], b: [] }]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const row of rows) {
    for (const s of round % 2 ? [B, A] : [A, B]) windows[row][s === A ? 'a' : 'b'].push(await drive(s, row, Number(values.seconds)));
  }
}
const median = (xs) => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const change = (a, b) => Math.round((b / a - 1) * 1000) / 10;
const results = {};
for (const row of rows) {
  const { a, b } = windows[row];
  const rps = [median(a.map((w) => w.rps)), median(b.map((w) => w.rps))];
  const cpu = [median(a.map((w) => w.cpuUsPerRequest)), median(b.map((w) => w.cpuUsPerRequest))];
  const pg = values.dialect === 'postgres' ? [median(a.map((w) => w.pgUsPerRequest)), median(b.map((w) => w.pgUsPerRequest))] : null;
  results[row] = {
    rps: { a: rps[0], b: rps[1], changePercent: change(...rps) },
    cpuUsPerRequest: { a: cpu[0], b: cpu[1], changePercent: change(...cpu) },
    ...(pg ? { postgresUsPerRequest: { a: pg[0], b: pg[1], changePercent: change(...pg) } } : {}),
    windowsRps: { a: a.map((w) => w.rps), b: b.map((w) => w.rps) },
  };
}
for (const s of [A, B]) {
  await s.server.stop();
  await s.target.drop();
}
const result = {
  bench: 'api-ab',
  date: new Date().toISOString(),
  machine: machine(),
  command: `node bench/api-ab.mjs ${process.argv.slice(2).join(' ')}`,
  a: resolve(values.a),
  b: resolve(values.b),
  dialect: values.dialect,
  heap: { a: values['heap-a'], b: values['heap-b'] },
  devices,
  rounds: Number(values.rounds),
  seconds: Number(values.seconds),
  results,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
