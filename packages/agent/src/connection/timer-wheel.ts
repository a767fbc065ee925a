/** A scheduled callback; cancel() is idempotent. */
export interface WheelTimer {
  cancel(): void;
}

interface Entry extends WheelTimer {
  slot: number;
  fn: () => void;
  live: boolean;
}

/**
 * One interval for thousands of timers (heartbeats, reconnect delays, welcome timeouts of all
 * virtual devices): entries sit in a map keyed by tick number. Resolution is one tick. The
 * interval runs only while something is scheduled, so an idle wheel never keeps the process alive.
 */
export class TimerWheel {
  private readonly slots = new Map<number, Set<Entry>>();
  private last: number;
  private timer: NodeJS.Timeout | null = null;
  private count = 0;

  constructor(
    private readonly tickMs = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.last = Math.floor(this.now() / tickMs);
  }

  get size(): number {
    return this.count;
  }

  schedule(delayMs: number, fn: () => void): WheelTimer {
    // An idle wheel's `last` is stale: bring it to now first. Computed after, a slot for a 0-ms
    // delay at an exact tick boundary would be `last` itself — behind the wheel, never run.
    if (!this.timer) this.last = Math.max(this.last, Math.floor(this.now() / this.tickMs));
    const slot = Math.max(Math.ceil((this.now() + Math.max(0, delayMs)) / this.tickMs), this.last + 1);
    const entry: Entry = {
      slot,
      fn,
      live: true,
      cancel: () => {
        if (!entry.live) return;
        entry.live = false;
        const set = this.slots.get(entry.slot);
        if (set?.delete(entry)) {
          if (set.size === 0) this.slots.delete(entry.slot);
          this.count--;
          this.maybeStop();
        }
      },
    };
    let set = this.slots.get(slot);
    if (!set) this.slots.set(slot, (set = new Set()));
    set.add(entry);
    this.count++;
    if (!this.timer) this.timer = setInterval(() => this.advance(), this.tickMs);
    return entry;
  }

  /** Runs everything due; exposed for tests with an injected clock. */
  advance(): void {
    const target = Math.floor(this.now() / this.tickMs);
    while (this.last < target) {
      this.last++;
      const set = this.slots.get(this.last);
      if (!set) continue;
      this.slots.delete(this.last);
      for (const e of set) {
        this.count--;
        e.live = false;
        try {
          e.fn();
        } catch (err) {
          process.emitWarning(`timer callback failed: ${String(err)}`);
        }
      }
    }
    this.maybeStop();
  }

  clear(): void {
    for (const set of this.slots.values()) for (const e of set) e.live = false;
    this.slots.clear();
    this.count = 0;
    this.maybeStop();
  }

  private maybeStop(): void {
    if (this.count === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
