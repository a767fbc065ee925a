#!/usr/bin/env node
// npm run bench:rules [-- --devices 10000 --rules 200 --count 1000 --concurrency 16 --dialects sqlite,postgres]
// Default folder rules (docs/folder-rules.md). Two figures, one JSON line:
// 1. evaluation: a tree of `rules` rules (the server's compile and evaluation, in memory) placing
//    `devices` registering devices — target ≥ 2,000 devices/s;
// 2. EST enrollment through the real server, `count` simpleenroll requests with `concurrency`
//    keep-alive clients, without rules and then with the same tree configured through the API —
//    target: with rules ≥ 90 % of without (measured back to back, so other load on the machine
//    hits both alike).
import 'reflect-metadata';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { estClient, makeCsrs } from './est.mjs';
import { call, createTarget, machine, startServer } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    rules: { type: 'string', default: '200' },
    count: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const DEVICES = Number(values.devices);
const RULES = Number(values.rules);
const N = Number(values.count);
const C = Number(values.concurrency);
const WARMUP = Math.min(200, N);
const ROUNDS = 3;
const serverDist = join(import.meta.dirname, '../packages/server/dist');
const ruleModule = join(serverDist, 'modules/default-folder-rules');

/**
 * The tree: 20 sites (structure tag prefix, no target) with 8 sub-rules each (IP range, MAC
 * prefix, name regex, version, product, site field …) and a few catch-alls at the end, 200 in
 * all. Most devices walk past many rules before one decides; the last rules match what
 * enrollment knows (the loopback address), so enrolled devices pass the whole tree.
 */
function ruleTree(folderIds) {
  const tops = [];
  let count = 0;
  const folder = (i) => folderIds[i % folderIds.length];
  for (let s = 0; s < 20 && count + 9 <= RULES - 1; s++) {
    const kids = [
      { field: 'lastIp', op: 'inCidr', value: `10.${s}.0.0/16` },
      { field: 'mac', op: 'startsWith', value: `02AA${s.toString(16).padStart(2, '0').toUpperCase()}` },
      { field: 'name', op: 'regex', value: `^ws-${s}-[0-9]+$` },
      {
        and: [
          { field: 'version', op: 'gte', value: '12.1' },
          { field: 'product', op: 'contains', value: 'linux' },
        ],
      },
      { field: 'site', op: 'eq', value: `site ${s}` },
      {
        or: [
          { field: 'department', op: 'eq', value: 'it' },
          { field: 'costCenter', op: 'startsWith', value: `${s}` },
        ],
      },
      { not: { field: 'serialNumber', op: 'isEmpty' } },
      { field: 'lastIp', op: 'between', value: [`172.16.${s}.1`, `172.16.${s}.254`] },
    ].map((criteria, k) => ({
      name: `Site ${s} rule ${k}`,
      criteria,
      target: { mode: 'folder', folderId: folder(s * 8 + k) },
      children: [],
    }));
    tops.push({
      name: `Site ${s}`,
      criteria: { field: 'structureTag', op: 'startsWith', value: `S${s}-` },
      target: { mode: 'none' },
      children: kids,
    });
    count += 1 + kids.length;
  }
  for (; count < RULES - 1; count++)
    tops.push({
      name: `Catch ${count}`,
      criteria: { field: 'unitId', op: 'endsWith', value: `Z${count}` },
      target: { mode: 'folder', folderId: folder(count) },
      children: [],
    });
  tops.push({
    name: 'Loopback',
    criteria: { field: 'lastIp', op: 'inCidr', value: '127.0.0.0/8' },
    target: { mode: 'folder', folderId: folder(0) },
    children: [],
  });
  return tops;
}

