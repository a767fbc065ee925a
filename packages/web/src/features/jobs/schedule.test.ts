import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { sameSchedule, scheduleDraftOf, scheduleOf, scheduleProblems, scheduleSummary, serverFieldError } from './schedule';

describe('schedule draft', () => {
  it('round-trips every repeat form', () => {
    const startAt = '2026-12-15T01:30:00.000Z';
    for (const repeat of [
      null,
      { everyMinutes: 15 },
      { everyHours: 2 },
      { everyDays: 1 },
      { weekdays: ['mon', 'fri'] as ('mon' | 'fri')[], time: '02:30', timeZone: 'Europe/Berlin' },
      { cron: '30 2 * * 1-5', timeZone: 'UTC' },
    ]) {
      expect(scheduleOf(scheduleDraftOf({ startAt, repeat }))).toEqual({ startAt, repeat });
    }
  });

  it('tells an unchanged schedule from a changed one (fields of other repeat forms do not count)', () => {
    const stored = scheduleDraftOf({ startAt: '2026-12-15T01:30:00.000Z', repeat: { everyHours: 2 } });
    expect(sameSchedule({ ...stored, cron: '1 2 3 4 5' }, stored)).toBe(true);
    expect(sameSchedule({ ...stored, every: 3 }, stored)).toBe(false);
    expect(sameSchedule({ ...stored, kind: 'none' }, stored)).toBe(false);
  });

  it('starts a new schedule at a quarter hour at least five minutes ahead, not now (a one-off time must not pass while the form is filled in)', () => {
    const before = Date.now();
    const start = new Date(scheduleDraftOf().startAt).getTime();
    expect(start).toBeGreaterThanOrEqual(before + 5 * 60_000 - 60_000);
    expect(start).toBeLessThanOrEqual(before + 20 * 60_000);
    expect(new Date(start).getMinutes() % 15).toBe(0);
  });

  it('names what is missing before asking the server', () => {
    const d = scheduleDraftOf();
    expect(scheduleProblems(d)).toEqual({});
    expect(scheduleProblems({ ...d, startAt: '' }).startAt).toBeDefined();
    expect(scheduleProblems({ ...d, kind: 'hours', every: 0 }).every).toBeDefined();
    expect(scheduleProblems({ ...d, kind: 'weekdays', weekdays: [] }).weekdays).toBeDefined();
    expect(scheduleProblems({ ...d, kind: 'cron', cron: ' ' }).cron).toBeDefined();
  });

  it('summarises a schedule in one line', () => {
    expect(scheduleSummary({ startAt: '2026-12-15T01:30:00Z', repeat: { everyHours: 2 } })).toMatch(/^Every 2 h from /);
    expect(scheduleSummary({ startAt: '2026-12-15T01:30:00Z', repeat: { weekdays: ['mon', 'tue'], time: '02:00' } })).toBe(
      'Mon, Tue at 02:00 (UTC)',
    );
    expect(scheduleSummary({ startAt: '2026-12-15T01:30:00Z', repeat: null })).toMatch(/^Once at /);
  });
});

describe('serverFieldError', () => {
  const error = new ApiError(400, 'VALIDATION_FAILED', 'body.options.directory: /x is not a writable directory', {
    field: 'body.options.directory',
  });
  it('shows the message at the field it names (or one above it), without the field path', () => {
    expect(serverFieldError(error, 'body.options.directory')).toBe('/x is not a writable directory');
    expect(serverFieldError(error, 'body.options')).toBe('/x is not a writable directory');
    expect(serverFieldError(error, 'body.name')).toBeUndefined();
    expect(serverFieldError(new Error('x'), 'body.name')).toBeUndefined();
    const cron = new ApiError(400, 'VALIDATION_FAILED', 'body.schedule.repeat.cron is not a valid cron expression: minute 61', {
      field: 'body.schedule.repeat.cron',
    });
    expect(serverFieldError(cron, 'body.schedule.repeat')).toBe('This value is not a valid cron expression: minute 61');
  });
});
