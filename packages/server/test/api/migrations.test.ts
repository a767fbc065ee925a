import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { AuthRepository } from '../../src/modules/auth/auth.repository.js';
import { AuthService } from '../../src/modules/auth/auth.service.js';
import { DEFAULT_LIMITS, LoginLimiter } from '../../src/modules/auth/login-limiter.js';
import { TestClock } from '../helpers/app.js';
import { DIALECTS, createTestDb } from '../helpers/db.js';
import { migrations } from '../../src/db/migrations/index.js';

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  it('apply every migration once, in order, and are a no-op the second time', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      expect(await db.migrate()).toEqual(Object.keys(migrations).sort());
      expect(await db.migrate()).toEqual([]);
      // The schema the repositories rely on exists, including the list indexes.
      await sql`select id, mac, name_lc, folder_id from devices`.execute(db.db);
      await sql`select device_id, online, connected_server, last_contact, sysinfo, sysinfo_at from device_presence`.execute(db.db);
      const indexQuery =
        dialect === 'postgres'
          ? sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'devices'`
          : sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'devices'`;
      const names = (await indexQuery.execute(db.db)).rows.map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['devices_name', 'devices_folder_name']));
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});

describe.each(DIALECTS)('migration 20261202T1000-session-csrf-hash (%s)', (dialect) => {
  it('hashes the CSRF tokens of open sessions, which keep working after the upgrade', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate('20261127T1500-settings-delivery');
      const raw = db.db as unknown as Kysely<any>;
      const user = await raw
        .insertInto('users')
        .values({ username: 'admin', password_hash: 'x', role: 'superuser', created_at: 1, updated_at: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await raw
        .insertInto('sessions')
        .values({ token_hash: 'a'.repeat(64), csrf_token: 'plain-csrf-token', user_id: user.id, created_at: 1, expires_at: 2 })
        .execute();
      await db.migrate();
      const row = await db.db.selectFrom('sessions').selectAll().executeTakeFirstOrThrow();
      expect(row.csrf_token_hash).toBe(createHash('sha256').update('plain-csrf-token').digest('hex'));
      expect(row).not.toHaveProperty('csrf_token');
      const auth = new AuthService(
        new AuthRepository(db.db),
        new LoginLimiter(db.db, dialect, 'login', new TestClock(), DEFAULT_LIMITS),
        new TestClock(),
        60_000,
        { record: async () => undefined },
      );
      const session = (await new AuthRepository(db.db).findSessionByTokenHash('a'.repeat(64)))!;
      expect(auth.csrfMatches(session, 'plain-csrf-token')).toBe(true);
      expect(auth.csrfMatches(session, row.csrf_token_hash)).toBe(false);
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});

// Only PostgreSQL is shared by several servers; a SQLite file belongs to one server (data-dir lock).
describe('migrations (postgres, cluster start)', () => {
  it('run concurrently from two servers without applying anything twice', async () => {
    const testDb = await createTestDb('postgres');
    const a = testDb.open();
    const b = testDb.open();
    try {
      const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
      expect([...ra, ...rb].sort()).toEqual(Object.keys(migrations).sort());
    } finally {
      await a.close();
      await b.close();
      await testDb.drop();
    }
  });
});

describe.each(DIALECTS)('migration 20261204T0900-server-tls-names (%s)', (dialect) => {
  it('gives registered servers an empty list of certificate names', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate('20261203T1000-rate-limits');
      const raw = db.db as unknown as Kysely<any>;
      await raw
        .insertInto('servers')
        .values({
          id: 'h.0',
          host: 'h',
          pid: 1,
          worker: 0,
          version: 'v',
          database: 'd',
          addresses: '["10.0.0.1"]',
          port: 8443,
          started_at: 1,
          last_beat: 1,
          status: 'running',
          devices_connected: 0,
          clock_offset_ms: 0,
        })
        .execute();
      await db.migrate();
      const row = await db.db.selectFrom('servers').select(['id', 'addresses', 'tls_names']).executeTakeFirstOrThrow();
      expect(row).toEqual({ id: 'h.0', addresses: '["10.0.0.1"]', tls_names: '[]' });
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});

describe.each(DIALECTS)('migration 20261215T0900-device-presence (%s)', (dialect) => {
  it('moves online state, holder, last contact and report time of every device into device_presence', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate('20261214T0900-device-cert-key');
      const raw = db.db as unknown as Kysely<any>;
      const device = (n: number, presence: object) => ({
        mac: `02EE0000000${n}`,
        name: `m-${n}`,
        name_lc: `m-${n}`,
        registered_at: 1,
        ...presence,
      });
      await raw
        .insertInto('devices')
        .values([
          device(1, { online: 1, connected_server: 'h.0', last_contact: 1234, sysinfo: '{"uptime":5}', sysinfo_at: 1200 }),
          device(2, { online: 0, connected_server: null, last_contact: 0, sysinfo: null, sysinfo_at: null }),
        ])
        .execute();
      await db.migrate();
      const rows = await db.db
        .selectFrom('devices')
        .innerJoin('device_presence', 'device_presence.device_id', 'devices.id')
        .select(['name', 'online', 'connected_server', 'last_contact', 'sysinfo', 'sysinfo_at'])
        .orderBy('name')
        .execute();
      expect(
        rows.map((r) => [
          r.name,
          Number(r.online),
          r.connected_server,
          Number(r.last_contact),
          r.sysinfo,
          r.sysinfo_at && Number(r.sysinfo_at),
        ]),
      ).toEqual([
        ['m-1', 1, 'h.0', 1234, '{"uptime":5}', 1200],
        ['m-2', 0, null, 0, null, null],
      ]);
      // The columns left the device row.
      await expect(sql`select last_contact from devices`.execute(db.db)).rejects.toThrow();
      await expect(sql`select online from devices`.execute(db.db)).rejects.toThrow();
      await expect(sql`select sysinfo from devices`.execute(db.db)).rejects.toThrow();
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
