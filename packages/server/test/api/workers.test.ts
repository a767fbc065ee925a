import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { enroll } from '../helpers/device.js';
import { freePort } from '../helpers/net.js';
import { holdsSocket, listeningInode } from '../helpers/sockets.js';
import { ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';
import { commandEachWithinASecond, connectDevice, enrollDevices, runningWorkers, type HostedDevice } from '../helpers/workers.js';

/**
 * `openums server --workers 2` on SQLite: one port, two processes, the supervisor's IPC as the bus,
 * the supervisor accepting and handing connections out (workers-accept.test.ts: the default).
 */
describe('workers on one host (sqlite)', () => {
  let db: TestDb;
  let server: ServerProcess;
  let devices: HostedDevice[] = [];
  const running = () => runningWorkers(server);
  const connect = (d: HostedDevice) => connectDevice(server, d);

  beforeAll(async () => {
    db = await createTestDb('sqlite');
    server = new ServerProcess(db, await freePort());
    // The supervisor's hand-off (cluster.accept = supervisor): it deals connections out in turn.
    await server.start(
      { OPENUMS_CLUSTER_ACCEPT: 'supervisor', OPENUMS_CLUSTER_BEAT_SECONDS: '1', OPENUMS_CLUSTER_LEASE_SECONDS: '4' },
      ['--workers', '2'],
      {
        captureLogs: 'info',
      },
    );
    // Worker 1 starts once worker 0 has migrated; until then some requests meet a starting worker.
    await until('two running workers', async () => {
      await server.relogin();
      return (await running()).length === 2;
    });
    devices = await enrollDevices(server, '02EE000000', 6);
    // Connected back to back: the supervisor hands connections to the workers in turn (an
    // enrollment request between two would take every other turn).
    for (const d of devices) await connect(d);
  }, 90_000);

  afterAll(async () => {
    for (const d of devices) d.dev?.close();
    await server?.kill();
    await db?.drop();
  });

  it('spreads devices over both workers and reaches every device from either', async () => {
    const workers = await until('devices on both workers', async () => {
      const r = await running();
      return (
        r.length === 2 &&
        r.every((s: any) => s.devicesConnected > 0) &&
        r.reduce((n: number, s: any) => n + s.devicesConnected, 0) === 6 &&
        r
      );
    });
    expect(new Set(workers.map((s: any) => s.worker))).toEqual(new Set([0, 1]));
    // The supervisor accepts and hands each connection over: no worker holds the port.
    const inode = listeningInode(server.port);
    expect(holdsSocket(server.child.pid!, inode)).toBe(true);
    for (const w of workers) expect(holdsSocket(w.pid, inode)).toBe(false);
    // Workers run with the larger young generation the supervisor gives them (supervisor.ts).
    for (const w of workers) expect(readFileSync(`/proc/${w.pid}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=64');
    // Each of the 2 workers paces its batched reads of connecting devices for the host (main.ts →
    // lib/lookup-pace.ts): 2 × 200 ms, where a single server waits 200 ms.
    // (Read by pattern: the last line of the captured output may still be arriving.)
    const paces = [...server.logs.matchAll(/"lookupPaceMs":(\d+)/g)].map((m) => Number(m[1]));
    expect(paces).toEqual([400, 400]);
    // Each request may land on either worker; every device gets its command within a second.
    await commandEachWithinASecond(server, devices);
  });

  it('enrolls many devices at once through both workers on one SQLite file (no SQLITE_BUSY)', async () => {
    const key = (await server.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const unitId = `02EF000000${String(i).padStart(2, '0')}`;
        return enroll(server.t, key, { unitId, mac: unitId });
      }),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
  });

  it('restarts a worker killed with SIGKILL; its devices come back through the port', async () => {
    const before = await running();
    const victim = before.find((s: any) => s.worker === 1);
    process.kill(victim.pid, 'SIGKILL');
    // The victim's devices see their channel close; the others' stay open (waited for together).
    const closed = await Promise.all(
      devices.map((d) =>
        d.dev.waitClosed(3000).then(
          () => true,
          () => false,
        ),
      ),
    );
    const lost = devices.filter((_, i) => closed[i]);
    expect(lost.length).toBe(victim.devicesConnected);
    for (const d of lost) await connect(d);
    const after = await until('worker 1 running again with a new pid', async () => {
      const r = await running();
      const w1 = r.find((s: any) => s.worker === 1);
      return r.length === 2 && w1 && w1.pid !== victim.pid && w1;
    });
    expect(after.id).toBe(victim.id);
    await until('all six devices connected', async () => (await running()).reduce((n: number, s: any) => n + s.devicesConnected, 0) === 6);
  });

  it('restarts every worker when all are killed at once; the supervisor stays and the devices come back', async () => {
    const before = await running();
    expect(before.length).toBe(2);
    for (const w of before) process.kill(w.pid, 'SIGKILL');
    for (const d of devices) await d.dev.waitClosed(5000);
    // The port closes with the last worker: only the restart timers keep the supervisor alive.
    // Each poll is bounded: a connection the supervisor hands to a worker in the instant it dies
    // (before Node's cluster module has noticed) is never answered (docs/cluster.md).
    const after = await until(
      'both workers running again with new pids',
      async () => {
        await server.relogin(3000).catch(() => undefined);
        const r = await runningWorkers(server, 3000);
        return r.length === 2 && r.every((s: any) => !before.some((b: any) => b.pid === s.pid)) && r;
      },
      // A busy machine: 15 s seen while a 100,000-device enrollment ran beside it (workers-accept).
      40_000,
      () => `(supervisor exit code ${server.child.exitCode}, signal ${server.child.signalCode})`,
    );
    expect(new Set(after.map((s: any) => s.worker))).toEqual(new Set([0, 1]));
    expect(server.child.exitCode).toBeNull();
    for (const d of devices) await connect(d);
    await until('all six devices connected', async () => (await running()).reduce((n: number, s: any) => n + s.devicesConnected, 0) === 6);
  }, 70_000);

  it('drains every worker on SIGTERM and exits cleanly', async () => {
    const exited = server.exited();
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const d of devices) await d.dev.waitClosed(5000);
  });
});
