#!/usr/bin/env node
// npm run bench:api [-- --devices N --seconds S --clients C --dialects sqlite,postgres]
// Seeds N devices in 1,000 folders, starts a real server process per database, measures the
// time to check-status=ok (fresh and seeded), then drives the device list (folder filter — by
// name and by last contact —, q search, recursive) and a hello-world route with C keep-alive
// HTTPS clients. Prints one JSON line.
import { parseArgs } from 'node:util';
import { createTarget, deviceName, hasWrk, load, loadWrk, machine, procStats, seed, startServer } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    folders: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '32' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const devices = Number(values.devices);
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const pick = (arr) => arr[Math.floor(Math.random() * arr.length)];
const useWrk = hasWrk();
/** Drives `paths` (a list sampled at random) with wrk when installed, else with a Node client. */
const drive = (server, secs, paths) =>
  useWrk ? loadWrk(server, { clients, seconds: secs, paths }) : load(server, { clients, seconds: secs, nextPath: () => pick(paths) });

const result = {
  bench: 'api',
  client: hasWrk() ? 'wrk' : 'node',
  date: new Date().toISOString(),
  machine: machine(),
  devices,
  folders: Number(values.folders),
  clients,
  seconds,
  results: {},
};

for (const dialect of values.dialects.split(',')) {
  const r = (result.results[dialect] = {});
  // Start-up on an empty database (first start: CA, certificates, migrations, admin).
  const fresh = await createTarget(dialect);
  const freshServer = await startServer(fresh);
  r.startupFreshMs = Math.round(freshServer.startupMs);
  await freshServer.stop();
  await fresh.drop();

  const target = await createTarget(dialect);
  const seeded = await seed(target, { devices, folders: Number(values.folders) });
  r.seedSeconds = seeded.seconds;
  // Start-up with the seeded database (first start of a server on that data).
  const server = await startServer(target);
  r.startupSeededMs = Math.round(server.startupMs);
  const cpu0 = procStats(server.pid);

  const leafFolders = seeded.folderIds.slice(110); // folders that hold devices evenly
  const prefixes = Array.from({ length: 200 }, () => deviceName(Math.floor(Math.random() * devices)).slice(0, 8)); // ~100 matches each
  // Warm-up, then the measured phases.
  const byFolder = leafFolders.map((f) => `/api/v1/devices?limit=100&folderId=${f}`);
  await drive(server, 2, byFolder);
  r.listByFolder = await drive(server, seconds, byFolder);
  // The same folders sorted by last contact, newest first: since presence has its own table
  // (ADR 0009) no index covers (folder, last contact), so it is measured beside the name sort.
  r.listByFolderLastContact = await drive(
    server,
    seconds,
    leafFolders.map((f) => `/api/v1/devices?limit=100&folderId=${f}&sort=-lastContact`),
  );
  r.listByQuery = await drive(
    server,
    seconds,
    prefixes.map((p) => `/api/v1/devices?limit=100&q=${p}`),
  );
  r.listRecursive = await drive(
    server,
    Math.min(seconds, 10),
    seeded.folderIds.slice(0, 110).map((f) => `/api/v1/devices?limit=100&recursive=true&folderId=${f}`),
  );
  // Leaf folders "with sub-folders": the subtree is the folder itself.
  r.listRecursiveLeaf = await drive(
    server,
    Math.min(seconds, 10),
    leafFolders.map((f) => `/api/v1/devices?limit=100&recursive=true&folderId=${f}`),
  );
  r.helloWorld = await drive(server, seconds, ['/info']);
  const cpu1 = procStats(server.pid);
  r.serverRssMb = cpu1.rssMb;
  r.serverCpuSeconds = Math.round((cpu1.cpuSeconds - cpu0.cpuSeconds) * 10) / 10;
  await server.stop();
  await target.drop();
}
const s = result.results.sqlite?.listByFolder;
result.target = {
  p99msBelow: 50,
  rpsAtLeast: 1000,
  metOnSqlite: s
    ? s.p99ms < 50 && s.rps >= 1000 && result.results.sqlite.listByQuery.p99ms < 50 && result.results.sqlite.listByQuery.rps >= 1000
    : null,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
