import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { bareJobRunner } from '../helpers/job-runner.js';
import { JobsRepository } from '../../src/modules/jobs/jobs.repository.js';
import { JobHostsRepository } from '../../src/modules/jobs/job-hosts.repository.js';
import { clusterScope } from '../../src/modules/jobs/job-hosts.js';

/**
 * The executor's claim (docs/jobs.md, "How it runs"): a start creates the devices' commands and,
 * in the same transaction, claims the run's rows queued → sent with their command ids (compare
 * and set). Two executors stepping the same run at once — a lease hand-over — must create one
 * command per device, never two; and results are copied back onto the run in one statement.
 */
describe.each(DIALECTS)('job executor (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  const N = 120;
  const setUp = async (name: string, options: Record<string, unknown>) => {
    const folder = (await t.api('POST', '/api/v1/device-folders', { name })).body;
    const db = t.database.db;
    const ids: number[] = [];
    for (let i = 0; i < N; i++) {
      const mac = `02EE${name.length.toString(16).padStart(2, '0')}${String(i).padStart(6, '0')}`;
      const row = await db
        .insertInto('devices')
        .values({ mac, unit_id: mac, name: `${name}-${i}`, name_lc: `${name}-${i}`, registered_at: t.clock.now(), folder_id: folder.id })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(Number(row.id));
    }
    const job = await t.api('POST', '/api/v1/jobs', {
      name,
      command: 'send-message',
      text: name,
      targets: [{ type: 'folder', id: folder.id }],
      schedule: { startAt: new Date(t.clock.now() + 3_600_000).toISOString() },
      options,
    });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    const { runId } = (await t.api('POST', `/api/v1/jobs/${job.body.id}/run`)).body;
    const repo = new JobsRepository(t.database.db);
    const runner = () => bareJobRunner({ repo, db: t.database.db, dialect: t.database.dialect, clock: t.clock, commands: t.commands });
    return { ids, runId: runId as number, repo, runner };
  };
  const commandsPerDevice = async (ids: number[]) => {
    const rows = await t.database.db
      .selectFrom('commands')
      .select(['device_id', (eb) => eb.fn.countAll().as('n')])
      .where('device_id', 'in', ids)
      .groupBy('device_id')
      .execute();
    return new Map(rows.map((r) => [Number(r.device_id), Number(r.n)]));
  };

  it('two executors racing on one run create one command per device', async () => {
    // Offline devices with retry at next boot take no slot: each step starts every queued device.
    const { ids, runId, repo, runner } = await setUp('race', { retryNextBoot: true, maxThreads: 1000, timeoutSeconds: 600 });
    const a = runner();
    const b = runner();
    for (let round = 0; round < 4; round++) {
      const run = (await repo.findRun(runId))!;
      await Promise.all([a.advance(run), b.advance(run), runner().advance(run)]);
    }
    const per = await commandsPerDevice(ids);
    expect(per.size).toBe(N);
    expect([...per.values()].filter((n) => n !== 1)).toEqual([]);
    const rows = await t.database.db
      .selectFrom('job_run_devices as r')
      .innerJoin('commands as c', 'c.id', 'r.command_id')
      .select(['r.device_id', 'r.state', 'r.deferred', 'c.device_id as cdev'])
      .where('r.run_id', '=', runId)
      .execute();
    expect(rows).toHaveLength(N);
    for (const r of rows) expect([Number(r.cdev), r.state, Number(r.deferred)]).toEqual([Number(r.device_id), 'sent', 1]);
  });

  it('copies finished commands back onto the run, each with its own result', async () => {
    // Every device at once (the default maxThreads is 100 of these 120: the last 20 were started
    // only when the app's own runner happened to advance the run at the same moment — a race the
    // CI run of 2026-12-03 lost).
    const { ids, runId, repo, runner } = await setUp('results', { retryNextBoot: true, maxThreads: 1000, timeoutSeconds: 600 });
    const r = runner();
    await r.advance((await repo.findRun(runId))!);
    const cmds = await t.database.db.selectFrom('commands').select(['id', 'device_id']).where('device_id', 'in', ids).execute();
    expect(cmds).toHaveLength(N);
    // As devices would answer: half succeed, half fail with their own message and time.
    for (const [i, c] of cmds.entries()) {
      await t.database.db
        .updateTable('commands')
        .set({ state: i % 2 ? 'failed' : 'succeeded', message: `answer ${i}`, finished_at: t.clock.now() + i })
        .where('id', '=', c.id)
        .execute();
    }
    t.clock.advance(1000);
    expect(await r.advance((await repo.findRun(runId))!)).toBe(false);
    const run = (await t.api('GET', `/api/v1/job-runs/${runId}`)).body;
    expect(run).toMatchObject({ state: 'finished', total: N, counts: { succeeded: N / 2, failed: N / 2, sent: 0 } });
    const devices = (await t.api('GET', `/api/v1/job-runs/${runId}/devices?limit=500`)).body.items as any[];
    const byId = new Map(cmds.map((c, i) => [Number(c.device_id), i]));
    for (const d of devices) {
      const i = byId.get(d.deviceId)!;
      expect(d).toMatchObject({ state: i % 2 ? 'failed' : 'succeeded', message: `answer ${i}` });
      expect(Date.parse(d.finishedAt)).toBe(t.clock.now() - 1000 + i);
    }
  });

  it('steps open runs in turn: long-waiting runs do not keep later ones from their turn', async () => {
    // Runs that wait for offline devices until they expire stay open; the scheduler steps a
    // page of open runs at a time and must reach every one of them, not the lowest ids forever.
    const folder = (await t.api('POST', '/api/v1/device-folders', { name: 'round-robin' })).body;
    await t.database.db
      .insertInto('devices')
      .values({
        mac: '02EEAA000001',
        unit_id: '02EEAA000001',
        name: 'rr',
        name_lc: 'rr',
        registered_at: t.clock.now(),
        folder_id: folder.id,
      })
      .execute();
    const mine: number[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await t.api('POST', '/api/v1/jobs', {
        name: `rr-${i}`,
        command: 'reboot',
        targets: [{ type: 'folder', id: folder.id }],
        schedule: { startAt: new Date(t.clock.now() + 3_600_000).toISOString() },
        options: { retryNextBoot: true },
      });
      expect(job.status, JSON.stringify(job.body)).toBe(201);
      mine.push((await t.api('POST', `/api/v1/jobs/${job.body.id}/run`)).body.runId as number);
    }
    const hosts = new JobHostsRepository(t.database.db);
    const open = (await hosts.listActiveRuns(10_000, clusterScope())).length;
    expect(open).toBeGreaterThanOrEqual(5);
    const seen = new Set<number>();
    let cursor = 0;
    let calls = 0;
    while (!mine.every((id) => seen.has(id)) && calls < open) {
      const page = await hosts.listActiveRuns(2, clusterScope(), cursor);
      expect(page.length).toBe(Math.min(2, open));
      for (const r of page) seen.add(r.id);
      cursor = page[page.length - 1]!.id;
      calls++;
    }
    expect(mine.filter((id) => !seen.has(id))).toEqual([]);
    expect(calls).toBeLessThanOrEqual(Math.ceil(open / 2) + 1);
    // Past the highest id the page wraps round to the lowest.
    const all = (await hosts.listActiveRuns(10_000, clusterScope())).map((r) => r.id);
    const wrapped = await hosts.listActiveRuns(2, clusterScope(), all[all.length - 1]!);
    expect(wrapped.map((r) => r.id)).toEqual(all.slice(0, 2));
  });
});
