import { describe, expect, it } from 'vitest';
import { SingletonTasks, type Leases } from './leases.js';

/** The leases table in memory, with the repository's semantics, counting statements. */
class FakeLeases implements Leases {
  readonly rows = new Map<string, { holder: string; expires_at: number }>();
  statements = { list: 0, renew: 0, tryAcquire: 0 };

  tryAcquire = async (name: string, holder: string, now: number, ttlMs: number) => {
    this.statements.tryAcquire++;
    const r = this.rows.get(name);
    if (r && r.holder !== holder && r.expires_at >= now) return false;
    this.rows.set(name, { holder, expires_at: now + ttlMs });
    return true;
  };
  release = async (name: string, holder: string) => {
    if (this.rows.get(name)?.holder === holder) this.rows.delete(name);
  };
  list = async () => {
    this.statements.list++;
    return [...this.rows].map(([name, r]) => ({ name, ...r }));
  };
  renew = async (names: readonly string[], holder: string, now: number, ttlMs: number) => {
    this.statements.renew++;
    const out = new Set<string>();
    for (const name of names) {
      const r = this.rows.get(name);
      if (r?.holder === holder) {
        r.expires_at = now + ttlMs;
        out.add(name);
      }
    }
    return out;
  };
  reset() {
    this.statements = { list: 0, renew: 0, tryAcquire: 0 };
  }
}

const TICK = 5000;
const TTL = 20_000;
const NAMES = Array.from({ length: 17 }, (_, i) => `task-${i}`);

function setup() {
  const leases = new FakeLeases();
  const clock = { t: 1_000_000, now: () => clock.t };
  const runs: Array<{ process: string; task: string }> = [];
  const make = (id: string) => {
    const s = new SingletonTasks(leases, id, clock, null, { tickMs: TICK, ttlMs: TTL });
    for (const name of NAMES) s.add({ name, intervalMs: 30_000, run: async () => void runs.push({ process: id, task: name }) });
    return s;
  };
  return { leases, clock, runs, a: make('host.0'), b: make('host.1') };
}

describe('SingletonTasks', () => {
  it('takes every free lease once, then costs a non-holder one read per tick and the holder one read and one renewal', async () => {
    const { leases, a, b, runs } = setup();
    await a.tick();
    expect(a.held()).toEqual(NAMES);
    expect(leases.statements.tryAcquire).toBe(NAMES.length);
    leases.reset();
    await b.tick();
    expect(b.held()).toEqual([]);
    expect(leases.statements).toEqual({ list: 1, renew: 0, tryAcquire: 0 });
    leases.reset();
    await a.tick();
    expect(a.held()).toEqual(NAMES);
    expect(leases.statements).toEqual({ list: 1, renew: 1, tryAcquire: 0 });
    // Each task ran once, on the holder only.
    expect(runs.filter((r) => r.process === 'host.1')).toEqual([]);
    expect(runs.map((r) => r.task).sort()).toEqual([...NAMES].sort());
  });

  it('moves the tasks of a holder that stops renewing to another process within ttl + tick', async () => {
    const { clock, a, b, runs } = setup();
    await a.tick();
    const diedAt = clock.t;
    // a is gone (no more ticks); b keeps ticking.
    while (b.held().length < NAMES.length) {
      clock.t += TICK;
      await b.tick();
      expect(clock.t - diedAt).toBeLessThanOrEqual(TTL + TICK);
    }
    expect(b.held()).toEqual(NAMES);
    expect(runs.filter((r) => r.process === 'host.1')).toHaveLength(NAMES.length);
  });

  it('loses a lease another process took meanwhile (expired while stalled) and stops running it', async () => {
    const { leases, clock, a, b } = setup();
    await a.tick();
    clock.t += TTL + 1;
    await b.tick(); // a stalled past the ttl: b takes everything
    expect(b.held()).toEqual(NAMES);
    await a.tick();
    expect(a.held()).toEqual([]);
    expect([...leases.rows.values()].every((r) => r.holder === 'host.1')).toBe(true);
  });

  it('holds nothing while the database does not answer, and takes its leases back afterwards', async () => {
    const { leases, a } = setup();
    await a.tick();
    const list = leases.list;
    leases.list = async () => {
      throw new Error('connection refused');
    };
    await a.tick();
    expect(a.held()).toEqual([]);
    leases.list = list;
    await a.tick();
    expect(a.held()).toEqual(NAMES);
  });
});
