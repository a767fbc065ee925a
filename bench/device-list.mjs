#!/usr/bin/env node
// node bench/device-list.mjs [--devices N --runs R --dialects sqlite,postgres]
// The device list for real sites (issue 12 item 9) at 100,000 devices in 1,000 folders: the exact
// count of a list (count=true), folder totals with sub-folders (one recursive CTE per folder
// page), the substring search (match=contains, no index) next to the prefix search, and a bulk
// move resolved from a query. One request at a time against a real server; p50 / max in ms.
import { parseArgs } from 'node:util';
import { call, createTarget, machine, seed, startServer } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '15' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const devices = Number(values.devices);
const runs = Number(values.runs);

async function time(server, method, path, body) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await call(server, method, path, body);
    times.push(performance.now() - t0);
    if (last.status >= 400) throw new Error(`${method} ${path}: ${last.status} ${last.body.slice(0, 300)}`);
  }
  times.sort((a, b) => a - b);
  return {
    p50: Math.round(times[Math.floor(times.length / 2)] * 10) / 10,
    max: Math.round(times.at(-1) * 10) / 10,
    answer: JSON.parse(last.body),
  };
}

const result = { bench: 'device-list', date: new Date().toISOString(), machine: machine(), devices, runs, results: {} };
for (const dialect of values.dialects.split(',')) {
  const r = (result.results[dialect] = {});
  const target = await createTarget(dialect);
  // Four levels (4 / 16 / 96 / 884 folders), devices in the deepest: a top folder holds ~25,000.
  const seeded = await seed(target, { devices, folders: 1000, fanout: [4, 4, 6] });
  const server = await startServer(target);
  const top = seeded.folderIds[0];
  const all = await time(server, 'GET', '/api/v1/devices?limit=100&count=true');
  r.countAll = { p50: all.p50, max: all.max, count: all.answer.count };
  const region = await time(server, 'GET', `/api/v1/devices?limit=100&count=true&folderId=${top}&recursive=true`);
  r.countTopFolderRecursive = { p50: region.p50, max: region.max, count: region.answer.count };
  const prefix = await time(server, 'GET', '/api/v1/devices?limit=100&count=true&q=dev-0123');
  r.prefixSearchWithCount = { p50: prefix.p50, max: prefix.max, count: prefix.answer.count };
  const contains = await time(server, 'GET', '/api/v1/devices?limit=100&count=true&q=0123&match=contains');
  r.containsSearchWithCount = { p50: contains.p50, max: contains.max, count: contains.answer.count };
  const containsNoCount = await time(server, 'GET', '/api/v1/devices?limit=100&q=0123&match=contains');
  r.containsSearchFirstPage = { p50: containsNoCount.p50, max: containsNoCount.max };
  const roots = await time(server, 'GET', '/api/v1/device-folders?parentId=root');
  r.folderTotalsTopLevel = { p50: roots.p50, max: roots.max, totals: roots.answer.items.map((f) => f.totalDeviceCount) };
  const everyFolder = await time(server, 'GET', '/api/v1/device-folders?limit=1000');
  r.folderTotalsAll1000 = { p50: everyFolder.p50, max: everyFolder.max };
  await server.stop();
  await target.drop();
}
console.log(JSON.stringify(result));
