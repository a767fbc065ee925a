#!/usr/bin/env node
// npm run bench:profiles -- [--dialect sqlite|postgres] [--part compute|delivery|all] [--devices 100000] [--connected 15000]
// 1. compute: 100,000 devices in 1,000 folders four levels deep (4 × 4 × 6, then 884 leaves
//    holding the devices), 2,000 profiles, 5 assigned to every folder and 5 to every device
//    (25 reaching each device through its four folders and directly): every device's
//    effective configuration and its hash, through the server's own loader and engine; then one
//    device's effective configuration over HTTPS from a real server process (p99).
// 2. delivery: `--connected` simulated devices (the agent's simulator, real mTLS) in one folder;
//    a profile assigned to the folder and then changed: seconds until every device's row says
//    APPLIED for the newest revision. Last line: one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, createTarget, machine, seed, startServer } from './lib.mjs';
import { simulator, until, untilConnected } from './sim.mjs';

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite' },
    part: { type: 'string', default: 'all' },
    devices: { type: 'string', default: '100000' },
    profiles: { type: 'string', default: '2000' },
    connected: { type: 'string', default: '15000' },
    'local-addresses': { type: 'string', default: '127.0.0.2-127.0.0.60' },
  },
});
const root = new URL('..', import.meta.url).pathname;
const dist = (p) => join(root, p);
const log = (...a) => process.stderr.write(`[bench:profiles] ${a.join(' ')}\n`);
const { PARAMETER_CATALOGUE, validateSetting } = await import(dist('packages/protocol/dist/index.js'));

/** Deterministic PRNG: every run seeds the same data. */
function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Parameters whose random values are valid by construction (bool, integer in range, enum). */
function parameterPool() {
  return PARAMETER_CATALOGUE.parameters.filter((p) => !p.key.includes('[]') && ['bool', 'integer', 'enum'].includes(p.type));
}

function randomSettings(r, pool, n) {
  const out = {};
  for (let i = 0; i < n; i++) {
    const p = pool[Math.floor(r() * pool.length)];
    const v =
      p.type === 'bool'
        ? r() < 0.5
        : p.type === 'integer'
          ? p.min + Math.floor(r() * (p.max - p.min + 1))
          : p.values[Math.floor(r() * p.values.length)];
    if (!validateSetting(p.key, v)) out[p.key] = v;
  }
  return out;
}

async function seedProfiles(target, folderIds, { profiles }) {
  const { openDatabase } = await import(dist('packages/server/dist/db/database.js'));
  const handle = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
  const db = handle.db;
  const r = rng(42);
  const pool = parameterPool();
  const now = Date.now();
  const profileIds = [];
  for (let start = 0; start < profiles; start += 500) {
    const rows = [];
    for (let i = start; i < Math.min(profiles, start + 500); i++) {
      rows.push({
        name: `profile-${i}`,
        name_lc: `profile-${i}`,
        type: 'standard',
        based_on: '12.1',
        folder_id: null,
        settings: JSON.stringify(randomSettings(r, pool, 8)),
        created_at: now,
        updated_at: now,
      });
    }
    profileIds.push(...(await db.insertInto('profiles').values(rows).returning('id').execute()).map((x) => Number(x.id)));
  }
  const pickProfiles = (n) => {
    const set = new Set();
    while (set.size < n) set.add(profileIds[Math.floor(r() * profileIds.length)]);
    return [...set];
  };
  const folderRows = folderIds.flatMap((f) =>
    pickProfiles(5).map((p) => ({ profile_id: p, target_type: 'folder', target_id: f, created_at: now })),
  );
  for (let i = 0; i < folderRows.length; i += 1000)
    await db
      .insertInto('profile_assignments')
      .values(folderRows.slice(i, i + 1000))
      .execute();
  const ids = (await db.selectFrom('devices').select('id').orderBy('id').execute()).map((x) => Number(x.id));
  let direct = 0;
  for (let i = 0; i < ids.length; i += 250) {
    const rows = ids
      .slice(i, i + 250)
      .flatMap((d) => pickProfiles(5).map((p) => ({ profile_id: p, target_type: 'device', target_id: d, created_at: now })));
    direct += rows.length;
    await db.transaction().execute((trx) => trx.insertInto('profile_assignments').values(rows).execute());
  }
  if (handle.dialect === 'postgres')
    await handle.db.executeQuery({ sql: 'analyze', parameters: [], query: { kind: 'RawNode' } }).catch(() => undefined);
  await handle.close();
  return { profiles: profileIds.length, folderAssignments: folderRows.length, directAssignments: direct, deviceIds: ids };
}

