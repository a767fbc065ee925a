import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SettingsRepository } from '../../src/db/settings.repository.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { SharedTicketKeys } from '../../src/tls/shared-ticket-keys.js';
import { TestClock } from '../helpers/app.js';
import { createTestDb, DIALECTS } from '../helpers/db.js';

describe.each(DIALECTS)('TLS session-ticket keys shared by the cluster (%s)', (dialect) => {
  it('gives every server the installation keys and carries a rotation to all of them', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate();
      const settings = new SettingsRepository(db.db);
      const box = new SecretBox(randomBytes(32));
      const clock = new TestClock();
      const applied = { a: [] as Buffer[], b: [] as Buffer[] };
      const a = new SharedTicketKeys(settings, box, clock, (k) => applied.a.push(k), null);
      const b = new SharedTicketKeys(settings, box, clock, (k) => applied.b.push(k), null);
      const seedA = randomBytes(48);
      await a.load(seedA);
      // A second host starts with other keys in its data directory: it adopts the installation's.
      await b.load(randomBytes(48));
      expect(applied.a).toEqual([seedA]);
      expect(applied.b).toEqual([seedA]);
      // Stored sealed, never in the clear.
      expect(await settings.findSetting('tls_ticket_keys')).not.toContain(seedA.toString('base64'));

      expect(await a.rotateIfOld()).toBe(false); // not a week old yet
      clock.advance(8 * 24 * 3600_000);
      expect(await a.rotateIfOld()).toBe(true);
      const rotated = applied.a[1]!;
      expect(rotated).toHaveLength(48);
      expect(rotated.equals(seedA)).toBe(false);
      expect(await b.reload()).toBe(true); // on the bus message (or the catch-up)
      expect(applied.b[1]!.equals(rotated)).toBe(true);
      expect(await b.reload()).toBe(false);
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
