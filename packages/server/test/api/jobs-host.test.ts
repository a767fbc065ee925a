import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@openums/protocol';
import { bareJobRunner } from '../helpers/job-runner.js';
import { clusterScope, hostLeaseName, hostScope } from '../../src/modules/jobs/job-hosts.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const HOUR = 3_600_000;

/**
 * Host assignment (docs/jobs.md#host-assignment) on both databases: a job pinned to a host is
 * claimed and stepped only by that host's scheduler while a process of the host is running in
 * the server registry; when none is, the cluster-wide scheduler runs it and the run says so.
 * Two hosts are simulated by registry rows and two runners, as the claim race test does.
 */
describe.each(DIALECTS)('job host assignment (%s)', (dialect) => {
  let t: TestApp;
  let deviceId = 0;
  /** The runners' time: an hour past the app's own clock, so the app's scheduler never finds these jobs due. */
  let later = 0;
  const runnerClock = { now: () => later };

  const raw = () => t.database.db as any;
  const register = async (id: string, host: string, status = 'running') =>
    raw()
      .insertInto('servers')
      .values({
        id,
        host,
        pid: 1,
        worker: 0,
        version: 'test',
        database: dialect,
        addresses: '[]',
        port: 8443,
        started_at: Date.now(),
        // Beating far ahead: the dead-server check leaves the simulated processes alone.
        last_beat: Date.now() + 24 * HOUR,
        status,
        devices_connected: 0,
        clock_offset_ms: 0,
      })
      .execute();
  const setHostStatus = (host: string, status: string) => raw().updateTable('servers').set({ status }).where('host', '=', host).execute();
  const setDue = (jobId: number, at: number) => raw().updateTable('jobs').set({ next_run_at: at }).where('id', '=', jobId).execute();
  const runner = () => bareJobRunner({ db: t.database.db, dialect, clock: runnerClock });
  const run = async (runId: number) => (await t.api('GET', `/api/v1/job-runs/${runId}`)).body;
  const runRow = async (runId: number) => raw().selectFrom('job_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
  const jobBody = () => ({
    name: 'pinned',
    command: 'reboot',
    targets: [{ type: 'device', id: deviceId }],
    schedule: { startAt: new Date(t.clock.now() + HOUR).toISOString() },
  });
  const job = async (body: Record<string, unknown> = {}) => {
    const r = await t.api('POST', '/api/v1/jobs', { ...jobBody(), ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    // The app's own schedulers stay out of the way (its cluster-wide tick may still be in its
    // budget of about 4 s): the runners below are called directly.
    await t.singletons.stop();
    await new Promise((r) => setTimeout(r, 4500));
    later = t.clock.now() + 2 * HOUR;
    await register('host-a.0', 'host-a');
    await register('host-a.1', 'host-a');
    await register('host-b.0', 'host-b');
    await register('host-gone.0', 'host-gone', 'dead');
    deviceId = (await t.api('POST', '/api/v1/devices', { mac: '02AABB000001' })).body.id;
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('saves the host of a job, refuses a host no server has registered, naming body.host', async () => {
    const refused = await t.api('POST', '/api/v1/jobs', {
      name: 'typo',
      command: 'reboot',
      targets: [{ type: 'device', id: deviceId }],
      schedule: { startAt: new Date(t.clock.now() + HOUR).toISOString() },
      host: 'host-nowhere',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: ErrorCode.ValidationFailed, details: { field: 'body.host' } });
    expect((await t.api('GET', '/api/v1/jobs')).body.items).toHaveLength(0);
    // A dead process's host is known (until its entry is removed); so is this server's own.
    const j = await job({ host: 'host-gone' });
    expect(j.host).toBe('host-gone');
    expect((await t.api('GET', `/api/v1/jobs/${j.id}`)).body.host).toBe('host-gone');
    const own = await t.api('PATCH', `/api/v1/jobs/${j.id}`, { host: hostname() });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.host).toBe(hostname());
    const bad = await t.api('PATCH', `/api/v1/jobs/${j.id}`, { host: 'no-such-host' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('body.host');
    expect((await t.api('PATCH', `/api/v1/jobs/${j.id}`, { host: null })).body.host).toBeNull();
    // An unchanged host is not checked again: its registry entries may have been removed meanwhile.
    await t.api('PATCH', `/api/v1/jobs/${j.id}`, { host: 'host-gone' });
    await raw().deleteFrom('servers').where('host', '=', 'host-gone').execute();
    const renamed = await t.api('PATCH', `/api/v1/jobs/${j.id}`, { name: 'renamed' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'renamed', host: 'host-gone' });
    // Registered once is enough: a host a job is pinned to (or that ran a run in the history) stays known.
    const other = await job({ name: 'other', host: 'host-gone' });
    expect(other.host).toBe('host-gone');
    for (const id of [j.id, other.id]) expect((await t.api('DELETE', `/api/v1/jobs/${id}`)).status).toBe(204);
    expect((await t.api('POST', '/api/v1/jobs', { ...jobBody(), host: 'host-gone' })).body.error.details.field).toBe('body.host');
  });

  it("runs a pinned job on its host while the host is alive; the cluster's scheduler leaves it alone", async () => {
    const a = runner();
    const b = runner();
    const j = await job({ host: 'host-a' });
    await setDue(j.id, later - 1000);
    // host-b's cluster-wide scheduler and another host's pinned scheduler do not claim it.
    expect(await b.claimDue(clusterScope('host-b'))).toEqual([]);
    expect(await b.claimDue(hostScope('host-b'))).toEqual([]);
    const [runId] = await a.claimDue(hostScope('host-a'));
    expect(runId).toBeGreaterThan(0);
    expect(await a.claimDue(hostScope('host-a'))).toEqual([]);
    expect(await run(runId!)).toMatchObject({ server: 'host-a', message: null, state: 'running' });
    // Stepping: the cluster's scheduler does not touch it; host-a's runs it to the end.
    await b.advanceAll(clusterScope('host-b'));
    expect(Number((await runRow(runId!)).resolved)).toBe(0);
    while (await a.advanceAll(hostScope('host-a')));
    const done = await run(runId!);
    expect(done).toMatchObject({ state: 'finished', server: 'host-a', total: 1 });
    // The device never connected: skipped (offline), by host-a.
    expect(done.counts.skipped).toBe(1);
    // A pinned scheduler takes only its own host's jobs, never unpinned ones.
    const free = await job({ name: 'free' });
    await setDue(free.id, later - 1000);
    expect(await a.claimDue(hostScope('host-a'))).toEqual([]);
    const [freeRun] = await b.claimDue(clusterScope('host-b'));
    expect(await run(freeRun!)).toMatchObject({ server: 'host-b', message: null });
    for (const id of [j.id, free.id]) await t.api('DELETE', `/api/v1/jobs/${id}`);
  });

  it('fails over to the cluster-wide scheduler when no process of the host is running, and records it', async () => {
    const b = runner();
    const j = await job({ name: 'fail-over', host: 'host-a' });
    // Only one of host-a's two processes gone: still pinned.
    await raw().updateTable('servers').set({ status: 'dead' }).where('id', '=', 'host-a.0').execute();
    await setDue(j.id, later - 1000);
    expect(await b.claimDue(clusterScope('host-b'))).toEqual([]);
    // Both gone: host-b's cluster-wide scheduler claims it, once.
    await setHostStatus('host-a', 'dead');
    const claimed = await Promise.all([b.claimDue(clusterScope('host-b')), runner().claimDue(clusterScope('host-c'))]);
    expect(claimed.flat()).toHaveLength(1);
    const runId = claimed.flat()[0]!;
    const r = await run(runId);
    expect(r.server).toBe(claimed[0].length ? 'host-b' : 'host-c');
    expect(r.message).toBe(`host host-a unavailable; ran on ${r.server}`);
    // The cluster-wide scheduler steps it to the end; the note stays on the finished run.
    while (await b.advanceAll(clusterScope(r.server)));
    expect(await run(runId)).toMatchObject({ state: 'finished', server: r.server, message: r.message });
    await setHostStatus('host-a', 'running');
    await t.api('DELETE', `/api/v1/jobs/${j.id}`);
  });

  it('takes over a run under way when its host goes away; a run started without a claim gets the host that steps it', async () => {
    const a = runner();
    const b = runner();
    const j = await job({ name: 'takeover', host: 'host-a' });
    await setDue(j.id, later - 1000);
    const [runId] = await a.claimDue(hostScope('host-a'));
    expect((await run(runId!)).server).toBe('host-a');
    await setHostStatus('host-a', 'dead');
    await b.advanceAll(clusterScope('host-b'));
    expect(await run(runId!)).toMatchObject({ server: 'host-b', message: 'host host-a unavailable; ran on host-b' });
    await setHostStatus('host-a', 'running');
    // Run now: no claim, so no host until a scheduler steps it (pinned: host-a's).
    const manual = (await t.api('POST', `/api/v1/jobs/${j.id}/run`)).body.runId as number;
    expect((await run(manual)).server).toBeNull();
    await b.advanceAll(clusterScope('host-b'));
    expect((await run(manual)).server).toBeNull();
    await a.advanceAll(hostScope('host-a'));
    expect(await run(manual)).toMatchObject({ server: 'host-a', message: null });
    await t.api('DELETE', `/api/v1/jobs/${j.id}`);
  });

  it('names the per-host lease within the 64 characters of a lease name', () => {
    expect(hostLeaseName('host-a')).toBe('job-host:host-a');
    const long = `${'h'.repeat(100)}.example.org`;
    expect(hostLeaseName(long).length).toBeLessThanOrEqual(64);
    expect(hostLeaseName(long)).not.toBe(hostLeaseName(`${'h'.repeat(100)}.example.net`));
  });
});
