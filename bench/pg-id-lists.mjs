#!/usr/bin/env node
// node bench/pg-id-lists.mjs [--rows 100000] [--ops 2000] [--rounds 3] [--max-list 200]
// What PostgreSQL spends on the batched statements of a reconnect storm with lists of ids as
// `in ($1, …, $n)` (one text per length: parsed and planned every time) against one array
// parameter (`= any($1)`, db/pg-id-lists.ts: one text, a named statement). Each operation is the
// shape of a presence batch: a transaction that locks the rows of 1…max-list random ids in id
// order and updates them. Both modes run in every round, in alternating order; per mode the median of the database
// backend's CPU (from /proc) and of the client's per operation. Needs the server built.
// Last line: JSON.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createTarget, machine, procStats } from './lib.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    ops: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    'max-list': { type: 'string', default: '200' },
  },
});
const ROWS = Number(values.rows);
const OPS = Number(values.ops);
const MAX = Number(values['max-list']);
const log = (...a) => process.stderr.write(`[bench:pg-id-lists] ${a.join(' ')}\n`);
const { openDatabase } = await import(join(import.meta.dirname, '../packages/server/dist/db/database.js'));

const cpuOf = (pid) => procStats(pid).cpuSeconds;
// The same pseudo-random lists for both modes (xorshift).
let seed = 12345;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const lists = Array.from({ length: OPS }, () => {
  const n = 1 + Math.floor(rand() * MAX);
  return [...new Set(Array.from({ length: n }, () => 1 + Math.floor(rand() * ROWS)))].sort((a, b) => a - b);
});

const target = await createTarget('postgres');
const result = {
  bench: 'pg-id-lists',
  date: new Date().toISOString(),
  machine: machine(),
  command: `node bench/pg-id-lists.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  rows: ROWS,
  ops: OPS,
  maxList: MAX,
  rounds: [],
};
try {
  const setup = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 1 });
  await sql`create table t (id bigint primary key, v integer not null default 0)`.execute(setup.db);
  await sql`insert into t (id) select generate_series(1, ${ROWS}::int)`.execute(setup.db);
  await sql`vacuum analyze t`.execute(setup.db);
  await setup.close();
  for (let r = 1; r <= Number(values.rounds); r++) {
    // Alternating which mode goes first: the first of a round also meets the rows the previous left.
    for (const arrays of r % 2 ? [false, true] : [true, false]) {
      const h = openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 1, idListsAsArrays: arrays });
      const db = h.db;
      const pid = (await sql`select pg_backend_pid() as pid`.execute(db)).rows[0].pid;
      const op = (ids) =>
        db.transaction().execute(async (trx) => {
          await trx.selectFrom('t').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
          await trx
            .updateTable('t')
            .set({ v: sql`v + 1` })
            .where('id', 'in', ids)
            .execute();
        });
      for (const ids of lists.slice(0, 50)) await op(ids); // warm: statements named, plans made
      const db0 = cpuOf(pid);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (const ids of lists) await op(ids);
      const seconds = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const row = {
        round: r,
        mode: arrays ? 'any-array' : 'in-list',
        seconds: Math.round(seconds * 100) / 100,
        databaseMsPerOp: Math.round(((cpuOf(pid) - db0) * 1e6) / OPS) / 1000,
        clientMsPerOp: Math.round((c.user + c.system) / OPS) / 1000,
      };
      result.rounds.push(row);
      log(JSON.stringify(row));
      await h.close();
    }
  }
} finally {
  await target.drop();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const mode of ['in-list', 'any-array']) {
  const rows = result.rounds.filter((x) => x.mode === mode);
  result[mode] = { databaseMsPerOp: median(rows.map((x) => x.databaseMsPerOp)), clientMsPerOp: median(rows.map((x) => x.clientMsPerOp)) };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
