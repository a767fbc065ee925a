import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DeliveryStateRepository } from '../../src/modules/configuration-delivery/delivery-state.repository.js';
import { ProfilesRepository } from '../../src/modules/profiles/profiles.repository.js';
import { hashOf, LiveServer } from '../helpers/live-server.js';

const TIMEOUT = 'userinterface.screensaver.timeout';

// A configuration change made by another server process whose wake-up never arrived (its
// notification lost): the periodic catch-up finds the recent marking and delivers it. Only a
// process on a cluster bus runs the catch-up; one server on SQLite has no other process to miss,
// so this runs on PostgreSQL, whose LISTEN/NOTIFY bus every process uses (SQLite's cluster, the
// workers of one host on the supervisor's IPC: lost-wakeup-workers.test.ts).
describe('a lost configuration wake-up (postgres)', () => {
  let s: LiveServer;
  let db: DatabaseHandle;

  beforeAll(async () => {
    s = await LiveServer.start('postgres');
    db = s.testDb.open();
  });
  afterAll(async () => {
    await db?.close();
    await s?.close();
  });

  it('is repaired by the catch-up: the device gets the settings within a catch-up interval', async () => {
    const d = await s.enrollDevice();
    const { ws, id } = await s.connect(d, { settingsHash: hashOf({}) });
    await s.waitFor(async () => (await s.api('GET', `/api/v1/devices/${id}/settings`)).body.configChanges === 'APPLIED');
    const profile = (await s.api('POST', '/api/v1/profiles', { name: 'Lost wake-up', type: 'standard', settings: { [TIMEOUT]: 7 } })).body
      .id;
    // What another process's assignment writes — and then no notification.
    await db.db.transaction().execute(async (trx) => {
      await new ProfilesRepository(trx).insertAssignments(profile, [{ type: 'device', id }], Date.now(), trx);
      const delivery = new DeliveryStateRepository(trx);
      expect(await delivery.markDevices(trx, [id], 'now', Date.now())).toEqual([id]);
      await delivery.bumpTreeGeneration(trx);
    });
    const started = Date.now();
    const msg = await ws.next((m) => m.t === 'settings', 12_000);
    expect(msg.settings).toEqual({ [TIMEOUT]: 7 });
    // Within one catch-up interval (5 s) and the pass that computes it.
    expect(Date.now() - started).toBeLessThan(8_000);
    ws.close();
  });
});
