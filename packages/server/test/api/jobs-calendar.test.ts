import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@openums/protocol';
import { occurrenceFrom } from '../../src/modules/jobs/schedule.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The job calendar (docs/jobs.md#calendar) on both databases: enabled jobs' planned runs in a
 * window (default the next 7 days, at most 31), by time, at most 1,000 (truncated beyond), from
 * the scheduler's own schedule code.
 */
describe.each(DIALECTS)('job calendar (%s)', (dialect) => {
  let t: TestApp;
  let deviceId = 0;
  let now = 0;
  const ids: Record<string, number> = {};
  const job = async (name: string, schedule: Record<string, unknown>, enabled = true) => {
    const r = await t.api('POST', '/api/v1/jobs', {
      name,
      command: 'reboot',
      targets: [{ type: 'device', id: deviceId }],
      schedule,
      enabled,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as number;
  };
  const calendar = async (q = '') => {
    const r = await t.api('GET', `/api/v1/jobs/calendar${q}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { items: Array<{ jobId: number; name: string; at: number }>; truncated: boolean };
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    now = t.clock.now(); // 2026-11-27 12:00 UTC
    deviceId = (await t.api('POST', '/api/v1/devices', { mac: '02AABB000021' })).body.id;
    ids.sixHourly = await job('six-hourly', { startAt: iso(now + HOUR), repeat: { everyHours: 6 } });
    ids.berlin = await job('berlin 09:00', { startAt: iso(now), repeat: { cron: '0 9 * * *', timeZone: 'Europe/Berlin' } });
    ids.once = await job('once', { startAt: iso(now + 2 * DAY) });
    ids.weekdays = await job('mon+fri', { startAt: iso(now), repeat: { weekdays: ['mon', 'fri'], time: '02:30' } });
    ids.disabled = await job('disabled', { startAt: iso(now), repeat: { everyHours: 1 } }, false);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the next 7 days of enabled jobs by time, as the scheduler computes them', async () => {
    const c = await calendar();
    expect(c.truncated).toBe(false);
    const of = (id: number) => c.items.filter((i) => i.jobId === id).map((i) => i.at);
    // Every 6 h from 13:00: 28 in 7 days.
    expect(of(ids.sixHourly!)).toHaveLength(28);
    expect(of(ids.sixHourly!)[0]).toBe(now + HOUR);
    // 09:00 in Berlin is 08:00 UTC in winter: Nov 28 … Dec 4.
    expect(of(ids.berlin!)).toEqual([28, 29, 30, 31, 32, 33, 34].map((d) => Date.UTC(2026, 10, d, 8)));
    expect(of(ids.once!)).toEqual([now + 2 * DAY]);
    // Friday Nov 27 02:30 has passed: Mon Nov 30, Fri Dec 4.
    expect(of(ids.weekdays!)).toEqual([Date.UTC(2026, 10, 30, 2, 30), Date.UTC(2026, 11, 4, 2, 30)]);
    expect(of(ids.disabled!)).toEqual([]);
    expect(c.items).toHaveLength(28 + 7 + 1 + 2);
    // In time order, each entry named, and each job's first entry is its next run.
    expect(c.items.map((i) => i.at)).toEqual([...c.items.map((i) => i.at)].sort((a, b) => a - b));
    expect(c.items.find((i) => i.jobId === ids.berlin)!.name).toBe('berlin 09:00');
    for (const id of [ids.sixHourly, ids.berlin, ids.weekdays, ids.once]) {
      const nextRunAt = Date.parse((await t.api('GET', `/api/v1/jobs/${id}`)).body.nextRunAt);
      expect(of(id!)[0]).toBe(nextRunAt);
    }
    expect(occurrenceFrom(now, { cron: '0 9 * * *', timeZone: 'Europe/Berlin' }, now)).toBe(of(ids.berlin!)[0]);
  });

  it('takes a window of at most 31 days; refuses a longer or reversed one naming querystring.to', async () => {
    const from = Date.UTC(2026, 11, 1);
    const c = await calendar(`?from=${from}&to=${from + DAY}`);
    expect(c.items.map((i) => i.name)).toEqual(['six-hourly', 'six-hourly', 'berlin 09:00', 'six-hourly', 'six-hourly']);
    expect(c.items.every((i) => i.at >= from && i.at < from + DAY)).toBe(true);
    expect((await calendar(`?from=${from}&to=${from + 31 * DAY}`)).items.length).toBeGreaterThan(100);
    // From alone: 7 days from there.
    expect((await calendar(`?from=${from + 30 * DAY}`)).items.some((i) => i.at > from + 36 * DAY)).toBe(true);
    for (const q of [`?from=${from}&to=${from + 31 * DAY + 1}`, `?from=${from}&to=${from - 1}`, `?to=${now + 40 * DAY}`]) {
      const r = await t.api('GET', `/api/v1/jobs/calendar${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error).toMatchObject({ code: ErrorCode.ValidationFailed, details: { field: 'querystring.to' } });
    }
    for (const q of ['?from=-1', '?from=abc', '?to=1e400']) expect((await t.api('GET', `/api/v1/jobs/calendar${q}`)).status, q).toBe(400);
    // Not taken for a job id.
    expect((await t.api('GET', '/api/v1/jobs/calendar')).status).toBe(200);
  });

  it('stops at 1,000 entries, the earliest, and says it truncated', async () => {
    const minutely = await job('minutely', { startAt: iso(now), repeat: { everyMinutes: 1 } });
    const c = await calendar();
    expect(c.truncated).toBe(true);
    expect(c.items).toHaveLength(1000);
    const minutes = c.items.filter((i) => i.jobId === minutely);
    // The first 1,000 in time: the minutely job's every minute, plus the others within those ~16 hours.
    expect(minutes[0]!.at).toBe(now);
    const last = c.items[c.items.length - 1]!.at;
    expect(c.items.filter((i) => i.jobId !== minutely).every((i) => i.at <= last)).toBe(true);
    expect(minutes.length + c.items.filter((i) => i.jobId !== minutely).length).toBe(1000);
    expect(c.items.filter((i) => i.jobId === ids.sixHourly).map((i) => i.at)).toEqual(
      [1, 7, 13].map((h) => now + h * HOUR).filter((at) => at <= last),
    );
    // Disabled, it leaves the calendar.
    expect((await t.api('PATCH', `/api/v1/jobs/${minutely}`, { enabled: false })).status).toBe(200);
    expect((await calendar()).truncated).toBe(false);
  });
});
