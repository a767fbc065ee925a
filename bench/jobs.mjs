#!/usr/bin/env node
// npm run bench:jobs -- --devices 15000 [--dialect sqlite|postgres] [--max-threads 100] [--delay 0]
// A real server process and the agent's simulator (real mTLS WebSockets). The simulated devices
// are moved into one folder; a scheduled job "send message" on that folder is started with
// POST /jobs/{id}/run; the figure is run start → the run finished (every device's result
// recorded on the run), polled every 100 ms. Also checks that every device executed once
// (succeeded count = devices, simulator command count = devices). Last line: JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, createTarget, machine, startServer } from './lib.mjs';
import { simulator, until, untilConnected } from './sim.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '15000' },
    dialect: { type: 'string', default: 'sqlite' },
    'max-threads': { type: 'string', default: '100' },
    delay: { type: 'string', default: '0' },
    'local-addresses': { type: 'string', default: '127.0.0.2-127.0.0.60' },
    processes: { type: 'string' },
  },
});
const N = Number(values.devices);
const maxThreads = Number(values['max-threads']);
const log = (...a) => process.stderr.write(`[bench:jobs] ${a.join(' ')}\n`);
const json = async (server, method, path, body) => {
  const r = await call(server, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.body ? JSON.parse(r.body) : null;
};

const result = { bench: 'jobs', date: new Date().toISOString(), machine: machine(), dialect: values.dialect, devices: N, maxThreads };
const target = await createTarget(values.dialect);
const stateDir = mkdtempSync(join(tmpdir(), 'openums-sim-'));
let sim = null;
let server = null;
try {
  server = await startServer(target);
  const key = (await json(server, 'POST', '/api/v1/enrollment-keys', { type: 'mass' })).keys[0].secret;
  sim = simulator(server, key, stateDir, { count: N, localAddresses: values['local-addresses'], processes: values.processes });
  await until(() => sim.latest?.enrolled >= N, 30 * 60_000, 'enrollment');
  await untilConnected(server, N, 10 * 60_000, 'all online');
  log(`${N} devices online`);

  const folder = await json(server, 'POST', '/api/v1/device-folders', { name: 'bench-jobs' });
  const ids = [];
  for (let cursor = null; ;) {
    const page = await json(server, 'GET', `/api/v1/devices?limit=1000&sort=id${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...page.items.map((d) => d.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  for (let i = 0; i < ids.length; i += 1000) {
    await json(server, 'POST', '/api/v1/devices/move', { deviceIds: ids.slice(i, i + 1000), folderId: folder.id });
  }
  const job = await json(server, 'POST', '/api/v1/jobs', {
    name: 'bench send message',
    command: 'send-message',
    text: 'benchmark',
    targets: [{ type: 'folder', id: folder.id }],
    schedule: { startAt: new Date(Date.now() + 3_600_000).toISOString() },
    options: { maxThreads, delaySeconds: Number(values.delay), timeoutSeconds: 600, expiryMinutes: 60 },
  });
  const commandsBefore = sim.latest?.commands ?? 0;
  const t0 = performance.now();
  const { runId } = await json(server, 'POST', `/api/v1/jobs/${job.id}/run`);
  let run;
  for (;;) {
    run = await json(server, 'GET', `/api/v1/job-runs/${runId}`);
    if (run.state !== 'running') break;
    if (performance.now() - t0 > 30 * 60_000) throw new Error('run did not finish in 30 min');
    await new Promise((r) => setTimeout(r, 100));
  }
  result.runSeconds = Math.round((performance.now() - t0) / 100) / 10;
  result.devicesPerSecond = Math.round(N / (result.runSeconds || 0.1));
  result.runState = run.state;
  result.counts = Object.fromEntries(Object.entries(run.counts).filter(([, n]) => n > 0));
  // The simulator's stats line comes every second: wait for one after the run ended.
  await new Promise((r) => setTimeout(r, 2500));
  result.simulatorCommands = (sim.latest?.commands ?? 0) - commandsBefore;
  result.eachDeviceOnce = run.counts.succeeded === N && result.simulatorCommands === N;
  log(`run of ${N} devices, maxThreads ${maxThreads}: ${result.runSeconds}s, ${JSON.stringify(result.counts)}`);
} finally {
  await sim?.stop();
  await server?.stop();
  await target.drop();
  rmSync(stateDir, { recursive: true, force: true });
}
result.targets = { runSeconds: N >= 15000 && maxThreads === 100 ? '<= 30 (15,000 devices, max. threads 100)' : 'report' };
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
