import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchWriter } from './batch-writer.js';

describe('BatchWriter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  const setup = (fail = false) => {
    const writes: Array<Array<[number, { v: number }]>> = [];
    const state = { fail };
    const w = new BatchWriter<number, { v: number }>(
      'test',
      async (batch) => {
        if (state.fail) throw new Error('database down');
        writes.push(batch);
      },
      250,
      null,
    );
    return { w, writes, state };
  };

  /** A writer whose every write hangs until release() is called; writes records the keys. */
  const slowWriter = () => {
    const writes: number[][] = [];
    const gates: Array<() => void> = [];
    const w = new BatchWriter<number, { v: number }>(
      'slow',
      async (batch) => {
        writes.push(batch.map(([k]) => k));
        await new Promise<void>((r) => gates.push(r));
      },
      250,
      null,
    );
    return { w, writes, release: () => gates.shift()!() };
  };

  it('keeps no timer while nothing waits, so an idle process is not woken', async () => {
    const { w, writes } = setup();
    w.start();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toEqual([]);
    w.update(1, { v: 1 });
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(writes).toEqual([[[1, { v: 1 }]]]);
    expect(vi.getTimerCount()).toBe(0);
    await w.stop();
  });

  it('writes on the interval grid from start: a patch waits at most one interval, the latest per key wins', async () => {
    const { w, writes } = setup();
    w.start();
    await vi.advanceTimersByTimeAsync(100);
    w.update(1, { v: 1 });
    w.update(1, { v: 2 });
    w.update(2, { v: 3 });
    await vi.advanceTimersByTimeAsync(149);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1); // 250 ms after start, 150 ms after the first update
    expect(writes).toEqual([
      [
        [1, { v: 2 }],
        [2, { v: 3 }],
      ],
    ]);
    await w.stop();
  });

  it('retries a failed batch at the next interval, and stop() writes what is left', async () => {
    const { w, writes, state } = setup(true);
    w.start();
    w.update(1, { v: 1 });
    await vi.advanceTimersByTimeAsync(250);
    expect(writes).toEqual([]);
    expect(w.size).toBe(1);
    state.fail = false;
    await vi.advanceTimersByTimeAsync(250);
    expect(writes).toEqual([[[1, { v: 1 }]]]);
    w.update(2, { v: 2 });
    await w.stop();
    expect(writes).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves rows that arrive during a slow write for the next interval, not a run right after it', async () => {
    const { w, writes, release } = slowWriter();
    w.start();
    w.update(1, { v: 1 });
    await vi.advanceTimersByTimeAsync(250); // the first write starts and hangs
    expect(writes).toEqual([[1]]);
    w.update(2, { v: 2 });
    w.update(3, { v: 3 });
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([[1]]); // not drained at once: a batch per interval
    await vi.advanceTimersByTimeAsync(250);
    expect(writes).toEqual([[1], [2, 3]]);
    release();
    await w.stop();
  });

  it('flush() during a run resolves once what was pending at its call is written', async () => {
    const { w, writes, release } = slowWriter();
    w.start();
    w.update(1, { v: 1 });
    const first = w.flush();
    w.update(2, { v: 2 });
    let done = false;
    const second = w.flush().then(() => (done = true));
    expect(w.flush()).toBe(w.flush()); // callers during one run share the run after it
    release();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([[1], [2]]);
    expect(done).toBe(false);
    release();
    await second;
    expect(w.size).toBe(0);
    await w.stop();
  });
});
