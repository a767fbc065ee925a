import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { firstInvalidStep, jobDraftOf, stepOfError, stepOfField, stepProblems } from './job-draft';
import { defaultStart, scheduleDraftOf, toLocalInput } from './schedule';

const now = new Date(2030, 0, 1, 10, 0).getTime();
const ready = () => ({ ...jobDraftOf(null), name: 'x', targets: [{ type: 'device' as const, id: 1 }] });

describe('job draft', () => {
  it('refuses a one-off time that has passed, but not an edited job whose stored time is left as it is', () => {
    const past = scheduleDraftOf({ startAt: new Date(now - 3600_000).toISOString() });
    expect(stepProblems('schedule', ready(), past, { now }).startAt).toMatch(/passed/);
    expect(stepProblems('schedule', ready(), past, { now, initial: past }).startAt).toBeUndefined();
    // A recurring job may start in the past.
    expect(stepProblems('schedule', ready(), { ...past, kind: 'hours', every: 2 }, { now }).startAt).toBeUndefined();
    expect(firstInvalidStep(ready(), past, 'summary', { now })).toBe('schedule');
  });

  it('starts a new job at a quarter hour at least five minutes ahead', () => {
    const start = defaultStart(new Date(2030, 0, 1, 10, 7));
    expect(toLocalInput(start)).toBe('2030-01-01T10:15');
    expect(toLocalInput(defaultStart(new Date(2030, 0, 1, 23, 58)))).toBe('2030-01-02T00:15');
  });

  it('finds the step of a field the server names', () => {
    expect(stepOfField('body.name')).toBe('command');
    expect(stepOfField('body.folderId')).toBe('command');
    expect(stepOfField('body.targets.3.id')).toBe('targets');
    expect(stepOfField('body.schedule.repeat.cron')).toBe('schedule');
    expect(stepOfField('body.options.maxThreads')).toBe('options');
    expect(stepOfField('body.host')).toBe('options');
    expect(stepOfField('body')).toBe('summary');
    expect(stepOfError(new ApiError(404, 'ROUTE_NOT_FOUND', 'x'))).toBe('summary');
  });
});
