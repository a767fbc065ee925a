/** How long lookups wait behind a query under way before they go out anyway (a hung connection). */
const MAX_WAIT_BEHIND_MS = 250;

/**
 * Answers lookups by key with one query per turn of the event loop: the keys asked for while
 * handling one batch of I/O (a reconnect storm completes dozens of handshakes per poll) are read
 * together, in chunks of at most `maxBatch` (bound-parameter limits), instead of one database
 * round trip each. While a query is under way, new keys wait for it to return and then go out
 * together: the slower the database answers, the larger the batches (in a PostgreSQL reconnect
 * storm most queries had carried a single key). With `paceMs`, a batch also waits until that
 * long after the previous one went out, unless it is full: a lone lookup on a quiet server still
 * goes at once, while a storm's lookups go out a few times a second in batches (a PostgreSQL
 * storm still sent one or two keys per query, two thirds of its statements). A key missing from
 * the answer resolves to undefined; a failed query rejects every lookup of its chunk.
 */
export class BatchLoader<K, V> {
  private waiting = new Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (err: unknown) => void }>>();
  private scheduled = false;
  private inFlight = 0;
  private behindTimer: NodeJS.Timeout | null = null;
  private paceTimer: NodeJS.Timeout | null = null;
  private lastRunAt = -Infinity;

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly maxBatch = 500,
    private readonly paceMs = 0,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(key);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      // A full batch does not wait out the pace.
      if (this.paceTimer && this.waiting.size >= this.maxBatch) {
        clearTimeout(this.paceTimer);
        this.paceTimer = null;
        setImmediate(() => this.run());
      }
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    if (this.inFlight > 0) {
      // Behind the query under way, but not for long if it hangs.
      this.behindTimer ??= setTimeout(() => {
        this.behindTimer = null;
        this.runSoon();
      }, MAX_WAIT_BEHIND_MS);
      return;
    }
    this.runSoon();
  }

  private runSoon(): void {
    if (this.scheduled || !this.waiting.size) return;
    this.scheduled = true;
    const paced = this.waiting.size < this.maxBatch ? this.lastRunAt + this.paceMs - performance.now() : 0;
    if (paced > 0) {
      this.paceTimer = setTimeout(() => {
        this.paceTimer = null;
        this.run();
      }, paced);
      return;
    }
    // After the current I/O phase, so every lookup it started is in the batch.
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    this.lastRunAt = performance.now();
    if (this.behindTimer) clearTimeout(this.behindTimer);
    this.behindTimer = null;
    const batch = this.waiting;
    this.waiting = new Map();
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.maxBatch) {
      const chunk = keys.slice(i, i + this.maxBatch);
      this.inFlight++;
      // Through a promise, so even a loader that throws at once rejects its lookups (not the process).
      Promise.resolve(chunk)
        .then(this.loadMany)
        .then(
          (found) => {
            for (const k of chunk) for (const w of batch.get(k) ?? []) w.resolve(found.get(k));
          },
          (err: unknown) => {
            for (const k of chunk) for (const w of batch.get(k) ?? []) w.reject(err);
          },
        )
        .finally(() => {
          // The keys that came in meanwhile go out together now.
          if (--this.inFlight === 0) this.runSoon();
        });
    }
  }
}
