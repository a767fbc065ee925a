import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DeliveryStateRepository } from '../../src/modules/configuration-delivery/delivery-state.repository.js';
import { ProfilesRepository } from '../../src/modules/profiles/profiles.repository.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { sysinfo, TestDevice } from '../helpers/device.js';
import { hashOf } from '../helpers/live-server.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';
import { enrollDevices, runningWorkers, type HostedDevice } from '../helpers/workers.js';

const TIMEOUT = 'userinterface.screensaver.timeout';
const CATCH_UP_SECONDS = 2;

// `openums server --workers 2` on SQLite: the supervisor's IPC is the bus. A change committed by
// another process whose wake-up never arrived (here: written straight into the database file, no
// message at all) is found by the holding worker's periodic catch-up — a lost wake-up delays, it
// never loses. lost-wakeup-catch-up.test.ts shows the same on PostgreSQL's LISTEN/NOTIFY bus.
describe('lost wake-ups between workers (sqlite)', () => {
  let testDb: TestDb;
  let server: ServerProcess;
  let db: DatabaseHandle;
  let device: HostedDevice;
  let deviceId: number;

  beforeAll(async () => {
    testDb = await createTestDb('sqlite');
    server = new ServerProcess(testDb, await freePort());
    await server.start({ OPENUMS_CLUSTER_BEAT_SECONDS: '1', OPENUMS_CLUSTER_CATCH_UP_SECONDS: String(CATCH_UP_SECONDS) }, [
      '--workers',
      '2',
    ]);
    await until('two running workers', async () => {
      await server.relogin();
      return (await runningWorkers(server)).length === 2;
    });
    [device] = await enrollDevices(server, '02EC000000', 1);
    device!.dev = (await TestDevice.connect(server.t, device!.creds)) as TestDevice;
    // With a settings hash the device takes settings (the agent sends the hash of what it applied).
    device!.dev.send({ t: 'hello', v: 1, unitId: device!.unitId, system: sysinfo(), settingsHash: hashOf({}) });
    deviceId = (await device!.dev.next((m) => m.t === 'welcome')).deviceId;
    await until(
      'settings applied',
      async () => (await server.api('GET', `/api/v1/devices/${deviceId}/settings`)).body.configChanges === 'APPLIED',
    );
    db = testDb.open();
  }, 90_000);

  afterAll(async () => {
    device?.dev?.close();
    await db?.close();
    await server?.kill();
    await testDb?.drop();
  });

  it('delivers a configuration change whose wake-up was lost within a catch-up interval', async () => {
    const profile = (await server.api('POST', '/api/v1/profiles', { name: 'Lost wake-up', type: 'standard', settings: { [TIMEOUT]: 9 } }))
      .body.id;
    // What another process's assignment commits — and then no message on the bus.
    await db.db.transaction().execute(async (trx) => {
      await new ProfilesRepository(trx).insertAssignments(profile, [{ type: 'device', id: deviceId }], Date.now(), trx);
      const delivery = new DeliveryStateRepository(trx);
      expect(await delivery.markDevices(trx, [deviceId], 'now', Date.now())).toEqual([deviceId]);
      await delivery.bumpTreeGeneration(trx);
    });
    const started = Date.now();
    const msg = await device.dev.next((m) => m.t === 'settings', 10_000);
    expect(msg.settings).toEqual({ [TIMEOUT]: 9 });
    expect(Date.now() - started).toBeLessThan(CATCH_UP_SECONDS * 1000 + 3000);
  });

  it('delivers a command queued without a wake-up within a catch-up interval, once', async () => {
    const now = Date.now();
    const row = await db.db
      .insertInto('commands')
      .values({ device_id: deviceId, command: 'refresh-sysinfo', state: 'queued', created_at: now, expires_at: now + 600_000 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const started = Date.now();
    const cmd = await device.dev.next((m) => m.t === 'command', 10_000);
    expect(cmd).toMatchObject({ id: Number(row.id), command: 'refresh-sysinfo' });
    expect(Date.now() - started).toBeLessThan(CATCH_UP_SECONDS * 1000 + 3000);
    device.dev.send({ t: 'ack', id: cmd.id });
    device.dev.send({ t: 'result', id: cmd.id, ok: true });
    await until('command succeeded', async () => (await server.api('GET', `/api/v1/commands/${cmd.id}`)).body.state === 'succeeded');
    // Two more catch-ups: the finished command is not sent again.
    await new Promise((r) => setTimeout(r, CATCH_UP_SECONDS * 2000 + 500));
    await expect(device.dev.next((m) => m.t === 'command', 100)).rejects.toThrow(/timed out/);
  });
});
