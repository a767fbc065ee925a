import { describe, expect, it } from 'vitest';
import { groupByDay } from './calendar-days';

const local = (day: number, h: number, m = 0) => new Date(2030, 0, day, h, m);

describe('calendar days', () => {
  it('puts each planned run on its local day in time order, one line per job and day, and leaves out runs outside the week', () => {
    const start = new Date(2030, 0, 1);
    const days = groupByDay(
      [
        { jobId: 2, name: 'late', at: local(1, 23, 30).toISOString() },
        { jobId: 1, name: 'early', at: local(1, 1).getTime() },
        { jobId: 1, name: 'early', at: local(1, 13).toISOString() },
        { jobId: 3, name: 'next day', at: local(2, 0, 5).toISOString() },
        { jobId: 4, name: 'after the week', at: local(8, 0, 1).toISOString() },
        { jobId: 5, name: 'bad', at: 'not a date' },
      ],
      start,
      7,
    );
    expect(days).toHaveLength(7);
    expect(days[0]!.lines.map((l) => [l.name, l.times.map((t) => t.getHours())])).toEqual([
      ['early', [1, 13]],
      ['late', [23]],
    ]);
    expect(days[1]!.lines.map((l) => l.name)).toEqual(['next day']);
    expect(days.slice(2).every((d) => d.lines.length === 0)).toBe(true);
  });
});