async function computeAll(target) {
  const { openDatabase } = await import(dist('packages/server/dist/db/database.js'));
  const { SettingsRepository } = await import(dist('packages/server/dist/db/settings.repository.js'));
  const { ConfigurationSnapshotRepository } = await import(
    dist('packages/server/dist/modules/configuration-delivery/configuration-snapshot.repository.js')
  );
  const { EffectiveConfigEngine } = await import(dist('packages/server/dist/modules/profiles/effective-config-engine.js'));
  const { settingsHash } = await import(dist('packages/server/dist/modules/profiles/settings-hash.js'));
  const handle = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
  const loader = new ConfigurationSnapshotRepository(handle.db, new SettingsRepository(handle.db));
  const t0 = performance.now();
  const tree = await loader.findTree();
  const engine = new EffectiveConfigEngine(tree);
  let devices = 0;
  let keys = 0;
  let reach = 0;
  const depthOf = (f) => (f === null ? 0 : 1 + depthOf(tree.parentOf.get(f) ?? null));
  const reachOf = (f) => (f === null ? 0 : (tree.folderProfiles.get(f)?.length ?? 0) + reachOf(tree.parentOf.get(f) ?? null));
  let maxDepth = 0;
  let computeMs = 0;
  let hashMs = 0;
  for await (const page of loader.pageAllEngineDevices(5000)) {
    for (const d of page) {
      const c0 = performance.now();
      const settings = engine.compute(d);
      const c1 = performance.now();
      settingsHash(settings);
      computeMs += c1 - c0;
      hashMs += performance.now() - c1;
      devices++;
      keys += Object.keys(settings).length;
      reach += d.direct.length + reachOf(d.folderId);
      maxDepth = Math.max(maxDepth, depthOf(d.folderId));
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await handle.close();
  return {
    seconds: Math.round(seconds * 100) / 100,
    computeSeconds: Math.round(computeMs / 10) / 100,
    hashSeconds: Math.round(hashMs / 10) / 100,
    devices,
    avgAssignmentsPerDevice: Math.round((reach / devices) * 10) / 10,
    avgEffectiveKeys: Math.round(keys / devices),
    folderLevels: maxDepth,
  };
}

async function singleDeviceLatency(target, deviceIds) {
  const server = await startServer(target);
  try {
    const r = rng(7);
    const pick = () => deviceIds[Math.floor(r() * deviceIds.length)];
    for (let i = 0; i < 50; i++) await call(server, 'GET', `/api/v1/devices/${pick()}/effective-configuration`); // warm-up
    const lat = [];
    let errors = 0;
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      const res = await call(server, 'GET', `/api/v1/devices/${pick()}/effective-configuration`);
      lat.push(performance.now() - t);
      if (res.status !== 200) errors++;
    }
    lat.sort((a, b) => a - b);
    const q = (p) => Math.round(lat[Math.floor(p * (lat.length - 1))] * 100) / 100;
    return { requests: lat.length, errors, p50ms: q(0.5), p99ms: q(0.99) };
  } finally {
    await server.stop();
  }
}

async function deliveryRun(dialect, n) {
  const target = await createTarget(dialect);
  const stateDir = mkdtempSync(join(tmpdir(), 'openums-sim-'));
  const { openDatabase } = await import(dist('packages/server/dist/db/database.js'));
  let sim = null;
  let server = null;
  try {
    server = await startServer(target, { env: { OPENUMS_HEARTBEAT_SECONDS: '60', OPENUMS_HEARTBEAT_OFFSET_SECONDS: '60' } });
    const folder = JSON.parse((await call(server, 'POST', '/api/v1/device-folders', { name: 'fleet' })).body).id;
    const key = JSON.parse((await call(server, 'POST', '/api/v1/enrollment-keys', { type: 'mass', folderId: folder })).body).keys[0].secret;
    sim = simulator(server, key, stateDir, { count: n, localAddresses: values['local-addresses'] });
    const t0 = performance.now();
    await until(() => sim.latest?.enrolled >= n, 30 * 60_000, 'enrollment');
    await untilConnected(server, n, 10 * 60_000, 'all online');
    log(`${n} devices enrolled and online in ${Math.round((performance.now() - t0) / 1000)} s`);
    const handle = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
    const applied = async () =>
      Number(
        (
          await handle.db
            .selectFrom('devices')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('config_state', '=', 'APPLIED')
            .whereRef('config_applied_revision', '=', 'config_revision')
            .executeTakeFirst()
        ).n,
      );
    const waitApplied = async (what) => {
      const start = performance.now();
      for (;;) {
        if ((await applied()) >= n) return Math.round((performance.now() - start) / 100) / 10;
        if (performance.now() - start > 10 * 60_000) throw new Error(`timed out: ${what} (${await applied()} of ${n})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const initial = await waitApplied('first contact');
    log(`first contact: all ${n} APPLIED (store hash compared) within ${initial} s of being online`);
    const created = JSON.parse(
      (
        await call(server, 'POST', '/api/v1/profiles', {
          name: 'bench',
          type: 'standard',
          settings: { 'userinterface.screensaver.timeout': 5 },
        })
      ).body,
    );
    const tAssign = performance.now();
    const assign = await call(server, 'POST', `/api/v1/profiles/${created.id}/assignments`, {
      targets: [{ type: 'folder', id: folder }],
      apply: 'now',
    });
    if (assign.status !== 200) throw new Error(`assign failed: ${assign.body}`);
    const assignRequestMs = Math.round(performance.now() - tAssign);
    const assignSeconds = Math.round(((performance.now() - tAssign) / 1000 + (await waitApplied('assignment'))) * 10) / 10;
    log(`assignment to ${n} devices: all applied after ${assignSeconds} s (request ${assignRequestMs} ms)`);
    const tChange = performance.now();
    await call(server, 'PATCH', `/api/v1/profiles/${created.id}`, { settings: { 'userinterface.screensaver.timeout': 10 }, apply: 'now' });
    const changeSeconds = Math.round(((performance.now() - tChange) / 1000 + (await waitApplied('change'))) * 10) / 10;
    log(`profile change on ${n} devices: all applied after ${changeSeconds} s`);
    await handle.close();
    await new Promise((r) => setTimeout(r, 1500)); // one more simulator stats line
    return {
      connected: n,
      assignAppliedSeconds: assignSeconds,
      changeAppliedSeconds: changeSeconds,
      simulatorApplied: sim.latest?.settingsApplied ?? null,
    };
  } finally {
    await sim?.stop();
    await server?.stop();
    await target.drop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const result = { bench: 'profiles', date: new Date().toISOString(), machine: machine(), dialect: values.dialect };
if (values.part === 'compute' || values.part === 'all') {
  const target = await createTarget(values.dialect);
  try {
    const s = await seed(target, { devices: Number(values.devices), fanout: [4, 4, 6] });
    const p = await seedProfiles(target, s.folderIds, { devices: Number(values.devices), profiles: Number(values.profiles) });
    log(
      `seeded ${values.devices} devices, ${p.profiles} profiles, ${p.folderAssignments} folder and ${p.directAssignments} device assignments`,
    );
    result.compute = {
      ...(await computeAll(target)),
      profiles: p.profiles,
      folderAssignments: p.folderAssignments,
      directAssignments: p.directAssignments,
    };
    log(`computed every device's effective configuration in ${result.compute.seconds} s`);
    result.singleDevice = await singleDeviceLatency(target, p.deviceIds);
    log(`one device over HTTPS: p50 ${result.singleDevice.p50ms} ms, p99 ${result.singleDevice.p99ms} ms`);
  } finally {
    await target.drop();
  }
}
if (values.part === 'delivery' || values.part === 'all') result.delivery = await deliveryRun(values.dialect, Number(values.connected));
result.targets = {
  computeSeconds: values.dialect === 'sqlite' ? '<= 10' : '<= 15',
  singleDeviceP99ms: '< 20',
  changeAppliedSeconds: '<= 30',
};
console.log(JSON.stringify(result));
