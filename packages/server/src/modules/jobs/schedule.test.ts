import { describe, expect, it } from 'vitest';
import { checkRepeat, occurrenceFrom } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('job schedules', () => {
  it('a one-off job occurs at its start, and not after it', () => {
    const start = at('2026-12-10T08:00:00Z');
    expect(iso(occurrenceFrom(start, null, at('2026-12-01T00:00:00Z')))).toBe('2026-12-10T08:00:00.000Z');
    expect(occurrenceFrom(start, null, start + 1)).toBeNull();
  });

  it('intervals count from the start, never before it', () => {
    const start = at('2026-12-10T08:00:00Z');
    expect(iso(occurrenceFrom(start, { everyMinutes: 15 }, at('2026-12-01T00:00:00Z')))).toBe('2026-12-10T08:00:00.000Z');
    expect(iso(occurrenceFrom(start, { everyMinutes: 15 }, at('2026-12-10T08:00:01Z')))).toBe('2026-12-10T08:15:00.000Z');
    expect(iso(occurrenceFrom(start, { everyHours: 6 }, at('2026-12-11T03:00:00Z')))).toBe('2026-12-11T08:00:00.000Z');
    expect(iso(occurrenceFrom(start, { everyDays: 2 }, at('2026-12-11T09:00:00Z')))).toBe('2026-12-12T08:00:00.000Z');
  });

  it('weekdays at a wall-clock time follow the time zone across daylight saving', () => {
    const start = at('2026-03-01T00:00:00Z');
    const repeat = { weekdays: ['mon' as const], time: '02:30', timeZone: 'Europe/Berlin' };
    // Monday 23 March 2026 is CET (UTC+1), Monday 30 March CEST (UTC+2).
    expect(iso(occurrenceFrom(start, repeat, at('2026-03-22T12:00:00Z')))).toBe('2026-03-23T01:30:00.000Z');
    expect(iso(occurrenceFrom(start, repeat, at('2026-03-24T00:00:00Z')))).toBe('2026-03-30T00:30:00.000Z');
  });

  it('cron expressions with a time zone; at or after `from`', () => {
    const start = at('2026-01-01T00:00:00Z');
    const repeat = { cron: '0 9 * * 1-5', timeZone: 'America/New_York' };
    // Friday 11 December 2026 09:00 EST = 14:00 UTC; the next after it is Monday the 14th.
    expect(iso(occurrenceFrom(start, repeat, at('2026-12-11T14:00:00Z')))).toBe('2026-12-11T14:00:00.000Z');
    expect(iso(occurrenceFrom(start, repeat, at('2026-12-11T14:00:01Z')))).toBe('2026-12-14T14:00:00.000Z');
  });

  it('refuses invalid cron expressions and time zones naming the field', () => {
    const field = (f: () => void) => {
      try {
        f();
      } catch (err) {
        return (err as { details?: { field?: string } }).details?.field;
      }
      return 'accepted';
    };
    expect(field(() => checkRepeat({ cron: '61 * * * *' }))).toBe('body.schedule.repeat.cron');
    expect(field(() => checkRepeat({ cron: 'every day' }))).toBe('body.schedule.repeat.cron');
    expect(field(() => checkRepeat({ cron: '0 2 * * *', timeZone: 'Europe/Atlantis' }))).toBe('body.schedule.repeat.timeZone');
    expect(field(() => checkRepeat({ weekdays: ['sun'], time: '23:59', timeZone: 'Asia/Tokyo' }))).toBe('accepted');
  });
});
