#!/usr/bin/env node
// npm run bench:enroll [-- --count 2000 --concurrency 16 --dialects sqlite,postgres]
// EST enrollment throughput of one server process: CSRs are made up front, then `concurrency`
// keep-alive clients post them to simpleenroll with a mass key. Prints one JSON line.
import { parseArgs } from 'node:util';
import { estClient, makeCsrs } from './est.mjs';
import { call, createTarget, machine, startServer } from './lib.mjs';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const N = Number(values.count);
const C = Number(values.concurrency);

const csrs = await makeCsrs(N, 0x020000100000);

const result = { bench: 'enroll', date: new Date().toISOString(), machine: machine(), count: N, concurrency: C, results: {} };
for (const dialect of values.dialects.split(',')) {
  const t = await createTarget(dialect);
  const s = await startServer(t);
  const key = JSON.parse((await call(s, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).body).keys[0].secret;
  const client = estClient(s, key, C);
  const { perSecond, codes, serverCpuPercent } = await client.run(csrs);
  result.results[dialect] = { perSecond, codes, serverCpuPercent };
  client.close();
  await s.stop();
  await t.drop();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
