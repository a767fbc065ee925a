import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const PW = 'a long enough password 1';

/**
 * A run's device list shown to an administrator with the jobs right but browse on only some of
 * the devices (docs/jobs.md#rights), on both databases: rows of devices the caller may not
 * browse (or that no longer exist) are left out; the run's counts stay totals.
 */
describe.each(DIALECTS)('job run devices filtered by browse (%s)', (dialect) => {
  let t: TestApp;
  let ann = '';
  let runId = 0;
  const ids: Record<string, number> = {};
  const as = async (token: string, url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, body: res.json() };
  };
  const ok = async (p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body;
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    ids.mine = (await ok(t.api('POST', '/api/v1/device-folders', { name: 'Mine' }))).id;
    ids.sub = (await ok(t.api('POST', '/api/v1/device-folders', { name: 'Mine-sub', parentId: ids.mine }))).id;
    ids.secret = (await ok(t.api('POST', '/api/v1/device-folders', { name: 'Secret' }))).id;
    ids.devMine = (await ok(t.api('POST', '/api/v1/devices', { mac: '02AABB000041', folderId: ids.mine }))).id;
    ids.devSub = (await ok(t.api('POST', '/api/v1/devices', { mac: '02AABB000042', folderId: ids.sub }))).id;
    ids.devSecret = (await ok(t.api('POST', '/api/v1/devices', { mac: '02AABB000043', folderId: ids.secret }))).id;
    ids.devTop = (await ok(t.api('POST', '/api/v1/devices', { mac: '02AABB000044' }))).id;
    ids.devGone = (await ok(t.api('POST', '/api/v1/devices', { mac: '02AABB000045', folderId: ids.mine }))).id;
    const admin = (await ok(t.api('POST', '/api/v1/admins', { username: 'ann', password: PW, superuser: false, generalRights: ['jobs'] })))
      .id;
    ann = (await ok(t.api('POST', `/api/v1/admins/${admin}/tokens`, { name: 'runs' }))).token;
    await ok(
      t.api('PUT', `/api/v1/device-folders/${ids.mine}/access`, {
        entries: [{ principal: { type: 'admin', id: admin }, rights: { browse: 'allow' } }],
      }),
    );
    const devices = [ids.devMine, ids.devSub, ids.devSecret, ids.devTop, ids.devGone];
    const job = await ok(
      t.api('POST', '/api/v1/jobs', {
        name: 'mixed',
        command: 'reboot',
        targets: devices.map((id) => ({ type: 'device', id })),
        schedule: { startAt: new Date(t.clock.now() + 3_600_000).toISOString() },
        enabled: false,
      }),
    );
    // A run with one row per device, as the executor leaves them (the states differ so the filter can be combined).
    const now = t.clock.now();
    const raw = t.database.db as any;
    const run = await raw
      .insertInto('job_runs')
      .values({
        job_id: job.id,
        trigger: 'manual',
        state: 'finished',
        command: 'reboot',
        options_json: '{}',
        planned_at: now,
        started_at: now,
        expires_at: now + 60_000,
        finished_at: now,
        resolved: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    runId = Number(run.id);
    await raw
      .insertInto('job_run_devices')
      .values(devices.map((id, i) => ({ run_id: runId, device_id: id, state: i % 2 ? 'failed' : 'succeeded', deferred: 0 })))
      .execute();
    expect((await t.api('DELETE', `/api/v1/devices/${ids.devGone}`)).status).toBeLessThan(300);
  });
  afterAll(async () => {
    await t?.close();
  });

  const deviceIds = (body: { items: Array<{ deviceId: number }> }) => body.items.map((i) => i.deviceId);

  it('leaves out devices the caller may not browse; the counts stay totals', async () => {
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const all = await ok(t.api('GET', `/api/v1/job-runs/${runId}/devices`));
    expect(deviceIds(all)).toEqual(sorted([ids.devMine!, ids.devSub!, ids.devSecret!, ids.devTop!, ids.devGone!]));
    const hers = await as(ann, `/api/v1/job-runs/${runId}/devices`);
    expect(hers.status).toBe(200);
    // Browse on Mine reaches its sub-folder; not the secret folder, the top level or a deleted device.
    expect(deviceIds(hers.body)).toEqual(sorted([ids.devMine!, ids.devSub!]));
    // With a state filter and pages of one.
    const failed = await as(ann, `/api/v1/job-runs/${runId}/devices?state=failed`);
    expect(deviceIds(failed.body)).toEqual([ids.devSub]);
    const first = await as(ann, `/api/v1/job-runs/${runId}/devices?limit=1`);
    expect(deviceIds(first.body)).toEqual([Math.min(ids.devMine!, ids.devSub!)]);
    const second = await as(ann, `/api/v1/job-runs/${runId}/devices?limit=1&cursor=${first.body.nextCursor}`);
    expect(deviceIds(second.body)).toEqual([Math.max(ids.devMine!, ids.devSub!)]);
    expect(
      second.body.nextCursor === null ||
        deviceIds((await as(ann, `/api/v1/job-runs/${runId}/devices?limit=1&cursor=${second.body.nextCursor}`)).body).length === 0,
    ).toBe(true);
    // The run and the job's run list: totals of every device.
    const r = await as(ann, `/api/v1/job-runs/${runId}`);
    expect(r.body).toMatchObject({ total: 5, counts: { succeeded: 3, failed: 2 } });
    // Without browse anywhere: an empty list.
    await ok(t.api('PUT', `/api/v1/device-folders/${ids.mine}/access`, { entries: [] }));
    expect(deviceIds((await as(ann, `/api/v1/job-runs/${runId}/devices`)).body)).toEqual([]);
  });
});
