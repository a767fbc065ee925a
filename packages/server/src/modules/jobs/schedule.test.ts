import { describe, expect, it } from 'vitest';
import { checkRepeat, occurrenceFrom, occurrencesBetween } from './schedule.js';

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

  it('lists the occurrences in a window for the calendar, as occurrenceFrom steps them', () => {
    const start = at('2026-03-01T00:00:00Z');
    const all = (repeat: Parameters<typeof occurrencesBetween>[1], from: string, to: string, max = 100) =>
      occurrencesBetween(start, repeat, at(from), at(to), max).map((t) => iso(t));
    expect(all(null, '2026-02-01T00:00:00Z', '2026-03-02T00:00:00Z')).toEqual(['2026-03-01T00:00:00.000Z']);
    expect(all(null, '2026-03-01T00:00:01Z', '2026-03-02T00:00:00Z')).toEqual([]);
    // Never before the start; the window's end is excluded.
    expect(all({ everyHours: 12 }, '2026-02-27T00:00:00Z', '2026-03-02T12:00:00Z')).toEqual([
      '2026-03-01T00:00:00.000Z',
      '2026-03-01T12:00:00.000Z',
      '2026-03-02T00:00:00.000Z',
    ]);
    // Across the switch to summer time in Berlin (29 March): 02:30 local stays 02:30 local.
    const mondays = { weekdays: ['mon' as const], time: '02:30', timeZone: 'Europe/Berlin' };
    expect(all(mondays, '2026-03-20T00:00:00Z', '2026-04-07T00:00:00Z')).toEqual([
      '2026-03-23T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-04-06T00:30:00.000Z',
    ]);
    const cron = { cron: '*/10 * * * *' };
    const window = occurrencesBetween(start, cron, at('2026-03-05T00:00:00Z'), at('2026-03-05T01:00:00Z'), 100);
    expect(window).toHaveLength(6);
    for (const [i, t] of window.entries())
      expect(occurrenceFrom(start, cron, i === 0 ? at('2026-03-05T00:00:00Z') : window[i - 1]! + 1)).toBe(t);
    // At most `max`.
    expect(occurrencesBetween(start, { everyMinutes: 1 }, start, start + 86_400_000, 5)).toHaveLength(5);
  });
});
