#!/usr/bin/env node
// node bench/views-subtree.mjs [--dialect postgres|sqlite] [--devices 100000] [--requests 25]
//                              [--a DIR] [--b DIR] [--rounds 2]
//
// A view that names a folder "with sub-folders" (the criterion, and a view narrowed by
// `folderId` + `recursive`), evaluated in-process — count plus a 100-row page, as
// `POST /api/v1/views/evaluate` does — on 1,000 folders in four levels (4, 16, 96, 884 leaves)
// and N devices in the leaves. Median milliseconds per evaluation for folders at each level; and
// the bulk read behind a command or profile assignment to a folder "with sub-folders" (the ids of
// every device below it: `bulk_<level>`).
// With --a/--b (two built trees: e.g. a copy of an earlier commit and this one) both evaluate
// the same database, alternately per round. Last line: JSON.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTarget, machine, seed } from './lib.mjs';

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'postgres' },
    devices: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '25' },
    rounds: { type: 'string', default: '2' },
    a: { type: 'string' },
    b: { type: 'string' },
  },
});
const here = resolve(new URL('..', import.meta.url).pathname);
const trees = values.a ? { a: resolve(values.a), b: resolve(values.b ?? here) } : { b: here };

const target = await createTarget(values.dialect);
try {
  const seeded = await seed(target, { devices: Number(values.devices), fanout: [4, 4, 6] });
  const ids = seeded.folderIds;
  // Levels of the seeded tree: 4 top folders, 16 below them, 96 below those, the rest leaves.
  const levels = { top: ids.slice(0, 4), level2: ids.slice(4, 20), level3: ids.slice(20, 116), leaf: ids.slice(116) };
  const sides = {};
  for (const [name, dir] of Object.entries(trees)) {
    const dist = resolve(dir, 'packages/server/dist');
    const { openDatabase } = await import(`${dist}/db/database.js`);
    const { ViewsService } = await import(`${dist}/modules/views/views.service.js`);
    const { DevicesRepository } = await import(`${dist}/modules/devices/devices.repository.js`);
    const handle = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
    sides[name] = {
      handle,
      views: new ViewsService(handle.db, values.dialect, { now: () => Date.now() }),
      devices: new DevicesRepository(handle.db),
    };
  }
  const cases = {
    ...Object.fromEntries(
      Object.entries(levels).map(([level, folders]) => [
        `criterion_${level}`,
        (views, i) =>
          views.evaluate(
            { field: 'folderId', op: 'inFolder', value: { id: folders[i % folders.length], recursive: true } },
            { sort: 'name', limit: 100 },
            null,
          ),
      ]),
    ),
    ...Object.fromEntries(
      Object.entries(levels).map(([level, folders]) => [
        `bulk_${level}`,
        (_views, i, side) => side.devices.listDeviceIdsInFolder(folders[i % folders.length], true),
      ]),
    ),
    narrowedToLeaf: (views, i) =>
      views.evaluate(
        { field: 'name', op: 'startsWith', value: 'dev' },
        { sort: 'name', limit: 100, folderId: levels.leaf[i % levels.leaf.length], recursive: true },
        null,
      ),
  };
  const samples = {};
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 ? Object.keys(sides).reverse() : Object.keys(sides);
    for (const name of order) {
      for (const [c, fn] of Object.entries(cases)) {
        const list = ((samples[c] ??= {})[name] ??= []);
        for (let i = 0; i < Number(values.requests); i++) {
          const t = performance.now();
          await fn(sides[name].views, i * 7 + round, sides[name]);
          list.push(performance.now() - t);
        }
      }
    }
  }
  const median = (xs) => {
    const v = [...xs].sort((x, y) => x - y);
    return Math.round(v[Math.floor(v.length / 2)] * 10) / 10;
  };
  const results = Object.fromEntries(
    Object.entries(samples).map(([c, bySide]) => [
      c,
      Object.fromEntries(Object.entries(bySide).map(([s, xs]) => [`${s}MedianMs`, median(xs)])),
    ]),
  );
  for (const s of Object.values(sides)) await s.handle.close();
  console.log(
    JSON.stringify({
      bench: 'views-subtree',
      date: new Date().toISOString(),
      machine: machine(),
      dialect: values.dialect,
      devices: Number(values.devices),
      requestsPerCase: Number(values.requests) * Number(values.rounds),
      trees,
      results,
    }),
  );
} finally {
  await target.drop();
}
