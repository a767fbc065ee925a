// Shared helpers of the benchmarks: seed a database, run a real server process, drive load.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const root = new URL('..', import.meta.url).pathname;
const serverDist = join(root, 'packages/server/dist');
export const PG_ADMIN_URL = process.env.OPENUMS_BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    ...cpuGeneration(),
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/**
 * Instances of one machine type are not one machine: "AMD EPYC" has run here as a CPU family 23
 * part at ~2 GHz with page-table isolation (every system call dearer) and as family 26 at 2.6 GHz
 * without, twice as fast for a reconnect storm. What tells them apart goes into every result.
 */
function cpuGeneration() {
  const read = (f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const info = read('/proc/cpuinfo');
  const field = (name) => info.match(new RegExp(`^${name}\\s*: (.*)$`, 'm'))?.[1]?.trim();
  const meltdown = read('/sys/devices/system/cpu/vulnerabilities/meltdown').trim();
  return {
    cpuFamily: Number(field('cpu family') ?? NaN) || null,
    cpuModelNumber: Number(field('model') ?? NaN) || null,
    mhz: Math.round(Number(field('cpu MHz') ?? 0)) || null,
    pageTableIsolation: meltdown ? /PTI/.test(meltdown) : null,
  };
}

/** A fresh data directory and, for PostgreSQL, a fresh database. */
export async function createTarget(dialect) {
  const dataDir = mkdtempSync(join(tmpdir(), `openums-bench-${dialect}-`));
  let databaseUrl = null;
  let dbName = null;
  if (dialect === 'postgres') {
    dbName = `openums_bench_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    await adminQuery(`create database ${dbName}`);
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  return {
    dialect,
    dataDir,
    databaseUrl,
    async drop() {
      if (dbName) await adminQuery(`drop database if exists ${dbName} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(text) {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/**
 * The PostgreSQL settings a figure depends on (recorded with it): autovacuum (off on one test
 * machine: the table-upkeep task then vacuums), the buffer cache, commit durability.
 */
export async function postgresSettings() {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    const names = ['server_version', 'autovacuum', 'shared_buffers', 'synchronous_commit', 'max_connections'];
    const r = await c.query('select name, setting, unit from pg_settings where name = any($1)', [names]);
    return Object.fromEntries(r.rows.map((x) => [x.name, x.unit === '8kB' ? `${(Number(x.setting) * 8) / 1024} MB` : x.setting]));
  } finally {
    await c.end();
  }
}

export const deviceName = (i) => `dev-${String(i).padStart(6, '0')}`;

/**
 * 1,000 folders four levels deep (10 × 10 × 10, devices in the leaves' parents and leaves)
 * and `devices` devices spread evenly over them, inserted in batches through the server's
 * own migrations and schema.
 */
export async function seed(target, { folders = 1000, devices = 100_000, fanout = null } = {}) {
  const { openDatabase } = await import(join(serverDist, 'db/database.js'));
  const handle = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
  await handle.migrate();
  const db = handle.db;
  const started = Date.now();
  const now = Date.now();
  let folderIds = [];
  /** Devices go into these folders, round robin. */
  let homes;
  if (fanout) {
    // Levels with the given fan-outs, the rest of the folders as one more level below the last:
    // e.g. [4, 4, 6] → 4 + 16 + 96 + 884 = 1,000 folders, four levels; devices in the deepest.
    let level = [null];
    for (const n of fanout) {
      const next = [];
      for (const parent of level) {
        const rows = await db
          .insertInto('device_folders')
          .values(
            Array.from({ length: n }, (_, i) => ({ name: `f${folderIds.length + next.length + i}`, parent_id: parent, created_at: now })),
          )
          .returning('id')
          .execute();
        next.push(...rows.map((r) => Number(r.id)));
      }
      folderIds.push(...next);
      level = next;
    }
    const leaves = [];
    for (let i = 0; folderIds.length + leaves.length < folders; i++) {
      const parent = level[i % level.length];
      const r = await db
        .insertInto('device_folders')
        .values({ name: `leaf-${leaves.length}`, parent_id: parent, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      leaves.push(Number(r.id));
    }
    folderIds.push(...leaves);
    homes = leaves.length ? leaves : level;
  } else {
    // Level 1: 10 regions; level 2: 10 sites each; level 3: 9 or 10 departments each → 1,000 in total.
    const level1 = [];
    for (let a = 0; a < 10; a++) {
      const r = await db
        .insertInto('device_folders')
        .values({ name: `region-${a}`, parent_id: null, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      level1.push(Number(r.id));
    }
    const level2 = [];
    for (const p of level1) {
      const rows = await db
        .insertInto('device_folders')
        .values(Array.from({ length: 10 }, (_, b) => ({ name: `site-${b}`, parent_id: p, created_at: now })))
        .returning('id')
        .execute();
      level2.push(...rows.map((r) => Number(r.id)));
    }
    folderIds.push(...level1, ...level2);
    const remaining = folders - folderIds.length;
    for (let i = 0; i < level2.length && folderIds.length < folders; i++) {
      const n = Math.min(Math.ceil(remaining / level2.length), folders - folderIds.length);
      const rows = await db
        .insertInto('device_folders')
        .values(Array.from({ length: n }, (_, c) => ({ name: `dept-${c}`, parent_id: level2[i], created_at: now })))
        .returning('id')
        .execute();
      folderIds.push(...rows.map((r) => Number(r.id)));
    }
    homes = folderIds;
  }
  // The devices get ids after the highest existing one, in the order of `i` below.
  const top = await db
    .selectFrom('devices')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  const before = Number(top?.id ?? 0);
  const BATCH = 1000;
  for (let start = 0; start < devices; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(devices, start + BATCH); i++) {
      const name = deviceName(i);
      const mac = (0x00e0c5000000 + i).toString(16).toUpperCase().padStart(12, '0');
      rows.push({
        unit_id: mac,
        mac,
        name,
        name_lc: name,
        network_name: name,
        folder_id: homes[i % homes.length],
        site: 'HQ',
        department: null,
        cost_center: null,
        comment: null,
        asset_id: null,
        in_service_date: null,
        serial_number: `SN${i}`,
        serial_lc: `sn${i}`,
        product: 'OpenUMS Linux',
        version: '12.1.0',
        last_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        last_boot: now - 3_600_000,
        registered_at: now - 86_400_000,
      });
    }
    await db.transaction().execute((trx) => trx.insertInto('devices').values(rows).execute());
  }
  // Presence lives in device_presence (a trigger made each device's row, offline, never contacted):
  // last contacts over one day, set in one statement (device i has id before + 1 + i).
  await handle.db.executeQuery({
    sql: `update device_presence set last_contact = ${now} - ((device_id - ${before} - 1) % 86400) * 1000 where device_id > ${before}`,
    parameters: [],
    query: { kind: 'RawNode' },
  });
  if (handle.dialect === 'postgres') {
    // The update left a dead version of every presence row (and of its index entries): reclaim
    // them now rather than measure a bloated table or let autovacuum start during a measurement.
    await handle.db.executeQuery({ sql: 'vacuum device_presence', parameters: [], query: { kind: 'RawNode' } });
    await handle.db.executeQuery({ sql: 'analyze', parameters: [], query: { kind: 'RawNode' } }).catch(() => undefined);
  }
  await handle.close();
  return { folderIds, seconds: (Date.now() - started) / 1000 };
}

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `nodeArgs` plus the server's heap flags it does not set itself. */
async function serverNodeArgs(nodeArgs) {
  const { serverExecArgv } = await import(join(root, 'packages/server/dist/lib/heap-flags.js'));
  return serverExecArgv(nodeArgs, process.env.NODE_OPTIONS ?? '');
}

/** Starts `openums server` as its own process; resolves when check-status says ok. */
export async function startServer(target, { password = 'bench-password', port: fixedPort, env = {} } = {}) {
  const port = fixedPort ?? (await freePort());
  const t0 = performance.now();
  const nodeArgs = process.env.OPENUMS_BENCH_NODE_ARGS ? process.env.OPENUMS_BENCH_NODE_ARGS.split(' ') : [];
  const args = [
    // As bin/openums.js run as a program, npm start and the systemd unit start it: with the server's
    // heap sizes (OPENUMS_BENCH_NODE_HEAP=default: Node's own, for an A/B of them).
    ...(process.env.OPENUMS_BENCH_NODE_HEAP === 'default' ? nodeArgs : await serverNodeArgs(nodeArgs)),
    join(root, 'packages/server/bin/openums.js'),
    'server',
    '--data-dir',
    target.dataDir,
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--log-level',
    'warn',
  ];
  if (target.databaseUrl) args.push('--database-url', target.databaseUrl);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, OPENUMS_ADMIN_PASSWORD: password },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let ca = null;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      ca ??= readFileSync(join(target.dataDir, 'tls/web-ca.crt'), 'utf8');
      const r = await call({ port, ca }, 'GET', '/ums/check-status');
      if (r.status === 200 && JSON.parse(r.body).status === 'ok') break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const startupMs = performance.now() - t0;
  const server = { port, ca, child, startupMs, pid: child.pid, startedAt: t0 };
  // In a reconnect storm the port sheds new connections past its handshake limit (a reset):
  // the login tries again, as a browser would.
  for (let attempt = 1; ; attempt++) {
    try {
      const login = await call(server, 'POST', '/api/v1/auth/login', { username: 'admin', password });
      server.token = JSON.parse(login.body).token;
      break;
    } catch (err) {
      if (attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  server.stop = async () => {
    child.kill('SIGTERM');
    await exited;
    dropAgents(port);
  };
  server.kill9 = async () => {
    child.kill('SIGKILL');
    await exited;
    dropAgents(port);
  };
  return server;
}

const agents = new Map();
/** A server on this port is gone: its pooled keep-alive sockets would only reset (uncaught) later. */
function dropAgents(port) {
  for (const [key, agent] of agents) {
    if (key.startsWith(`${port}:`)) {
      agent.destroy();
      agents.delete(key);
    }
  }
}
function agentFor(server, sockets = 64) {
  const key = `${server.port}:${sockets}`;
  if (!agents.has(key)) agents.set(key, new Agent({ keepAlive: true, maxSockets: sockets, ca: server.ca }));
  return agents.get(key);
}

/** One REST call; `agent` (default: a shared keep-alive pool per server) for a dedicated connection. */
export function call(server, method, path, body, token = server.token, agent = server.token ? agentFor(server) : false) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: server.port,
        path,
        method,
        ca: server.ca,
        agent,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** `clients` concurrent keep-alive clients for `seconds`; each request path from `nextPath()`. */
export async function load(server, { clients = 32, seconds = 20, nextPath }) {
  const latencies = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const startedAt = performance.now();
  async function client() {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        const r = await call(server, 'GET', nextPath());
        if (r.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = (performance.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 100) / 100;
  return { requests: latencies.length, errors, rps: Math.round(latencies.length / elapsed), p50ms: q(0.5), p99ms: q(0.99) };
}

/** Every process below `pid` (the simulator forks its device processes). */
export function descendants(pid) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const raw = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(raw.slice(raw.lastIndexOf(') ') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [c, p] of parent) if (p === out[i]) out.push(c);
  return out;
}

/** CPU seconds and RSS of a process, from /proc. */
export function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = 100;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return {
    cpuSeconds: (Number(stat[11]) + Number(stat[12])) / ticks,
    userSeconds: Number(stat[11]) / ticks,
    systemSeconds: Number(stat[12]) / ticks,
    rssMb: Math.round(kb('VmRSS') / 1024),
    // The process's own memory, without file pages it maps (SQLite's mmap: the same page-cache
    // pages counted once in each worker's RSS).
    rssAnonMb: Math.round(kb('RssAnon') / 1024),
  };
}

/**
 * The same measurement with wrk (Debian package `wrk`), whose C client costs far less CPU than
 * a Node client: on 2 cores the load generator otherwise competes with the server it measures.
 */
export function hasWrk() {
  try {
    return execFileSync('wrk', ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] }) !== null;
  } catch (err) {
    return /wrk/.test(String(err.stdout ?? '') + String(err.stderr ?? ''));
  }
}

export function loadWrk(server, { clients = 32, seconds = 20, paths }) {
  const script = join(mkdtempSync(join(tmpdir(), 'openums-wrk-')), 'paths.lua');
  writeFileSync(
    script,
    `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
local counter = 0
local headers = { ["Authorization"] = "Bearer ${server.token}" }
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) math.randomseed(os.time() * 1000 + id) end
function request() return wrk.format("GET", paths[math.random(#paths)], headers) end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"errors":%d,"p50us":%d,"p99us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`,
  );
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${clients}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, `https://127.0.0.1:${server.port}/`],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  const r = JSON.parse(line.slice(8));
  return {
    requests: r.requests,
    errors: r.errors,
    rps: Math.round(r.requests / (r.durationUs / 1e6)),
    p50ms: Math.round(r.p50us / 10) / 100,
    p99ms: Math.round(r.p99us / 10) / 100,
    client: 'wrk',
  };
}
