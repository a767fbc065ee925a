import { createTarget, seed, startServer, call } from './lib.mjs';
const t = await createTarget('sqlite');
await seed(t, { devices: 5000 });
const s = await startServer(t);
for (const path of ['/api/v1/devices?limit=100&folderId=500', '/api/v1/devices?limit=100&q=dev-0012', '/api/v1/devices?limit=100&q=zzz']) {
  const r = await call(s, 'GET', path);
  const t0 = performance.now(); for (let i = 0; i < 200; i++) await call(s, 'GET', path);
  console.log(path, JSON.parse(r.body).items.length, ((performance.now() - t0) / 200).toFixed(2), 'ms');
}
await s.stop(); await t.drop();
