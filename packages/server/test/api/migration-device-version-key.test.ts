import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { viewIpKey, viewVersionKey } from '@openums/protocol';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { createTestDb, DIALECTS } from '../helpers/db.js';

describe.each(DIALECTS)('migration 20261210T1000-device-version-key (%s)', (dialect) => {
  it('gives existing and new devices the version and IPv4 keys of the protocol', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate('20261206T1200-audit-log');
      // Rows as the schema of that time knew them: columns added by later migrations left out.
      const asOfThen = <T extends Record<string, unknown>>(row: T) => {
        const { structure_tag: _later, ...then } = row;
        return then;
      };
      const before = asOfThen(
        newDeviceRow({ mac: '02AB00000001', name: 'old', folderId: null, now: 1, version: '11.10.100', last_ip: '10.1.2.3' }),
      );
      await db.db.insertInto('devices').values(before).execute();
      await db.migrate('20261210T1000-device-version-key');
      const after = asOfThen(
        newDeviceRow({ mac: '02AB00000002', name: 'new', folderId: null, now: 1, version: 'V12.03', last_ip: 'fe80::1' }),
      );
      await db.db.insertInto('devices').values(after).execute();
      await db.db.updateTable('devices').set({ version: '11.9.0' }).where('name', '=', 'old').execute();
      // PostgreSQL stores the keys; SQLite computes them with the functions registered per connection.
      const keys =
        dialect === 'postgres'
          ? sql<{
              name: string;
              v: string | null;
              ip: string | null;
            }>`select name, version_key as v, ip_key as ip from devices order by name`
          : sql<{
              name: string;
              v: string | null;
              ip: string | null;
            }>`select name, openums_version_key(version) as v, openums_ip_key(last_ip) as ip from devices order by name`;
      expect((await keys.execute(db.db)).rows).toEqual([
        { name: 'new', v: viewVersionKey('V12.03'), ip: null },
        { name: 'old', v: viewVersionKey('11.9.0'), ip: viewIpKey('10.1.2.3') },
      ]);
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
