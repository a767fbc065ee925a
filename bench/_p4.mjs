import { createTarget, seed } from './lib.mjs';
import Database from 'better-sqlite3';
const t = await createTarget('sqlite');
const s = await seed(t, { devices: 100000 });
const N = 2000;
const fids = s.folderIds.slice(110);
const time = (label, fn) => { for (let i = 0; i < 200; i++) fn(fids[i % fids.length]); const t0 = performance.now(); for (let i = 0; i < N; i++) fn(fids[i % fids.length]); console.log(label, ((performance.now() - t0) / N).toFixed(3), 'ms'); };
for (const [label, pragmas] of []) {
  const db = new Database(t.dataDir + '/openums.sqlite');
  for (const p of pragmas) db.pragma(p);
  const st = db.prepare('select * from devices where folder_id = ? order by name_lc, id limit 101');
  time(label + ' select *', (f) => st.all(f));
  const st2 = db.prepare('select id from devices where folder_id = ? order by name_lc, id limit 101');
  time(label + ' select id', (f) => st2.all(f));
  const st3 = db.prepare('select * from devices where folder_id = ? order by name_lc, id limit 101').raw();
  time(label + ' raw', (f) => st3.all(f));
  db.close();
}
await t.drop();
{
  const t2 = await createTarget('sqlite');
  const s2 = await seed(t2, { devices: 100000 });
  const db = new Database(t2.dataDir + '/openums.sqlite');
  const st = db.prepare('select * from devices where folder_id = ? order by name_lc, id limit 101').raw(true);
  const cols = st.columns().map((c) => c.name);
  const make = new Function('r', `return {${cols.map((c, i) => `${JSON.stringify(c)}: r[${i}]`).join(', ')}}`);
  const f2 = s2.folderIds.slice(110);
  let t0 = performance.now();
  for (let i = 0; i < 2000; i++) st.all(f2[i % f2.length]).map(make);
  console.log('raw+factory', ((performance.now() - t0) / 2000).toFixed(3));
  const st2 = db.prepare('select * from devices where folder_id = ? order by name_lc, id limit 101');
  t0 = performance.now();
  for (let i = 0; i < 2000; i++) st2.all(f2[i % f2.length]);
  console.log('objects', ((performance.now() - t0) / 2000).toFixed(3));
  db.close(); await t2.drop();
}
