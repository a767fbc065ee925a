import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SettingsRepository } from '../../src/db/settings.repository.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { createCa, issueServerCert, summarize, type KeyAndCert } from '../../src/tls/pki.js';
import { SharedWebCert } from '../../src/tls/shared-web-cert.js';
import type { CertNames } from '../../src/tls/web-cert-names.js';
import { TestClock } from '../helpers/app.js';
import { createTestDb, DIALECTS } from '../helpers/db.js';

describe.each(DIALECTS)('the web certificate shared by the cluster (%s)', (dialect) => {
  it('is issued only when a name is missing, once for concurrent callers, and reaches every process', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate();
      const settings = new SettingsRepository(db.db);
      const box = new SecretBox(randomBytes(32));
      const clock = new TestClock();
      const ca = await createCa('test web CA');
      const local = await issueServerCert({ ca, commonName: 'a', dnsNames: ['localhost', 'a.test'], ipAddresses: [], days: 397 });
      // What the registry and the cluster address ask for (the union itself is unit-tested).
      let wanted: CertNames = { dnsNames: ['a.test'], ipAddresses: [] };
      const applied = new Map<string, KeyAndCert[]>();
      const proc = (name: string) => {
        applied.set(name, []);
        return new SharedWebCert(
          settings,
          box,
          clock,
          ca,
          async () => wanted,
          (web) => applied.get(name)!.push(web),
          null,
        );
      };
      const a = proc('a');
      // First start: this host's certificate covers its names, so it becomes generation 1 as it is.
      expect(await a.start(local)).toBe(false);
      expect(a.generation).toBe(1);
      expect(applied.get('a')).toEqual([local]);
      expect(await settings.findSetting('tls_web_cert')).not.toContain('PRIVATE KEY');
      expect(await a.ensureCovers()).toBe(false);

      // A second host whose names are not covered yet: one issue, with every name.
      wanted = { dnsNames: ['a.test', 'b.test'], ipAddresses: ['10.1.2.3'] };
      const b = proc('b');
      expect(await b.start(local)).toBe(true);
      expect(b.generation).toBe(2);
      const gen2 = applied.get('b')!.at(-1)!;
      expect(summarize(gen2.certPem)).toMatchObject({ dnsNames: ['a.test', 'b.test'], ipAddresses: ['10.1.2.3'] });
      // The first process adopts it on the bus message (or its catch-up), once.
      expect(await a.reload()).toBe(true);
      expect(applied.get('a')!.at(-1)).toEqual(gen2);
      expect(await a.reload()).toBe(false);

      // A restart with names already covered issues nothing.
      const b2 = proc('b2');
      expect(await b2.start(local)).toBe(false);
      expect(b2.generation).toBe(2);

      // A new cluster address seen by four processes at once: one new generation, not four.
      wanted = { ...wanted, dnsNames: [...wanted.dnsNames, 'ums.example.com'] };
      const results = await Promise.all([a, b, b2, proc('c')].map((p) => p.ensureCovers()));
      expect(results.filter(Boolean)).toHaveLength(1);
      for (const p of [a, b, b2]) {
        await p.reload();
        expect(p.generation).toBe(3);
      }
      expect(summarize(applied.get('a')!.at(-1)!.certPem).dnsNames).toContain('ums.example.com');

      // Near expiry: renewed (same names) by the periodic check.
      clock.advance(380 * 24 * 3600_000);
      expect(await a.ensureCovers()).toBe(true);
      expect(a.generation).toBe(4);
    } finally {
      await db.close();
      await testDb.drop();
    }
  });

  it('is not adopted when another web CA issued it', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate();
      const settings = new SettingsRepository(db.db);
      const box = new SecretBox(randomBytes(32));
      const clock = new TestClock();
      const wanted = async () => ({ dnsNames: ['a.test'], ipAddresses: [] });
      const [caA, caB] = await Promise.all([createCa('A'), createCa('B')]);
      const certA = await issueServerCert({ ca: caA, commonName: 'a', dnsNames: ['a.test'], ipAddresses: [], days: 397 });
      await new SharedWebCert(settings, box, clock, caA, wanted, () => undefined, null).start(certA);
      const appliedB: KeyAndCert[] = [];
      const b = new SharedWebCert(settings, box, clock, caB, wanted, (w) => appliedB.push(w), null);
      expect(await b.start(certA)).toBe(false);
      expect(appliedB).toEqual([]);
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
