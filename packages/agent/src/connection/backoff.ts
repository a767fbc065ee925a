export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** A connection that stayed up longer than this resets the attempt counter. */
  resetAfterMs?: number;
  random?: () => number;
}

/**
 * Exponential backoff with FULL jitter: sleep = random(0, min(cap, base * 2^attempt)).
 * Full jitter spreads a fleet that lost the server at the same instant over the whole window.
 */
export class Backoff {
  private attempt = 0;
  readonly baseMs: number;
  readonly capMs: number;
  readonly resetAfterMs: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 1000;
    this.capMs = opts.capMs ?? 300_000;
    this.resetAfterMs = opts.resetAfterMs ?? 60_000;
    this.random = opts.random ?? Math.random;
  }

  get attempts(): number {
    return this.attempt;
  }

  /** Upper bound of the next delay. */
  ceiling(): number {
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 40));
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceiling());
    this.attempt++;
    return delay;
  }

  /** A connection ended after being up `upMs` (0 when it never came up). */
  connectionEnded(upMs: number): void {
    if (upMs > this.resetAfterMs) this.attempt = 0;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** "Come back in N seconds" from a busy server, plus full jitter over another N seconds. */
export function retryAfterDelay(retryAfterSeconds: number, random: () => number = Math.random): number {
  const ms = Math.max(0, retryAfterSeconds) * 1000;
  return Math.floor(ms + random() * Math.max(ms, 1000));
}
