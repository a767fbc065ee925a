import { describe, expect, it } from 'vitest';
import { CommandsRepository } from '../../src/modules/commands/commands.repository.js';
import { createTestDb, DIALECTS } from '../helpers/db.js';
import { setPresence } from '../helpers/presence.js';

describe.each(DIALECTS)('catch-up query for queued commands (%s)', (dialect) => {
  it("finds each of this server's online devices with a command queued since the time and unexpired, once, and nothing else", async () => {
    const testDb = await createTestDb(dialect);
    const handle = testDb.open();
    try {
      await handle.migrate();
      const db = handle.db;
      const now = 1_800_000_000_000;
      const device = async (n: number, online: number, server: string | null) => {
        const mac = `02AA000000${String(n).padStart(2, '0')}`;
        const row = await db
          .insertInto('devices')
          .values({ mac, unit_id: mac, name: mac, name_lc: mac.toLowerCase(), registered_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await setPresence(db, Number(row.id), { online, connected_server: server });
        return Number(row.id);
      };
      const command = (deviceId: number, state: string, expiresAt: number, createdAt = now) =>
        db
          .insertInto('commands')
          .values({ device_id: deviceId, command: 'reboot', state, created_at: createdAt, expires_at: expiresAt })
          .execute();
      const mine = await device(1, 1, 'me');
      const mineTwice = await device(2, 1, 'me');
      const mineExpired = await device(3, 1, 'me');
      const mineSent = await device(4, 1, 'me');
      await device(5, 1, 'me'); // online here, nothing queued
      const mineOld = await device(8, 1, 'me'); // queued before the window: its hello delivered it
      const other = await device(6, 1, 'other');
      const offline = await device(7, 0, null);
      await command(mine, 'queued', now + 60_000);
      await command(mineTwice, 'queued', now + 60_000);
      await command(mineTwice, 'queued', now + 120_000);
      await command(mineExpired, 'queued', now - 1);
      await command(mineSent, 'sent', now + 60_000);
      await command(other, 'queued', now + 60_000);
      await command(offline, 'queued', now + 60_000);
      await command(mineOld, 'queued', now + 60_000, now - 600_000);
      const since = now - 120_000;
      const repo = new CommandsRepository(db);
      expect((await repo.listDevicesWithQueuedCommands('me', now, since, 100)).sort((a, b) => a - b)).toEqual([mine, mineTwice]);
      expect(await repo.listDevicesWithQueuedCommands('other', now, since, 100)).toEqual([other]);
      expect(await repo.listDevicesWithQueuedCommands('nobody', now, since, 100)).toEqual([]);
      expect(await repo.listDevicesWithQueuedCommands('me', now, since, 1)).toHaveLength(1);
      expect((await repo.listDevicesWithQueuedCommands('me', now, now - 700_000, 100)).sort((a, b) => a - b)).toEqual([
        mine,
        mineTwice,
        mineOld,
      ]);
      expect(await repo.listDevicesWithQueuedCommands('me', now, now + 1, 100)).toEqual([]);
    } finally {
      await handle.close();
      await testDb.drop();
    }
  });
});
