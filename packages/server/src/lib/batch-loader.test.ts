import { describe, expect, it, vi } from 'vitest';
import { BatchLoader } from './batch-loader.js';

describe('BatchLoader', () => {
  const setup = (maxBatch = 500, fail: (keys: number[]) => boolean = () => false) => {
    const calls: number[][] = [];
    const loader = new BatchLoader<number, string>(async (keys) => {
      calls.push(keys);
      if (fail(keys)) throw new Error('database down');
      return new Map(keys.filter((k) => k % 2 === 0).map((k) => [k, `v${k}`]));
    }, maxBatch);
    return { loader, calls };
  };

  it('answers the lookups of one turn with one call, each key once', async () => {
    const { loader, calls } = setup();
    const answers = await Promise.all([loader.load(2), loader.load(3), loader.load(2), loader.load(4)]);
    expect(answers).toEqual(['v2', undefined, 'v2', 'v4']);
    expect(calls).toEqual([[2, 3, 4]]);
  });

  it('starts a new batch for lookups made after the previous one went out', async () => {
    const { loader, calls } = setup();
    expect(await loader.load(2)).toBe('v2');
    expect(await loader.load(6)).toBe('v6');
    expect(calls).toEqual([[2], [6]]);
  });

  it('splits a large batch into chunks of at most maxBatch keys', async () => {
    const { loader, calls } = setup(2);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((k) => loader.load(k)));
    expect(answers).toEqual([undefined, 'v2', undefined, 'v4', undefined]);
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects only the lookups of the chunk whose query failed', async () => {
    const { loader } = setup(2, (keys) => keys.includes(3));
    const settled = await Promise.allSettled([1, 2, 3, 4, 6].map((k) => loader.load(k)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toEqual(new Error('database down'));
  });

  it('rejects the lookups, not the process, when the loader throws before returning a promise', async () => {
    const loader = new BatchLoader<number, string>(() => {
      throw new Error('not connected');
    });
    await expect(loader.load(1)).rejects.toThrow('not connected');
  });

  it('collects the lookups made while a query is under way and sends them together when it returns', async () => {
    const calls: number[][] = [];
    const gates: Array<() => void> = [];
    const loader = new BatchLoader<number, string>(async (keys) => {
      calls.push(keys);
      await new Promise<void>((r) => gates.push(r));
      return new Map(keys.map((k) => [k, `v${k}`]));
    });
    const first = loader.load(1);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[1]]);
    const later = [loader.load(2)];
    await new Promise((r) => setImmediate(r));
    later.push(loader.load(3));
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[1]]); // 2 and 3 wait behind the query under way
    gates.shift()!();
    expect(await first).toBe('v1');
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[1], [2, 3]]);
    gates.shift()!();
    expect(await Promise.all(later)).toEqual(['v2', 'v3']);
  });

  it('does not wait long behind a query that hangs', async () => {
    vi.useFakeTimers();
    try {
      const calls: number[][] = [];
      const loader = new BatchLoader<number, string>(async (keys) => {
        calls.push(keys);
        if (keys.includes(1)) await new Promise(() => {}); // never answers
        return new Map(keys.map((k) => [k, `v${k}`]));
      });
      void loader.load(1);
      await vi.advanceTimersByTimeAsync(0);
      const second = loader.load(2);
      await vi.advanceTimersByTimeAsync(249);
      expect(calls).toEqual([[1]]);
      await vi.advanceTimersByTimeAsync(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toEqual([[1], [2]]);
      expect(await second).toBe('v2');
    } finally {
      vi.useRealTimers();
    }
  });

  describe('with a pace', () => {
    const paced = (paceMs: number, maxBatch = 500) => {
      const calls: Array<{ keys: number[]; at: number }> = [];
      const t0 = performance.now();
      const loader = new BatchLoader<number, string>(
        async (keys) => {
          calls.push({ keys, at: performance.now() - t0 });
          return new Map(keys.map((k) => [k, `v${k}`]));
        },
        maxBatch,
        paceMs,
      );
      return { loader, calls };
    };
    const turn = () => new Promise((r) => setImmediate(r));

    it('sends a lone lookup at once and holds the next ones until the pace has passed, then together', async () => {
      const { loader, calls } = paced(80);
      expect(await loader.load(1)).toBe('v1');
      expect(calls[0]!.at).toBeLessThan(40);
      const later = [loader.load(2)];
      await turn();
      later.push(loader.load(3));
      await turn();
      later.push(loader.load(2));
      expect(calls).toHaveLength(1); // within the pace: they wait
      expect(await Promise.all(later)).toEqual(['v2', 'v3', 'v2']);
      expect(calls.map((c) => c.keys)).toEqual([[1], [2, 3]]);
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(75);
    });

    it('sends a full batch without waiting out the pace', async () => {
      const { loader, calls } = paced(10_000, 3);
      await loader.load(1);
      const started = performance.now();
      const answers = await Promise.all([loader.load(2), loader.load(3), loader.load(4)]);
      expect(answers).toEqual(['v2', 'v3', 'v4']);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(calls.map((c) => c.keys)).toEqual([[1], [2, 3, 4]]);
    });

    it('does not hold a lookup made after a quiet spell longer than the pace', async () => {
      const { loader, calls } = paced(50);
      await loader.load(1);
      await new Promise((r) => setTimeout(r, 70));
      const asked = performance.now();
      await loader.load(2);
      expect(performance.now() - asked).toBeLessThan(30);
      expect(calls.map((c) => c.keys)).toEqual([[1], [2]]);
    });
  });
});