/** 1. Rule evaluation in memory, as enrollment and boots run it. */
async function evaluation() {
  const { compile } = await import(join(ruleModule, 'default-folder-rules.service.js'));
  const { evaluateRules } = await import(join(ruleModule, 'rule-evaluation.js'));
  const { matchesCriteria } = await import(join(serverDist, 'modules/views/criteria-memory.js'));
  const { newDeviceRow } = await import(join(serverDist, 'modules/devices/devices.repository.js'));
  const tree = ruleTree(Array.from({ length: 50 }, (_, i) => i + 1));
  let id = 1;
  const rows = [];
  const add = (r, parentId, position) => {
    const me = id++;
    rows.push({
      id: me,
      parent_id: parentId,
      position,
      name: r.name,
      criteria_json: JSON.stringify(r.criteria),
      target_mode: r.target.mode,
      target_folder_id: r.target.folderId ?? null,
      prefix_length: null,
      overrides_existing: 0,
      apply_at_boot: 0,
      leave_in_subfolder: 0,
      created_at: 0,
      updated_at: 0,
    });
    r.children.forEach((c, i) => add(c, me, i));
  };
  tree.forEach((r, i) => add(r, null, i));
  const devices = Array.from({ length: DEVICES }, (_, i) => {
    const s = i % 23; // 3 of 23 belong to no site
    const mac = `02BB${i.toString(16).toUpperCase().padStart(8, '0')}`;
    return {
      ...newDeviceRow({ mac, name: i % 2 ? `ws-${s}-${i}` : `ITC${mac}`, folderId: null, now: Date.now() }),
      id: i + 1,
      last_ip: i % 3 ? `10.${s}.${(i >> 8) & 255}.${i & 255}` : `192.168.${s}.${i & 255}`,
      product: 'OpenUMS Linux',
      version: i % 4 ? '12.1.0' : '11.9.0',
      structure_tag: s < 20 ? `S${s}-room${i % 7}` : null,
      site: i % 5 ? null : `site ${s}`,
    };
  });
  const t0 = performance.now();
  const compiled = compile(rows);
  const placed = new Map();
  let matchesCalls = 0;
  for (const d of devices) {
    const ctx = { now: Date.now(), parentOf: () => undefined };
    const decision = evaluateRules(compiled.roots, d.last_ip, (rule) => {
      matchesCalls++;
      return matchesCriteria(rule.criteria, d, ctx);
    });
    const key = decision ? decision.rule.name : 'none';
    placed.set(key, (placed.get(key) ?? 0) + 1);
  }
  const secs = (performance.now() - t0) / 1000;
  return {
    rules: compiled.count,
    devices: DEVICES,
    perSecond: Math.round(DEVICES / secs),
    rulesLookedAtPerDevice: Math.round(matchesCalls / DEVICES),
    decidedBy: placed.size,
    undecided: placed.get('none') ?? 0,
  };
}

/** 2. EST enrollment through the real server, without and with the tree. */
async function enrollment(dialect, csrs) {
  const t = await createTarget(dialect);
  const s = await startServer(t);
  const api = async (method, path, body) => {
    const r = await call(s, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    return JSON.parse(r.body);
  };
  const key = (await api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).keys[0].secret;
  const { run, close } = estClient(s, key, C);
  // Warm-up (JIT, connections, caches), not counted.
  await run(csrs.slice(2 * N, 2 * N + WARMUP));
  const folderIds = [];
  for (let i = 0; i < 50; i++) folderIds.push((await api('POST', '/api/v1/device-folders', { name: `Rules ${i}` })).id);
  let made = 0;
  const create = async (r, parentId) => {
    const { children, ...body } = r;
    const saved = await api('POST', '/api/v1/default-folder-rules', { ...body, parentId });
    made++;
    for (const c of children) await create(c, saved.id);
  };
  // Rounds without and with the tree alternate, so load from elsewhere on the machine hits both alike.
  const rounds = { without: [], withRules: [] };
  const per = Math.floor(N / ROUNDS);
  for (let k = 0; k < ROUNDS; k++) {
    rounds.without.push(await run(csrs.slice(k * per, (k + 1) * per)));
    made = 0;
    for (const r of ruleTree(folderIds)) await create(r, null); // through the API
    rounds.withRules.push(await run(csrs.slice(N + k * per, N + (k + 1) * per)));
    for (const r of (await api('GET', '/api/v1/default-folder-rules')).items.filter((x) => x.parentId === null))
      await call(s, 'DELETE', `/api/v1/default-folder-rules/${r.id}`);
  }
  const total = (list) => ({
    perSecond: Math.round(list.reduce((n, r) => n + r.count, 0) / list.reduce((n, r) => n + r.secs, 0)),
    rounds: list.map((r) => r.perSecond),
    codes: list.reduce((c, r) => {
      for (const [k, v] of Object.entries(r.codes)) c[k] = (c[k] ?? 0) + v;
      return c;
    }, {}),
    serverCpuPercent: Math.round(list.reduce((n, r) => n + r.serverCpuPercent, 0) / list.length),
  });
  const without = total(rounds.without);
  const withRules = total(rounds.withRules);
  // Where the enrolled devices went: those of the rounds with rules to the loopback rule's folder.
  const inFolder = (await api('GET', `/api/v1/devices?folderId=${folderIds[0]}&limit=1`)).items.length;
  close();
  await s.stop();
  await t.drop();
  return {
    rules: made,
    without,
    withRules,
    ratio: Math.round((100 * withRules.perSecond) / without.perSecond) / 100,
    placedByRule: inFolder > 0,
  };
}

const csrs = await makeCsrs(2 * N + WARMUP, 0x020000200000);
const result = {
  bench: 'folder-rules',
  date: new Date().toISOString(),
  machine: machine(),
  evaluation: await evaluation(),
  enrollment: {},
};
for (const dialect of values.dialects.split(',')) {
  // Fresh MACs per dialect are not needed: every dialect gets its own database.
  result.enrollment[dialect] = await enrollment(dialect, csrs);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
