import { describe, expect, it } from 'vitest';
import { CommLogRecorder, type CommLogWriter } from './comm-log-recorder.js';
import type { CommLogInsert } from './device-comm-log.tables.js';

function writer() {
  const calls: Array<{ rows: CommLogInsert[]; prune: number[]; keep: number }> = [];
  const w: CommLogWriter = { writeEntries: async (rows, prune, keep) => void calls.push({ rows, prune: [...prune], keep }) };
  return { w, calls };
}
const clock = { now: () => 1_000 };

describe('device communication log recorder', () => {
  it('queues nothing for a device whose log is off, and keeps payloads only when asked', async () => {
    const { w, calls } = writer();
    const r = new CommLogRecorder(w, clock, null, { flushMs: 60_000 });
    r.record(1, 'in', 'hello', 10, { t: 'hello', password: 'p' });
    await r.flush();
    expect(calls).toEqual([]);
    r.apply(1, true);
    r.apply(2, false);
    r.record(1, 'in', 'hello', 10, { t: 'hello', password: 'p' });
    r.record(2, 'out', 'welcome', 20, { t: 'welcome' });
    r.record(3, 'out', 'welcome', 20, { t: 'welcome' });
    await r.flush();
    expect(calls[0]!.rows).toEqual([
      { device_id: 1, at: 1000, direction: 'in', type: 'hello', size: 10, payload: '{"t":"hello","password":"***"}', truncated: 0 },
      { device_id: 2, at: 1000, direction: 'out', type: 'welcome', size: 20, payload: null, truncated: 0 },
    ]);
  });

  it('cuts a device down at its first batch, then every pruneEvery entries', async () => {
    const { w, calls } = writer();
    const r = new CommLogRecorder(w, clock, null, { flushMs: 60_000, maxEntries: 100, pruneEvery: 3 });
    r.replaceAll([{ deviceId: 1, payload: false }]);
    const batch = async (n: number) => {
      for (let i = 0; i < n; i++) r.record(1, 'in', 'heartbeat', 5, {});
      await r.flush();
      return calls.at(-1)!.prune;
    };
    expect(await batch(1)).toEqual([1]);
    expect(await batch(1)).toEqual([]);
    expect(await batch(1)).toEqual([]);
    expect(await batch(1)).toEqual([1]);
    expect(await batch(5)).toEqual([1]);
    expect(calls.at(-1)!.keep).toBe(100);
  });

  it('drops entries past the pending limit instead of growing without bound', async () => {
    const { w, calls } = writer();
    const r = new CommLogRecorder(w, clock, null, { flushMs: 60_000, maxPending: 2 });
    r.apply(1, false);
    for (let i = 0; i < 5; i++) r.record(1, 'in', 'heartbeat', 5, {});
    expect(r.dropped).toBe(3);
    await r.flush();
    expect(calls[0]!.rows).toHaveLength(2);
    r.replaceAll([]);
    expect(r.on.size).toBe(0);
  });
});
