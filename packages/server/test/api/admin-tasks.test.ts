import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTasksRepository } from '../../src/modules/admin-tasks/admin-tasks.repository.js';
import { AdminTasksService } from '../../src/modules/admin-tasks/admin-tasks.service.js';
import { NotificationsRepository } from '../../src/modules/notifications/notifications.repository.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { AuditLog } from '../../src/modules/audit/audit-log.js';
import { AuditRepository } from '../../src/modules/audit/audit.repository.js';
import { SettingsRepository } from '../../src/db/settings.repository.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { setPresence } from '../helpers/presence.js';

const DAY = 86_400_000;

/**
 * Administrative tasks on both databases: a real online backup (SQLite VACUUM INTO, PostgreSQL
 * pg_dump) with retention, deleting stale devices, purges; schedules claimed once per cluster;
 * the reminder for a missing backup task; bad input refused naming the field, nothing saved.
 */
describe.each(DIALECTS)('administrative tasks (%s)', (dialect) => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    dir = mkdtempSync(join(t.testDb.dataDir, 'backups-'));
  });
  afterAll(() => t?.close());

  const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
  const lastRun = async (id: number) => {
    for (let i = 0; i < 200; i++) {
      const res = await t.api('GET', `/api/v1/admin-tasks/${id}/runs`);
      if (!res.body.items) throw new Error(JSON.stringify(res.body));
      const r = res.body.items[0];
      if (r && r.state !== 'running') return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('the run did not finish');
  };

  it('refuses bad tasks naming the field and saves nothing', async () => {
    const ok = {
      name: 'Nightly backup',
      options: { type: 'backup', directory: dir, keep: 3 },
      schedule: { startAt: at(DAY) },
      enabled: true,
    };
    const cases: Array<[unknown, string]> = [
      [{ ...ok, options: { type: 'backup', directory: '/nonexistent/openums-backups', keep: 3 } }, 'body.options.directory'],
      [{ ...ok, schedule: { startAt: at(-DAY) } }, 'body.schedule.startAt'],
      [{ ...ok, schedule: { startAt: at(0), repeat: { cron: '61 * * * *' } } }, 'body.schedule.repeat.cron'],
      [{ ...ok, schedule: { startAt: at(0), repeat: { cron: '0 2 * * *', timeZone: 'Mars/Olympus' } } }, 'body.schedule.repeat.timeZone'],
    ];
    for (const [body, field] of cases) {
      const r = await t.api('POST', '/api/v1/admin-tasks', body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.field ?? r.body.error.details?.field).toBe(field);
    }
    for (const body of [
      { ...ok, options: { type: 'backup', directory: 'relative', keep: 3 } },
      { ...ok, options: { type: 'explode' } },
      { ...ok, extra: 1 },
    ]) {
      expect((await t.api('POST', '/api/v1/admin-tasks', body)).status).toBe(400);
    }
    expect((await t.api('GET', '/api/v1/admin-tasks')).body.items).toEqual([]);
    expect((await t.api('GET', '/api/v1/admin-tasks/987654')).body.error.code).toBe('ADMIN_TASK_NOT_FOUND');
  });

  it('backs up the database online into the directory and keeps the newest N', async () => {
    const created = await t.api('POST', '/api/v1/admin-tasks', {
      name: 'Backup',
      options: { type: 'backup', directory: dir, keep: 2 },
      schedule: { startAt: at(DAY), repeat: { everyDays: 1 } },
      enabled: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ type: 'backup', enabled: true, nextRunAt: at(DAY), lastState: null });
    const id = created.body.id;
    for (let i = 0; i < 3; i++) {
      expect((await t.api('POST', `/api/v1/admin-tasks/${id}/run`)).status).toBe(202);
      const run = await lastRun(id);
      expect(run.state, run.message).toBe('succeeded');
      t.clock.advance(1000); // distinct file names
    }
    const files = readdirSync(dir).filter((f) => f.startsWith(`openums-task${id}-`));
    expect(files).toHaveLength(2);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeGreaterThan(10_000);
    expect((await t.api('GET', `/api/v1/admin-tasks/${id}`)).body.lastState).toBe('succeeded');
    if (dialect === 'sqlite') {
      // A real SQLite database holding the data: the copy opens and has the devices table.
      const { default: Sqlite } = await import('better-sqlite3');
      const copy = new Sqlite(join(dir, files[1]!), { readonly: true });
      expect(copy.prepare("select count(*) as n from sqlite_master where name = 'devices'").get()).toEqual({ n: 1 });
      copy.close();
    }
    expect((await t.api('DELETE', `/api/v1/admin-tasks/${id}`)).status).toBe(204);
  });

  it('deletes devices without contact for N days, listing them; purges old audit entries', async () => {
    const now = t.clock.now();
    const mk = async (mac: string, name: string) => (await t.api('POST', '/api/v1/devices', { mac, name })).body.id as number;
    const stale = await mk('02EE00000001', 'stale-one');
    const fresh = await mk('02EE00000002', 'fresh-one');
    await setPresence(t.database.db, stale, { last_contact: now - 40 * DAY });
    await setPresence(t.database.db, fresh, { last_contact: now - 2 * DAY });
    const task = await t.api('POST', '/api/v1/admin-tasks', {
      name: 'Clean up',
      options: { type: 'deleteStaleDevices', noContactDays: 30, limit: 100 },
      schedule: { startAt: at(DAY) },
      enabled: true,
    });
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    expect((await t.api('POST', `/api/v1/admin-tasks/${task.body.id}/run`)).status).toBe(202);
    const run = await lastRun(task.body.id);
    expect(run.state).toBe('succeeded');
    expect(run.message).toContain(`stale-one (${stale})`);
    expect((await t.api('GET', `/api/v1/devices/${stale}`)).status).toBe(404);
    expect((await t.api('GET', `/api/v1/devices/${fresh}`)).status).toBe(200);

    const purge = await t.api('POST', '/api/v1/admin-tasks', {
      name: 'Audit purge',
      options: { type: 'purgeAuditLog', olderThanDays: 1 },
      schedule: { startAt: at(DAY) },
      enabled: true,
    });
    const before = (
      await t.database.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    expect(Number(before)).toBeGreaterThan(0);
    // Everything so far becomes three days old (the session stays valid: the clock does not move).
    await t.database.db
      .updateTable('audit_log')
      .set({ at: now - 3 * DAY })
      .execute();
    await t.api('POST', `/api/v1/admin-tasks/${purge.body.id}/run`);
    expect((await lastRun(purge.body.id)).message).toMatch(/^deleted \d+ audit log entries older than 1 days$/);
    const left = await t.database.db.selectFrom('audit_log').select('at').execute();
    expect(left.every((r) => Number(r.at) >= t.clock.now() - DAY)).toBe(true);
  });

  it('runs a due task once however many processes tick, and reminds of a missing backup task', async () => {
    const audit = new AuditLog(new AuditRepository(t.database.db), new SettingsRepository(t.database.db), t.clock, null);
    const notifications = new NotificationsService(new NotificationsRepository(t.database.db), t.clock, () => null, null);
    const repo = new AdminTasksRepository(t.database.db);
    const make = () =>
      new AdminTasksService(
        repo,
        {
          db: t.database.db,
          dialect,
          databaseUrl: t.testDb.databaseUrl,
          clock: t.clock,
          devices: { deleteDevices: async () => [] },
          mailer: () => null,
          purgeRunsBefore: (b) => repo.purgeRuns(b),
        },
        t.clock,
        audit,
        notifications,
        null,
      );
    const [a, b] = [make(), make()];
    // Only the task made here is enabled.
    for (const old of (await t.api('GET', '/api/v1/admin-tasks')).body.items)
      await t.api('PATCH', `/api/v1/admin-tasks/${old.id}`, { enabled: false });
    const task = await t.api('POST', '/api/v1/admin-tasks', {
      name: 'Every 10 minutes',
      options: { type: 'purgeTaskHistory', olderThanDays: 30 },
      schedule: { startAt: at(60_000), repeat: { everyMinutes: 10 } },
      enabled: true,
    });
    expect(await a.tick()).toBe(0); // not due yet
    t.clock.advance(61_000);
    const started = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    expect(started.reduce((x, y) => x + y, 0)).toBe(1);
    await a.idle();
    await b.idle();
    const runs = (await t.api('GET', `/api/v1/admin-tasks/${task.body.id}/runs`)).body.items;
    expect(runs).toHaveLength(1);
    expect(runs[0].state).toBe('succeeded');
    // The next occurrence moved 10 minutes on.
    expect((await t.api('GET', `/api/v1/admin-tasks/${task.body.id}`)).body.nextRunAt).toBe(at(10 * 60_000 - 1000)); // startAt + 10 min

    // Reminder: the embedded database without an enabled backup task.
    await a.reminders();
    const current = async () =>
      (await t.api('GET', '/api/v1/notifications')).body.items.filter((n: { kind: string }) => n.kind === 'missingAdminTask');
    if (dialect === 'sqlite') {
      expect((await current())[0]?.title).toBe('The embedded database is not backed up');
      await t.api('POST', '/api/v1/admin-tasks', {
        name: 'Backup',
        options: { type: 'backup', directory: dir, keep: 1 },
        schedule: { startAt: at(DAY), repeat: { everyDays: 1 } },
        enabled: true,
      });
      await a.reminders();
    }
    expect(await current()).toEqual([]);
  });
});
