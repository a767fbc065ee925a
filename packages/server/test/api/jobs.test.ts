import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { httpsCall, TestDevice } from '../helpers/device.js';
import { SettingsRepository } from '../../src/db/settings.repository.js';
import { JobsService } from '../../src/modules/jobs/jobs.service.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { JobsRepository } from '../../src/modules/jobs/jobs.repository.js';
import { bareJobRunner } from '../helpers/job-runner.js';

type Online = Awaited<ReturnType<ReturnType<typeof channelServer>['onlineDevice']>>;
const soon = (ms = 60_000) => new Date(Date.now() + ms).toISOString();

describe.each(DIALECTS)('scheduled jobs over real mTLS (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, onlineDevice, waitFor } = s;
  let handle: DatabaseHandle;
  beforeAll(() => {
    handle = s.testDb().open();
  });
  afterAll(async () => {
    await handle?.close();
  });

  const folderWith = async (name: string, n: number) => {
    const folder = (await api('POST', '/api/v1/device-folders', { name: `${name}-${dialect}` })).body;
    const devs: Online[] = [];
    for (let i = 0; i < n; i++) devs.push(track(await onlineDevice()));
    const moved = await api('POST', '/api/v1/devices/move', { deviceIds: devs.map((d) => d.id), folderId: folder.id });
    expect(moved.status, JSON.stringify(moved.body)).toBeLessThan(300);
    return { folder, devs };
  };
  const job = async (body: Record<string, unknown>) => {
    const r = await api('POST', '/api/v1/jobs', {
      name: 'job',
      command: 'send-message',
      text: 'Hello from a job',
      schedule: { startAt: soon(3_600_000) },
      ...body,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const run = async (runId: number) => (await api('GET', `/api/v1/job-runs/${runId}`)).body;
  const devices = async (runId: number) => (await api('GET', `/api/v1/job-runs/${runId}/devices`)).body.items as any[];
  /** Every command a device received (kept apart from the queue `next()` takes messages from). */
  const seen = new WeakMap<Online, any[]>();
  const track = (d: Online) => {
    const list: any[] = [];
    seen.set(d, list);
    d.dev.ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString());
      if (m.t === 'command') list.push(m);
    });
    return d;
  };
  const commandsOf = (d: Online) => seen.get(d)!;

  it('refuses bad jobs with the field named and saves nothing', async () => {
    const { devs } = await folderWith('refused', 1);
    const target = [{ type: 'device', id: devs[0]!.id }];
    const base = { name: 'bad', command: 'reboot', targets: target, schedule: { startAt: soon() } };
    const cases: Array<[unknown, string]> = [
      [{ ...base, schedule: { startAt: soon(), repeat: { cron: 'not a cron' } } }, 'body.schedule.repeat.cron'],
      [
        { ...base, schedule: { startAt: soon(), repeat: { cron: '0 2 * * *', timeZone: 'Mars/Olympus' } } },
        'body.schedule.repeat.timeZone',
      ],
      [
        { ...base, schedule: { startAt: soon(), repeat: { weekdays: ['mon'], time: '02:00', timeZone: 'Nowhere' } } },
        'body.schedule.repeat.timeZone',
      ],
      [{ ...base, schedule: { startAt: new Date(Date.now() - 3_600_000).toISOString() } }, 'body.schedule.startAt'],
      [{ ...base, options: { maxThreads: 0 } }, 'body.options.maxThreads'],
      [{ ...base, options: { maxThreads: 1001 } }, 'body.options.maxThreads'],
      [{ ...base, targets: [{ type: 'view', id: 987654 }] }, 'body.targets.0.id'],
      [{ ...base, targets: [{ type: 'folder', id: 987654 }] }, 'body.targets.0.id'],
      [{ ...base, command: 'send-message' }, 'body.text'],
    ];
    for (const [body, field] of cases) {
      const r = await api('POST', '/api/v1/jobs', body);
      expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(JSON.stringify(r.body.error), JSON.stringify(body)).toContain(field);
    }
    expect((await api('GET', '/api/v1/jobs')).body.items).toHaveLength(0);
    // A repeating job may start in the past: its next run is the first occurrence after now.
    const every = await job({
      targets: target,
      schedule: { startAt: new Date(Date.now() - 90 * 60_000).toISOString(), repeat: { everyHours: 1 } },
    });
    expect(Date.parse(every.nextRunAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(every.nextRunAt) - Date.now()).toBeLessThanOrEqual(30 * 60_000 + 5000);
    const cron = await job({ targets: target, schedule: { startAt: soon(), repeat: { cron: '30 2 * * *', timeZone: 'Europe/Berlin' } } });
    expect(new Date(cron.nextRunAt).getUTCMinutes()).toBe(30);
    expect(cron).toMatchObject({ createdBy: 'admin', enabled: true, options: { maxThreads: 100, expiryMinutes: 40 } });
    for (const j of [every, cron]) expect((await api('DELETE', `/api/v1/jobs/${j.id}`)).status).toBe(204);
    devs[0]!.dev.close();
  });

  it('changes a job: fields given replace the stored ones, bad changes leave it as it was', async () => {
    const { devs } = await folderWith('patch', 1);
    const target = [{ type: 'device', id: devs[0]!.id }];
    const j = await job({
      name: 'p',
      command: 'reboot',
      text: undefined,
      targets: target,
      enabled: false,
      schedule: { startAt: soon(600_000) },
    });
    expect(j.nextRunAt).toBeNull();
    const enabled = await api('PATCH', `/api/v1/jobs/${j.id}`, { enabled: true, comment: 'now on' });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, comment: 'now on', nextRunAt: j.schedule.startAt, name: 'p' });
    for (const [patch, field] of [
      [{ text: 'only for messages' }, 'body.text'],
      [{ schedule: { startAt: soon(), repeat: { cron: '* * *' } } }, 'body.schedule.repeat.cron'],
      [{ options: { maxThreads: 5000 } }, 'body.options.maxThreads'],
    ] as const) {
      const r = await api('PATCH', `/api/v1/jobs/${j.id}`, patch);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body.error)).toContain(field);
    }
    expect((await api('GET', `/api/v1/jobs/${j.id}`)).body).toEqual(enabled.body);
    expect((await api('DELETE', `/api/v1/jobs/${j.id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/jobs/${j.id}`)).status).toBe(404);
    devs[0]!.dev.close();
  });

  it('runs a folder job once at its time: every device executes once, results are followed back', async () => {
    const { folder, devs } = await folderWith('once', 3);
    // A few seconds ahead in real time: the scheduler's own lease tick claims it.
    const j = await job({ name: 'once', targets: [{ type: 'folder', id: folder.id }], schedule: { startAt: soon(4000) } });
    expect(j.nextRunAt).toBe(j.schedule.startAt);
    for (const d of devs) expect(commandsOf(d)).toHaveLength(0);
    for (const d of devs) {
      const c = await d.dev.next((m) => m.t === 'command', 20_000);
      // Not before its time.
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(j.schedule.startAt));
      expect(c).toMatchObject({ command: 'send-message', text: 'Hello from a job' });
      d.dev.send({ t: 'ack', id: c.id });
      d.dev.send({ t: 'result', id: c.id, ok: d !== devs[2], message: d === devs[2] ? 'display busy' : 'shown' });
    }
    let runId = 0;
    await waitFor(async () => {
      const runs = (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items;
      runId = runs[0]?.id ?? 0;
      return runs.length === 1 && runs[0].state === 'finished';
    }, 20_000);
    const r = await run(runId);
    expect(r).toMatchObject({ trigger: 'schedule', total: 3, counts: { succeeded: 2, failed: 1, queued: 0, sent: 0 } });
    const rows = await devices(runId);
    expect(rows.find((x) => x.deviceId === devs[2]!.id)).toMatchObject({ state: 'failed', message: 'display busy' });
    expect((await api('GET', `/api/v1/jobs/${j.id}`)).body.nextRunAt).toBeNull();
    // Nothing runs twice: a few more scheduler ticks later, still one run and one command each.
    await new Promise((res) => setTimeout(res, 2500));
    expect((await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items).toHaveLength(1);
    for (const d of devs) expect(commandsOf(d)).toHaveLength(1);
    devs.forEach((d) => d.dev.close());
  });

  it('never has more than maxThreads devices in flight', async () => {
    const { folder, devs } = await folderWith('threads', 5);
    const j = await job({ name: 'threads', targets: [{ type: 'folder', id: folder.id }], options: { maxThreads: 2, timeoutSeconds: 600 } });
    const { runId } = (await api('POST', `/api/v1/jobs/${j.id}/run`)).body;
    const answered = new Set<number>();
    let maxSeen = 0;
    while (answered.size < devs.length) {
      await waitFor(async () => devs.some((d) => commandsOf(d).length && !answered.has(d.id)), 20_000);
      const inFlight = devs.filter((d) => commandsOf(d).length && !answered.has(d.id));
      maxSeen = Math.max(maxSeen, inFlight.length);
      expect(inFlight.length).toBeLessThanOrEqual(2);
      // Give the runner a moment to (wrongly) start more before answering one.
      await new Promise((res) => setTimeout(res, 600));
      expect(devs.filter((d) => commandsOf(d).length && !answered.has(d.id)).length).toBeLessThanOrEqual(2);
      const d = inFlight[0]!;
      const c = commandsOf(d)[0];
      d.dev.send({ t: 'ack', id: c.id });
      d.dev.send({ t: 'result', id: c.id, ok: true, message: 'ok' });
      answered.add(d.id);
    }
    expect(maxSeen).toBe(2);
    await waitFor(async () => (await run(runId)).state === 'finished', 20_000);
    expect((await run(runId)).counts.succeeded).toBe(5);
    for (const d of devs) expect(commandsOf(d)).toHaveLength(1);
    devs.forEach((d) => d.dev.close());
  });

  it('skips offline devices, or with retry at next boot executes when they connect', async () => {
    const { folder, devs } = await folderWith('offline', 1);
    const d = devs[0]!;
    d.dev.close();
    await waitFor(async () => (await api('GET', `/api/v1/devices/${d.id}`)).body.online === false);
    const skip = await job({ name: 'skip', targets: [{ type: 'folder', id: folder.id }] });
    const retry = await job({ name: 'retry', targets: [{ type: 'folder', id: folder.id }], options: { retryNextBoot: true } });
    const r1 = (await api('POST', `/api/v1/jobs/${skip.id}/run`)).body.runId;
    const r2 = (await api('POST', `/api/v1/jobs/${retry.id}/run`)).body.runId;
    await waitFor(async () => (await run(r1)).state === 'finished', 20_000);
    expect((await devices(r1))[0]).toMatchObject({ deviceId: d.id, state: 'skipped' });
    expect((await devices(r1))[0].message).toMatch(/offline/);
    await waitFor(async () => (await devices(r2))[0]?.state === 'sent', 20_000);
    expect((await run(r2)).state).toBe('running');
    const again = (await TestDevice.connect(s.t, d.creds)) as TestDevice;
    again.hello(d.mac);
    const c = await again.next((m) => m.t === 'command', 20_000);
    again.send({ t: 'ack', id: c.id });
    again.send({ t: 'result', id: c.id, ok: true, message: 'shown after boot' });
    await waitFor(async () => (await run(r2)).state === 'finished', 20_000);
    expect((await devices(r2))[0]).toMatchObject({ state: 'succeeded', message: 'shown after boot' });
    again.close();
  });

  it('cancels a run: devices not reached yet are cancelled', async () => {
    const { folder, devs } = await folderWith('cancel', 3);
    const j = await job({ name: 'cancel', targets: [{ type: 'folder', id: folder.id }], options: { maxThreads: 1, timeoutSeconds: 600 } });
    const { runId } = (await api('POST', `/api/v1/jobs/${j.id}/run`)).body;
    await waitFor(async () => devs.some((d) => commandsOf(d).length > 0), 20_000);
    const first = devs.find((d) => commandsOf(d).length > 0)!;
    const cancelled = await api('POST', `/api/v1/job-runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', counts: { cancelled: 2, sent: 1 } });
    const c = commandsOf(first)[0];
    first.dev.send({ t: 'ack', id: c.id });
    first.dev.send({ t: 'result', id: c.id, ok: true, message: 'done' });
    await waitFor(async () => (await run(runId)).counts.succeeded === 1, 20_000);
    await new Promise((res) => setTimeout(res, 1500));
    for (const d of devs) expect(commandsOf(d)).toHaveLength(d === first ? 1 : 0);
    expect((await api('POST', '/api/v1/job-runs/987654/cancel')).status).toBe(404);
    devs.forEach((d) => d.dev.close());
  });

  it('records "target gone" for a deleted folder instead of failing silently', async () => {
    const folder = (await api('POST', '/api/v1/device-folders', { name: `gone-${dialect}` })).body;
    const j = await job({ name: 'gone', command: 'reboot', text: undefined, targets: [{ type: 'folder', id: folder.id }] });
    expect((await api('DELETE', `/api/v1/device-folders/${folder.id}`)).status).toBeLessThan(300);
    const { runId } = (await api('POST', `/api/v1/jobs/${j.id}/run`)).body;
    await waitFor(async () => (await run(runId)).state === 'targetGone', 20_000);
    expect((await run(runId)).message).toContain(`folder ${folder.id}`);
  });

  it('claims a due run once when two schedulers race', async () => {
    const { devs } = await folderWith('race', 1);
    const j = await job({ name: 'race', enabled: false, targets: [{ type: 'device', id: devs[0]!.id }] });
    const repo = new JobsRepository(handle.db);
    const runner = () => bareJobRunner({ repo, db: handle.db, dialect: handle.dialect, clock: s.clock });
    for (let round = 0; round < 5; round++) {
      const due = s.clock.now() - 1000;
      await handle.db
        .updateTable('jobs' as never)
        .set({ next_run_at: due } as never)
        .where('id' as never, '=', j.id as never)
        .execute();
      const [a, b] = await Promise.all([runner().claimDue(), runner().claimDue()]);
      const ours = [...a, ...b].filter(Boolean);
      expect(ours.length).toBeLessThanOrEqual(1);
    }
    // With the server's own scheduler in the race as well: exactly one run per due time.
    await waitFor(async () => (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items.length === 5, 20_000);
    await new Promise((res) => setTimeout(res, 1500));
    expect((await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items).toHaveLength(5);
    devs[0]!.dev.close();
  });

  it('missed runs: run once when late by less than the expiry, else recorded as missed', async () => {
    const { devs } = await folderWith('missed', 1);
    const d = devs[0]!;
    const j = await job({
      name: 'missed',
      targets: [{ type: 'device', id: d.id }],
      schedule: { startAt: soon(3_600_000), repeat: { everyHours: 24 } },
    });
    // As if the server had been down at the planned time: due 3 h ago (expiry 40 min) …
    const setDue = (at: number) =>
      handle.db
        .updateTable('jobs' as never)
        .set({ next_run_at: at } as never)
        .where('id' as never, '=', j.id as never)
        .execute();
    await setDue(s.clock.now() - 3 * 3_600_000);
    await waitFor(async () => (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items.length === 1, 20_000);
    const missed = (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items[0];
    expect(missed).toMatchObject({ state: 'missed', total: 0 });
    expect(Date.parse((await api('GET', `/api/v1/jobs/${j.id}`)).body.nextRunAt)).toBeGreaterThan(s.clock.now());
    expect(commandsOf(d)).toHaveLength(0);
    // … or 10 minutes ago: it runs now, once.
    await setDue(s.clock.now() - 10 * 60_000);
    // Claimed by the server's own lease tick; under a loaded CI machine that can take a while, so
    // the claim and the delivery each get their own wait (one 20-s wait for both failed there).
    await waitFor(async () => (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items.length === 2, 30_000);
    const c = await d.dev.next((m) => m.t === 'command', 30_000);
    d.dev.send({ t: 'ack', id: c.id });
    d.dev.send({ t: 'result', id: c.id, ok: true, message: 'late but done' });
    await waitFor(async () => (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items[0].state === 'finished', 20_000);
    const runs = (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items;
    expect(runs.map((r: any) => r.state)).toEqual(['finished', 'missed']);
    expect(commandsOf(d)).toHaveLength(1);
    d.dev.close();
  });
  it('views and devices as targets (each device once), settings-to-device marks the configuration', async () => {
    const { folder, devs } = await folderWith('view', 2);
    const view = await api('POST', '/api/v1/views', {
      name: `jobs-${dialect}`,
      criteria: { field: 'folderId', op: 'inFolder', value: { id: folder.id } },
    });
    expect(view.status, JSON.stringify(view.body)).toBe(201);
    const targets = [
      { type: 'view', id: view.body.id },
      { type: 'device', id: devs[0]!.id },
    ];
    const j = await job({ name: 'settings', command: 'settings-to-device', text: undefined, targets });
    const { runId } = (await api('POST', `/api/v1/jobs/${j.id}/run`)).body;
    await waitFor(async () => (await run(runId)).state === 'finished', 20_000);
    expect(await run(runId)).toMatchObject({ total: 2, counts: { succeeded: 2 } });
    expect((await devices(runId)).map((d) => d.deviceId).sort()).toEqual(devs.map((d) => d.id).sort());
    devs.forEach((d) => d.dev.close());
  });

  it('rights: targets are checked at save time, devices against the creator at run time', async () => {
    const { devs } = await folderWith('rights', 1);
    const password = 'Jobs-test-Passw0rd!';
    const as = async (token: string, method: string, path: string, body?: unknown) => {
      const r = await httpsCall(s.t, method, path, {
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: r.status, body: r.body ? JSON.parse(r.body) : null };
    };
    const login = async (username: string) => {
      const r = await httpsCall(s.t, 'POST', '/api/v1/auth/login', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      return JSON.parse(r.body).token as string;
    };
    const mk = async (username: string, superuser: boolean, generalRights: string[]) => {
      const r = await api('POST', '/api/v1/admins', { username: `${username}-${dialect}`, password, superuser, generalRights });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return { id: r.body.id as number, token: await login(`${username}-${dialect}`) };
    };
    const body = { name: 'r', command: 'reboot', targets: [{ type: 'device', id: devs[0]!.id }], schedule: { startAt: soon(3_600_000) } };
    // Without the general right: 403; with it but without a right on the device: as if it did not exist.
    const nobody = await mk('nobody', false, []);
    expect((await as(nobody.token, 'GET', '/api/v1/jobs')).status).toBe(403);
    const planner = await mk('planner', false, ['jobs']);
    const refused = await as(planner.token, 'POST', '/api/v1/jobs', body);
    expect(refused.status).toBe(404);
    expect(JSON.stringify(refused.body.error)).toContain('body.targets.0.id');
    // A superuser's job; the account is disabled afterwards: its devices are skipped.
    const boss = await mk('boss', true, []);
    const created = await as(boss.token, 'POST', '/api/v1/jobs', body);
    expect(created.status).toBe(201);
    expect(created.body.createdBy).toBe(`boss-${dialect}`);
    expect((await api('PATCH', `/api/v1/admins/${boss.id}`, { disabled: true })).status).toBe(200);
    const { runId } = (await api('POST', `/api/v1/jobs/${created.body.id}/run`)).body;
    await waitFor(async () => (await run(runId)).state === 'finished', 20_000);
    expect((await devices(runId))[0]).toMatchObject({ state: 'skipped' });
    expect((await devices(runId))[0].message).toMatch(/creator/);
    expect(commandsOf(devs[0]!)).toHaveLength(0);
    devs[0]!.dev.close();
  });

  it('history retention: finished runs older than historyDays are purged', async () => {
    expect((await api('PUT', '/api/v1/settings/jobs', { historyDays: 0 })).status).toBe(400);
    expect((await api('PUT', '/api/v1/settings/jobs', { historyDays: 2 })).body).toEqual({ historyDays: 2 });
    const repo = new JobsRepository(handle.db);
    const later = { now: () => s.clock.now() + 3 * 24 * 3_600_000 };
    const service = new JobsService(
      repo,
      handle.db,
      null as never,
      new SettingsRepository(handle.db),
      { record: async () => undefined },
      later,
    );
    const jobs = (await api('GET', '/api/v1/jobs')).body.items as any[];
    const before = (await Promise.all(jobs.map(async (j) => (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items.length))).reduce(
      (a, b) => a + b,
      0,
    );
    expect(before).toBeGreaterThan(0);
    expect(await service.purge()).toBeGreaterThan(0);
    const runsLeft = await Promise.all(jobs.map(async (j) => (await api('GET', `/api/v1/jobs/${j.id}/runs`)).body.items));
    // Only runs not finished (none here) or younger than the retention stay.
    expect(runsLeft.flat().filter((r: any) => r.finishedAt !== null)).toHaveLength(0);
  });
});
