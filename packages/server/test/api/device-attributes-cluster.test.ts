import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@openums/protocol';
import { applyJoinToken, createJoinToken } from '../../src/cluster/join.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { enroll, sysinfo, TestDevice } from '../helpers/device.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';

describe('device attributes across two server processes on one PostgreSQL', () => {
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
    const def = await a.api('POST', '/api/v1/device-attributes', { identifier: 'location', name: 'Location', type: 'string' });
    expect(def.status, JSON.stringify(def.body)).toBe(201);
    // The device is held by B; the administrator works on A.
    const key = (await a.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret;
    const unitId = '02EE00000001';
    const creds = await enroll(b.t, key, { unitId, mac: unitId });
    expect(creds.status).toBe(200);
    dev = (await TestDevice.connect(b.t, creds)) as TestDevice;
    dev.send({ t: 'hello', v: PROTOCOL_VERSION, unitId, system: sysinfo(), capabilities: ['attributes'] });
    deviceId = (await dev.next((m) => m.t === 'welcome')).deviceId;
    expect((await dev.next((m) => m.t === 'attributes')).definitions).toHaveLength(1);
  }, 120_000);

  afterAll(async () => {
    dev?.close();
    for (const s of servers) await s.kill().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('values and definitions changed on one process reach a device held by the other at once', async () => {
    const [a] = servers;
    const put = await a!.api('PUT', `/api/v1/devices/${deviceId}/attributes`, { values: { location: 'Augsburg' } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await dev.next((m) => m.t === 'attributes', 5_000)).values).toEqual({ location: 'Augsburg' });

    const def = await a!.api('POST', '/api/v1/device-attributes', { identifier: 'floor', name: 'Floor', type: 'number', overwrite: 'all' });
    expect(def.status).toBe(201);
    const pushed = await dev.next((m) => m.t === 'attributes', 5_000);
    expect(pushed.definitions.map((d: { identifier: string }) => d.identifier)).toEqual(['floor', 'location']);
    expect(pushed.values).toEqual({ location: 'Augsburg' });

    // A value the device reports through B is read on A.
    dev.send({ t: 'attributes-report', values: { floor: '3' } });
    const end = Date.now() + 10_000;
    for (;;) {
      const items = (await a!.api('GET', `/api/v1/devices/${deviceId}/attributes`)).body.items as Array<{
        identifier: string;
        value: string;
      }>;
      if (items.find((i) => i.identifier === 'floor')?.value === '3') break;
      if (Date.now() > end) throw new Error('the reported value did not reach the database');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);
});
