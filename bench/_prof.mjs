import { createTarget, seed, startServer, loadWrk } from './lib.mjs';
const t = await createTarget('sqlite');
const s = await seed(t, { devices: 100000 });
process.env.OPENUMS_BENCH_NODE_ARGS = '--cpu-prof --cpu-prof-dir=/tmp/sprof';
const server = await startServer(t);

const paths = s.folderIds.slice(110).map((f) => `/api/v1/devices?limit=100&folderId=${f}`);
console.log(JSON.stringify(loadWrk(server, { clients: 32, seconds: 8, paths })));
await server.stop(); await t.drop();
