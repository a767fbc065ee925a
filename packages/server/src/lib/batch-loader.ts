/**
 * Answers lookups by key with one query per turn of the event loop: the keys asked for while
 * handling one batch of I/O (a reconnect storm completes dozens of handshakes per poll) are read
 * together, in chunks of at most `maxBatch` (bound-parameter limits), instead of one database
 * round trip each. A key missing from the answer resolves to undefined; a failed query rejects
 * every lookup of its chunk.
 */
export class BatchLoader<K, V> {
  private waiting = new Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (err: unknown) => void }>>();
  private scheduled = false;

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly maxBatch = 500,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(key);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current I/O phase, so every lookup it started is in the batch.
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = new Map();
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.maxBatch) {
      const chunk = keys.slice(i, i + this.maxBatch);
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
        );
    }
  }
}
