import type { Clock } from '../../lib/clock.js';

interface Entry {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

export interface LimiterOptions {
  /** Failures allowed per key inside the window before blocking. */
  maxFailures: number;
  windowMs: number;
  /** First block; doubles on each further block of the same key, up to maxBlockMs. */
  blockMs: number;
  maxBlockMs: number;
  /** Bound on tracked keys, so a spray of addresses cannot grow memory without limit. */
  maxKeys: number;
}

export const DEFAULT_LIMITS: LimiterOptions = {
  maxFailures: 5,
  windowMs: 5 * 60_000,
  blockMs: 60_000,
  maxBlockMs: 30 * 60_000,
  maxKeys: 50_000,
};

/**
 * Counts failed logins per key (client address, user name) and blocks a key for a growing
 * time after too many. In memory: each server process limits on its own.
 */
export class LoginLimiter {
  private readonly entries = new Map<string, Entry & { blocks: number }>();
  constructor(
    private readonly clock: Clock,
    private readonly opts: LimiterOptions = DEFAULT_LIMITS,
  ) {}

  /** Milliseconds until the key may try again, or 0. */
  retryAfter(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.blockedUntil - this.clock.now());
  }

  fail(key: string): void {
    const now = this.clock.now();
    let e = this.entries.get(key);
    if (!e || now - e.windowStart > this.opts.windowMs) {
      const blocks = e?.blocks ?? 0;
      e = { failures: 0, windowStart: now, blockedUntil: e?.blockedUntil ?? 0, blocks };
    }
    e.failures += 1;
    if (e.failures >= this.opts.maxFailures) {
      e.blockedUntil = now + Math.min(this.opts.blockMs * 2 ** e.blocks, this.opts.maxBlockMs);
      e.blocks += 1;
      e.failures = 0;
      e.windowStart = now;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > this.opts.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }
}
