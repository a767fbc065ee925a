import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DevicesRepository, newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { CommandsRepository } from '../../src/modules/commands/commands.repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

// The reads a reconnecting device costs, asked for many devices at once (lib/batch-loader.ts):
// they must answer exactly what the one-device reads answer.
describe.each(DIALECTS)('batched per-connection lookups (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let ids: number[];
  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open();
    await db.migrate();
    const rows = Array.from({ length: 6 }, (_, i) => ({
      ...newDeviceRow({ mac: `02DD${String(i).padStart(8, '0')}`, name: `l-${i}`, folderId: null, now: 1 }),
      cert_serial: i === 1 ? null : `SERIAL${i}`,
    }));
    ids = (await db.db.insertInto('devices').values(rows).returning('id').execute()).map((r) => Number(r.id));
    const command = (deviceId: number, state: string, expiresAt: number) => ({
      device_id: deviceId,
      command: 'reboot',
      text: null,
      state,
      message: null,
      created_at: 1,
      sent_at: null,
      acknowledged_at: null,
      finished_at: null,
      expires_at: expiresAt,
      created_by: null,
    });
    await db.db
      .insertInto('commands')
      .values([
        command(ids[0]!, 'queued', 2000),
        command(ids[0]!, 'sent', 2000),
        command(ids[1]!, 'queued', 900), // expired at now = 1000
        command(ids[2]!, 'succeeded', 2000),
        command(ids[2]!, 'failed', 2000),
        command(ids[3]!, 'acknowledged', 2000),
        command(ids[4]!, 'sent', 2000),
      ])
      .execute();
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('reads the current certificate serial of many devices; a deleted one is absent', async () => {
    const repo = new DevicesRepository(db.db);
    const gone = 999_999;
    const found = await repo.findCertSerials([...ids, gone]);
    expect(found.size).toBe(6);
    for (const id of [...ids, gone]) expect(found.get(id)).toBe(await repo.findCertSerial(id));
    expect(found.get(ids[1]!)).toBeNull();
    expect(found.get(ids[5]!)).toBe('SERIAL5');
    expect(await repo.findCertSerials([])).toEqual(new Map());
  });

  it('names the devices with an open, unexpired command, as the one-device read does', async () => {
    const repo = new CommandsRepository(db.db);
    const open = await repo.devicesWithOpenCommands(ids, 1000);
    expect([...open].sort((a, b) => a - b)).toEqual([ids[0], ids[3], ids[4]]);
    for (const id of ids) expect(open.has(id)).toBe((await repo.listOpenCommandsForDevice(id, 1000)).length > 0);
    // Later, everything open has expired.
    expect((await repo.devicesWithOpenCommands(ids, 5000)).size).toBe(0);
    expect((await repo.devicesWithOpenCommands([], 1000)).size).toBe(0);
  });
});
