import { readTextIfExists, writePrivateFile } from '../lib/files.js';

export interface StoredResult {
  command: string;
  ok: boolean;
  message?: string;
  at: number;
}

/**
 * Commands this device has executed, by server command id, so a redelivered id (after a
 * reconnect, or after the reboot the command itself caused) is answered from the record and not
 * executed again. Bounded: the oldest ids fall out first.
 */
export interface CommandStore {
  get(id: number): StoredResult | undefined;
  put(id: number, result: StoredResult): void;
  readonly size: number;
}

export class MemoryCommandStore implements CommandStore {
  protected readonly results = new Map<number, StoredResult>();

  constructor(readonly limit = 1000) {}

  get size(): number {
    return this.results.size;
  }

  get(id: number): StoredResult | undefined {
    return this.results.get(id);
  }

  put(id: number, result: StoredResult): void {
    this.results.delete(id);
    this.results.set(id, result);
    while (this.results.size > this.limit) {
      const oldest = this.results.keys().next().value as number;
      this.results.delete(oldest);
    }
  }
}

/** `<state>/commands.json`, rewritten (atomically, synchronously) on each put. */
export class FileCommandStore extends MemoryCommandStore {
  constructor(
    private readonly path: string,
    limit = 1000,
  ) {
    super(limit);
    const text = readTextIfExists(path);
    if (text) {
      try {
        const parsed = JSON.parse(text) as { results?: Array<[number, StoredResult]> };
        for (const [id, r] of parsed.results ?? []) super.put(id, r);
      } catch {
        // A corrupt record is dropped: at worst a redelivered command runs twice.
      }
    }
  }

  override put(id: number, result: StoredResult): void {
    super.put(id, result);
    // Synchronous on purpose: a reboot may follow immediately.
    writePrivateFile(this.path, JSON.stringify({ results: [...this.results.entries()] }));
  }
}
