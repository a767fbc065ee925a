import type { Logger } from './logger.js';

/**
 * Coalesces many small row updates into periodic batches: the latest patch per key wins, and
 * one transaction per flush writes them (heartbeats, presence, command states — never one
 * database write per device message).
 */
export class BatchWriter<K, P extends object> {
  private pending = new Map<K, P>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** The run that follows the one under way, for flush() calls made meanwhile. */
  private nextRun: Promise<void> | null = null;
  private started = false;
  /** Flushes happen on multiples of the interval from start(). */
  private epoch = 0;

  constructor(
    private readonly name: string,
    private readonly write: (batch: Array<[K, P]>) => Promise<void>,
    private readonly intervalMs: number,
    private readonly log: Logger | null,
    private readonly maxBatch = 1000,
    /** Runs after a batch is committed: events go out only once readers can see the change. */
    private readonly afterWrite: ((batch: Array<[K, P]>) => void) | null = null,
  ) {}

  start(): void {
    this.started = true;
    this.epoch = Date.now();
    this.arm();
  }

  update(key: K, patch: P): void {
    const prev = this.pending.get(key);
    this.pending.set(key, prev ? { ...prev, ...patch } : patch);
    this.arm();
  }

  /**
   * A timer only while something waits, so an idle process is not woken every interval (six
   * writers, two of them four times a second). Flushes stay on the interval's grid, as with
   * setInterval: a patch waits at most one interval, as before.
   */
  private arm(): void {
    if (!this.started || this.timer || this.flushing || this.pending.size === 0) return;
    const delay = this.intervalMs - ((Date.now() - this.epoch) % this.intervalMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  /** The patch waiting for `key`, if any. */
  peek(key: K): P | undefined {
    return this.pending.get(key);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Writes everything pending now. A run writes the rows that were pending when it began; rows
   * that arrive while it writes wait for the next interval. (Draining them at once turned the
   * interval into back-to-back transactions of a few rows each whenever a write was slow: seen
   * in a PostgreSQL reconnect storm as 29 presence transactions a second instead of 3.5, each
   * with its own commit.) A caller that flushes while a run is under way gets one more run
   * after it, so what was pending at its call is written when its promise resolves.
   */
  flush(): Promise<void> {
    if (!this.flushing) return this.startRun();
    // After the run under way, whether it succeeded or not (a failed one has put its rows back).
    const after = () => {
      this.nextRun = null;
      return this.flushing ?? this.startRun();
    };
    this.nextRun ??= this.flushing.then(after, after);
    return this.nextRun;
  }

  private startRun(): Promise<void> {
    const run = this.run().finally(() => {
      if (this.flushing === run) this.flushing = null;
      // What came in during the write, or a failed batch put back: the next interval writes it.
      if (!this.nextRun) this.arm();
    });
    this.flushing = run;
    return run;
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    if (this.pending.size) await this.flush();
  }

  private async run(): Promise<void> {
    // Rows pending when the run began. Taken from the front of the map: a key updated meanwhile
    // keeps its place, a key written and updated again goes to the back, for the next run.
    let left = this.pending.size;
    while (left > 0 && this.pending.size) {
      const batch: Array<[K, P]> = [];
      for (const entry of this.pending) {
        batch.push(entry);
        if (batch.length >= Math.min(this.maxBatch, left)) break;
      }
      left -= batch.length;
      for (const [k] of batch) this.pending.delete(k);
      try {
        await this.write(batch);
        this.afterWrite?.(batch);
      } catch (err) {
        // Put the batch back (newer patches win) and retry on the next tick.
        for (const [k, p] of batch) {
          const newer = this.pending.get(k);
          this.pending.set(k, newer ? { ...p, ...newer } : p);
        }
        this.log?.error({ err, writer: this.name, rows: batch.length }, 'batched write failed; will retry');
        return;
      }
    }
  }
}
