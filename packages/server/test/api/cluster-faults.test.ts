import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/schema.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDb, DIALECTS, PG_ADMIN_URL } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';

const BIN = new URL('../../bin/openums.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cluster = { ...DEFAULTS.cluster, beatSeconds: 1, leaseSeconds: 4 };

describe.each(DIALECTS)('cluster faults (%s)', (dialect) => {
  it('says warn, naming the reason, when this server clock is 5 minutes off', async () => {
    const t = await buildTestApp(dialect, { wallClock: { now: () => Date.now() + 5 * 60_000 } });
    try {
      const r = (await t.app.inject({ method: 'GET', url: '/ums/check-status' })).json();
      expect(r.status).toBe('warn');
      expect(r.reasons.join(' ')).toMatch(/clocks differ by up to 300 s.*NTP/);
      const self = (await t.api('GET', '/api/v1/servers')).body.items.find((s: any) => s.self);
      expect(Math.abs(self.clockOffsetMs - 300_000)).toBeLessThan(2000);
    } finally {
      await t.close();
    }
  });

  it('says warn while another server runs another version, and declares it dead once it stops beating', async () => {
    const t = await buildTestApp(dialect, { config: { cluster } });
    try {
      const now = Date.now();
      await t.database.db
        .insertInto('servers')
        .values({
          id: 'old-host.0',
          host: 'old-host',
          pid: 4242,
          worker: 0,
          version: '0.0.9',
          database: 'x',
          addresses: '[]',
          port: 8443,
          started_at: now,
          last_beat: now,
          status: 'running',
          devices_connected: 0,
          clock_offset_ms: 0,
        })
        .execute();
      const r = (await t.app.inject({ method: 'GET', url: '/ums/check-status' })).json();
      expect(r).toEqual({ status: 'warn', reasons: [expect.stringMatching(/different versions \(0\.0\.9, \d+\.\d+\.\d+\)/)] });
      // No beat from it: dead after three beats (3 s here) on the next round of the singleton task.
      for (let i = 0; i < 100; i++) {
        const old = (await t.api('GET', '/api/v1/servers')).body.items.find((s: any) => s.id === 'old-host.0');
        if (old.status === 'dead') break;
        await sleep(100);
        // The task is due by the app's (test) clock; the silence is measured by the database's.
        t.clock.advance(1000);
        await t.singletons.tick();
      }
      expect((await t.api('GET', '/api/v1/servers')).body.items.find((s: any) => s.id === 'old-host.0').status).toBe('dead');
      t.clock.advance(5000);
      expect((await t.app.inject({ method: 'GET', url: '/ums/check-status' })).json()).toEqual({ status: 'ok' });
    } finally {
      await t.close();
    }
  });
});

describe('a second host on PostgreSQL', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses to start with a secret key other than the installation', async () => {
    const db = await createTestDb('postgres');
    const first = new ServerProcess(db, await freePort());
    await first.start();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'openums-test-foreign-'));
      dirs.push(dir);
      const child = spawn(
        process.execPath,
        [BIN, 'server', '--data-dir', dir, '--port', String(await freePort()), '--host', '127.0.0.1', '--database-url', db.databaseUrl!],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code).toBe(1);
      expect(stderr).toMatch(/secret key .* is not the one this database was set up with.*join-token/s);
      // Nothing of the installation changed: the first server still works.
      expect((await first.api('GET', '/ums/check-status')).body.status).toBe('ok');
    } finally {
      await first.kill();
      await db.drop();
    }
  }, 60_000);

  it('re-listens after its PostgreSQL connections are cut, and wakes the other server again', async () => {
    const db = await createTestDb('postgres');
    const env = { OPENUMS_CLUSTER_BEAT_SECONDS: '1', OPENUMS_CLUSTER_CATCH_UP_SECONDS: '30' };
    const a = new ServerProcess(db, await freePort());
    await a.start(env);
    const dir = mkdtempSync(join(tmpdir(), 'openums-test-join-'));
    dirs.push(dir);
    const { createJoinToken, applyJoinToken } = await import('../../src/cluster/join.js');
    applyJoinToken(dir, createJoinToken(db.dataDir));
    const b = new ServerProcess({ dataDir: dir, databaseUrl: db.databaseUrl }, await freePort());
    await b.start(env);
    const { enroll, sysinfo, TestDevice } = await import('../helpers/device.js');
    try {
      const key = (await a.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret;
      const creds = await enroll(b.t, key, { unitId: '02FF00000001', mac: '02FF00000001' });
      const dev = (await TestDevice.connect(b.t, creds)) as InstanceType<typeof TestDevice>;
      dev.hello('02FF00000001', sysinfo());
      const { deviceId } = await dev.next((m) => m.t === 'welcome');
      // Every connection to the database is cut, as by a PostgreSQL restart.
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      const dbName = new URL(db.databaseUrl!).pathname.slice(1);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
      await admin.end();
      await sleep(1500); // both re-listen after 0.5 s
      // Catch-up runs only every 30 s here: a delivery within seconds proves the bus listens again.
      let sent: any = null;
      for (let i = 0; i < 50 && !sent; i++) {
        await sleep(200);
        const r = await a.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [deviceId] }).catch(() => null);
        if (r?.status === 201) sent = r.body.commands[0];
      }
      expect(sent).not.toBeNull();
      const cmd = await dev.next((m) => m.t === 'command' && m.id === sent.id, 8000);
      expect(cmd.command).toBe('refresh-sysinfo');
      dev.close();
    } finally {
      await a.kill();
      await b.kill();
      await db.drop();
    }
  }, 90_000);
});
