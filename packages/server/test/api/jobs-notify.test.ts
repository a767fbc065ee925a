import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_KINDS } from '@openums/protocol';
import type { Clock } from '../../src/lib/clock.js';
import { NotificationChecks, type CheckSources } from '../../src/modules/notifications/notification-checks.js';
import { NotificationsRepository } from '../../src/modules/notifications/notifications.repository.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const HOUR = 3_600_000;

/**
 * Job-failure notifications (docs/jobs.md#notifications) on both databases: a run that finished
 * with failed, timed-out or expired devices raises one `jobFailures` notification naming the
 * job, the run and the counts — once per run, whichever server process runs the check (the
 * state is in the database) — mailed to administrators who asked for the kind by mail.
 */
describe.each(DIALECTS)('job-failure notifications (%s)', (dialect) => {
  let t: TestApp;
  let jobId = 0;
  const devices: number[] = [];
  const mails: Array<{ to: string; subject: string; text: string }> = [];
  const sources = (): CheckSources => ({ dataDir: t.testDb.dataDir, deviceCaPem: () => null, skewWarnings: async () => [] });
  /** The check as one server process runs it: its own service and checks (no state shared in memory). */
  const serverProcess = (clock: Clock = t.clock) => {
    const service = new NotificationsService(
      new NotificationsRepository(t.database.db),
      clock,
      () => ({
        send: async (to: string | readonly string[], subject: string, text: string) => {
          mails.push({ to: String(to), subject, text });
          return {} as never;
        },
      }),
      null,
    );
    return new NotificationChecks(t.database.db, service, sources(), clock);
  };
  const raw = () => t.database.db as any;
  /** A run of the job with one device per given state, finished (or still running). */
  const runWith = async (states: string[], finished = true) => {
    const now = t.clock.now();
    const r = await raw()
      .insertInto('job_runs')
      .values({
        job_id: jobId,
        trigger: 'schedule',
        state: finished ? 'finished' : 'running',
        command: 'reboot',
        options_json: '{}',
        planned_at: now,
        started_at: now,
        expires_at: now + HOUR,
        finished_at: finished ? now : null,
        resolved: 1,
        server: 'host-x',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const runId = Number(r.id);
    await raw()
      .insertInto('job_run_devices')
      .values(states.map((state, i) => ({ run_id: runId, device_id: devices[i], state, deferred: 0, message: null })))
      .execute();
    return runId;
  };
  const current = async () =>
    (
      (await t.api('GET', '/api/v1/notifications')).body.items as Array<{ kind: string; title: string; message: string; objectId: string }>
    ).filter((n) => n.kind === 'jobFailures');

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    for (let i = 0; i < 5; i++) devices.push((await t.api('POST', '/api/v1/devices', { mac: `02AABB0000${30 + i}` })).body.id);
    const j = await t.api('POST', '/api/v1/jobs', {
      name: 'Nightly reboot',
      command: 'reboot',
      targets: devices.map((id) => ({ type: 'device', id })),
      schedule: { startAt: new Date(t.clock.now() + HOUR).toISOString() },
      enabled: false,
    });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    jobId = j.body.id;
    const kinds = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, { show: k === 'jobFailures', mail: k === 'jobFailures' }]));
    const prefs = await t.api('PUT', '/api/v1/notifications/preferences', { mailTo: 'ops@example.test', kinds });
    expect(prefs.status, JSON.stringify(prefs.body)).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('raises one notification per run with failures, naming job, run and counts, and mails it once', async () => {
    const ok = await runWith(['succeeded', 'succeeded']);
    const open = await runWith(['failed'], false);
    const bad = await runWith(['failed', 'timedOut', 'expired', 'succeeded', 'skipped']);
    await serverProcess().frequent();
    const list = await current();
    expect(list).toHaveLength(1);
    expect(list[0]!.title).toBe(`Job "Nightly reboot" run ${bad}: 3 of 5 devices did not succeed`);
    expect(list[0]!.message).toContain(`Run ${bad} of job "Nightly reboot" (job ${jobId})`);
    expect(list[0]!.message).toContain('1 failed, 1 timed out, 1 expired, 1 succeeded of 5 devices');
    expect(list[0]!.message).toContain('on host-x');
    expect(list[0]!.objectId).toBe(String(jobId));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: 'ops@example.test' });
    expect(mails[0]!.subject).toContain(`run ${bad}`);
    // Again, and on another server process: nothing new, no second mail.
    await serverProcess().frequent();
    await serverProcess().frequent();
    expect(await current()).toHaveLength(1);
    expect(mails).toHaveLength(1);
    // The open run finishes with its failure: a notification of its own.
    await raw().updateTable('job_runs').set({ state: 'finished', finished_at: t.clock.now() }).where('id', '=', open).execute();
    await serverProcess().frequent();
    expect((await current()).map((n) => n.title).sort()).toEqual(
      [
        `Job "Nightly reboot" run ${bad}: 3 of 5 devices did not succeed`,
        `Job "Nightly reboot" run ${open}: 1 of 1 device did not succeed`,
      ].sort(),
    );
    expect(mails).toHaveLength(2);
    expect((await current()).some((n) => n.title.includes(`run ${ok}:`))).toBe(false);
  });

  it('is raised once when two server processes check at the same moment', async () => {
    const before = mails.length;
    const run = await runWith(['timedOut']);
    const results = await Promise.allSettled([serverProcess().frequent(), serverProcess().frequent()]);
    // One of them may lose the race on the notification's unique key (its transaction rolls back).
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect((await current()).filter((n) => n.title.includes(`run ${run}:`))).toHaveLength(1);
    expect(mails.length - before).toBe(1);
  });

  it('leaves the current list a day after the run finished, without coming back', async () => {
    const count = (await current()).length;
    expect(count).toBeGreaterThan(0);
    const tomorrow = { now: () => t.clock.now() + 25 * HOUR };
    await serverProcess(tomorrow).frequent();
    expect(await current()).toHaveLength(0);
    const resolved = ((await t.api('GET', '/api/v1/notifications?resolved=true')).body.items as Array<{ kind: string }>).filter(
      (n) => n.kind === 'jobFailures',
    );
    expect(resolved).toHaveLength(count);
    const mailed = mails.length;
    await serverProcess(tomorrow).frequent();
    expect(mails).toHaveLength(mailed);
  });
});
