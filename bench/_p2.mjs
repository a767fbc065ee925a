import { createTarget, seed } from './lib.mjs';
const { openDatabase } = await import('../packages/server/dist/db/database.js');
const { buildApp } = await import('../packages/server/dist/app.js');
const { DEFAULTS } = await import('../packages/server/dist/config/schema.js');
const t = await createTarget('sqlite');
await seed(t, { devices: 5000 });
const database = openDatabase({ databaseUrl: null, dataDir: t.dataDir });
const built = await buildApp({ config: { ...DEFAULTS, dataDir: t.dataDir }, database, serverId: 'x', adminPassword: 'pw' });
await built.prepare();
const token = (await built.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'pw' } })).json().token;
const path = '/api/v1/devices?limit=100&q=dev-0012';
for (let k = 0; k < 3; k++) {
  const t0 = performance.now();
  for (let i = 0; i < 500; i++) await built.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
  console.log('inject ms', ((performance.now() - t0) / 500).toFixed(3));
}
const { DevicesRepository } = await import('../packages/server/dist/modules/devices/devices.repository.js');
const repo = new DevicesRepository(database.db);
let t0 = performance.now();
for (let i = 0; i < 500; i++) await repo.listDevices({ folderId: undefined, recursive: false, prefix: { text: 'dev-0012', mac: null }, sort: 'name_lc', descending: false, after: null, limit: 101 });
console.log('repo ms', ((performance.now() - t0) / 500).toFixed(3));
await built.app.close(); await database.close(); await t.drop();
