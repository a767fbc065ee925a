import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJoinToken, createJoinToken } from '../../src/cluster/join.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { enroll, TestDevice } from '../helpers/device.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';

/**
 * The communication log switch across two server processes on one PostgreSQL: switched on A, the
 * process holding the device (B) records at once — woken through the cluster bus, well before
 * its 30 s catch-up — and switched off on A, B stops.
 */
describe('device communication log across two server processes on one PostgreSQL', () => {
  let db: TestDb;
  let dir = '';
  const servers: ServerProcess[] = [];
  let dev: TestDevice;
  let deviceId = 0;

  beforeAll(async () => {
    db = await createTestDb('postgres');
    const a = new ServerProcess(db, await freePort());
    await a.start();
    servers.push(a);
    dir = mkdtempSync(join(tmpdir(), 'openums-test-join-'));
    applyJoinToken(dir, createJoinToken(db.dataDir));
    const b = new ServerProcess({ dataDir: dir, databaseUrl: db.databaseUrl }, await freePort());
    await b.start();
    servers.push(b);
    const key = (await a.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret;
    const unitId = '02EE00000C01';
    const creds = await enroll(b.t, key, { unitId, mac: unitId });
    expect(creds.status).toBe(200);
    dev = (await TestDevice.connect(b.t, creds)) as TestDevice;
    dev.hello(unitId);
    deviceId = (await dev.next((m) => m.t === 'welcome')).deviceId;
  }, 120_000);

  afterAll(async () => {
    dev?.close();
    for (const s of servers) await s.kill().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  const entries = async () =>
    (await servers[0]!.api('GET', `/api/v1/devices/${deviceId}/comm-log?limit=1000`)).body.items as Array<{
      type: string;
      payload?: string;
    }>;
  const until = async (what: string, fn: () => Promise<boolean>, ms = 10_000) => {
    for (const end = Date.now() + ms; !(await fn()); await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    }
  };

  it('follows a switch changed on another process within seconds', async () => {
    const [a] = servers;
    expect((await a!.api('PUT', `/api/v1/devices/${deviceId}/comm-log`, { enabled: true, payload: true })).status).toBe(200);
    // B learns of it through the bus: a heartbeat sent a moment later is recorded (B writes, A reads).
    await until('heartbeat recorded', async () => {
      dev.send({ t: 'heartbeat', uptime: 1 });
      return (await entries()).some((e) => e.type === 'heartbeat');
    });
    expect((await a!.api('PUT', `/api/v1/devices/${deviceId}/comm-log`, { enabled: false, payload: false })).status).toBe(200);
    // Once B has heard "off", what the device sends is no longer recorded: wait for B to stop, then check it stays stopped.
    const marker = async (uptime: number) => {
      dev.send({ t: 'heartbeat', uptime });
      await new Promise((r) => setTimeout(r, 1500));
      return (await entries()).some((e) => e.payload?.includes(`"uptime":${uptime}`));
    };
    let n = 100;
    await until('recording stopped', async () => !(await marker(++n)), 15_000);
    expect(await marker(999)).toBe(false);
  }, 60_000);
});
