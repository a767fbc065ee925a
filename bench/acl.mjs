#!/usr/bin/env node
// npm run bench:acl [-- --devices N --seconds S --clients C --dialects sqlite,postgres]
// Issue 11's figures for object rights: N devices in 1,000 folders five levels deep; an
// administrator whose rights come from 50 entries through 3 nested groups (and directly).
// Measures, on a real server process per database, the first page of 100 devices of a folder
// and a recursive list, as that administrator and as the superuser in the same run (p99 and
// the ratio), and the effective rights of the administrator on one device. Prints one JSON line.
import { parseArgs } from 'node:util';
import { call, createTarget, load, machine, seed, startServer } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '1' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const devices = Number(values.devices);
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const PASSWORD = 'bench-restricted-password';

/** A deterministic pseudo-random sequence, so every run grants the same entries. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function api(server, method, path, body) {
  const r = await call(server, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return r.body ? JSON.parse(r.body) : null;
}

const result = {
  bench: 'acl',
  date: new Date().toISOString(),
  machine: machine(),
  devices,
  folders: 1000,
  levels: 5,
  entries: 50,
  groups: 3,
  clients,
  seconds,
  results: {},
};

for (const dialect of values.dialects.split(',')) {
  const r = (result.results[dialect] = {});
  const target = await createTarget(dialect);
  // 4 + 16 + 64 + 256 folders in four levels, the other 660 as a fifth level below the fourth.
  const seeded = await seed(target, { devices, folders: 1000, fanout: [4, 4, 4, 4] });
  r.seedSeconds = seeded.seconds;
  const server = await startServer(target);
  const folders = await api(server, 'GET', '/api/v1/device-folders?limit=1000');
  const parent = new Map(folders.items.map((f) => [f.id, f.parentId]));
  const depth = (id) => (parent.get(id) === null ? 1 : 1 + depth(parent.get(id)));
  const byLevel = (n) => folders.items.filter((f) => depth(f.id) === n).map((f) => f.id);

  // The restricted administrator: in g1, g1 in g2, g2 in g3. 50 entries: allows of Browse and
  // Read on level-2 and level-3 folders, spread over the account and its three groups, and
  // denies on level-4 folders below some of them.
  const admin = await api(server, 'POST', '/api/v1/admins', { username: 'restricted', password: PASSWORD, superuser: false });
  const g1 = await api(server, 'POST', '/api/v1/admin-groups', { name: 'g1', members: [{ type: 'admin', id: admin.id }] });
  const g2 = await api(server, 'POST', '/api/v1/admin-groups', { name: 'g2', members: [{ type: 'group', id: g1.id }] });
  const g3 = await api(server, 'POST', '/api/v1/admin-groups', { name: 'g3', members: [{ type: 'group', id: g2.id }] });
  const principals = [
    { type: 'admin', id: admin.id },
    { type: 'group', id: g1.id },
    { type: 'group', id: g2.id },
    { type: 'group', id: g3.id },
  ];
  const rnd = random(11);
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const granted = new Set();
  const lists = new Map();
  const add = (folderId, entry) => {
    const list = lists.get(folderId) ?? [];
    if (list.some((e) => e.principal.type === entry.principal.type && e.principal.id === entry.principal.id)) return false;
    list.push(entry);
    lists.set(folderId, list);
    return true;
  };
  let entries = 0;
  while (entries < 45) {
    const f = pick([...byLevel(2), ...byLevel(3)]);
    if (add(f, { principal: pick(principals), rights: { browse: 'allow', read: 'allow' } })) {
      granted.add(f);
      entries++;
    }
  }
  while (entries < 50) {
    if (add(pick(byLevel(4)), { principal: pick(principals), rights: { browse: 'deny' } })) entries++;
  }
  for (const [folderId, list] of lists) await api(server, 'PUT', `/api/v1/device-folders/${folderId}/access`, { entries: list });

  // Folders the administrator may list: granted ones (recursive) and the leaves below them.
  const restricted = {
    ...server,
    token: JSON.parse((await call(server, 'POST', '/api/v1/auth/login', { username: 'restricted', password: PASSWORD })).body).token,
  };
  const visibleLeaves = [];
  for (const f of byLevel(5)) {
    const page = await call(restricted, 'GET', `/api/v1/devices?limit=1&folderId=${f}`);
    if (page.status === 200 && JSON.parse(page.body).items.length) visibleLeaves.push(f);
  }
  const recursiveRoots = [...granted];
  r.visibleLeafFolders = visibleLeaves.length;
  const summary = await api(restricted, 'GET', '/api/v1/devices/summary');
  r.visibleDevices = summary.total;

  const firstPage = visibleLeaves.map((f) => `/api/v1/devices?limit=100&folderId=${f}`);
  const recursive = recursiveRoots.map((f) => `/api/v1/devices?limit=100&recursive=true&folderId=${f}`);
  const drive = (who, paths) => load(who, { clients, seconds, nextPath: () => pick(paths) });
  // Warm-up of both, then measured alternately so both see the same machine state.
  await drive(server, firstPage.slice(0, 20));
  await drive(restricted, firstPage.slice(0, 20));
  r.folderPage = { restricted: await drive(restricted, firstPage), superuser: await drive(server, firstPage) };
  r.recursive = { restricted: await drive(restricted, recursive), superuser: await drive(server, recursive) };
  for (const k of ['folderPage', 'recursive']) r[k].ratioP99 = Math.round((r[k].restricted.p99ms / r[k].superuser.p99ms) * 100) / 100;

  // Effective rights of the administrator on one device (asked by the superuser, one client).
  const sample = await api(restricted, 'GET', `/api/v1/devices?limit=100&folderId=${visibleLeaves[0]}`);
  const deviceIds = sample.items.map((d) => d.id);
  r.effectiveRights = await load(server, {
    clients: 1,
    seconds,
    nextPath: () => `/api/v1/devices/${pick(deviceIds)}/access/effective?adminId=${admin.id}`,
  });
  await server.stop();
  await target.drop();
}

const t = { sqlite: 30, postgres: 50 };
result.target = Object.fromEntries(
  Object.entries(result.results).map(([d, r]) => [
    d,
    {
      listP99BelowMs: t[d],
      met:
        r.folderPage.restricted.p99ms < t[d] &&
        r.recursive.restricted.p99ms < t[d] &&
        r.folderPage.ratioP99 <= 1.3 &&
        r.recursive.ratioP99 <= 1.3 &&
        r.effectiveRights.p99ms < 5,
    },
  ]),
);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
