import type pg from 'pg';

/**
 * Named (prepared) statements on PostgreSQL for the queries a process runs again and again
 * (ADR 0011). Kysely sends every query as an unnamed statement, so PostgreSQL parses, analyses
 * and plans it anew each time: for the device list's 100-row page that was ~0.3 ms of ~1 ms of
 * database time (pgbench, extended against prepared). A text seen `promoteAfter` times gets a
 * name; each pooled connection then parses it once, and PostgreSQL may keep a generic plan for it
 * (plan_cache_mode auto: only where that plan is estimated no dearer than the custom ones).
 *
 * Bounded: at most `maxNamed` texts per process get a name, so a connection holds at most that
 * many statements; texts whose shape varies with their input (`in ($1, …, $n)` lists) are seen
 * rarely each and stay unnamed. Only parameterised texts are named: they already travel over the
 * extended protocol, so nothing else changes for them. A statement the server no longer holds or
 * whose result type changed under it (a migration by a newer server version) fails once and its
 * text is never named again.
 */
export interface StatementNamingOptions {
  maxNamed?: number;
  promoteAfter?: number;
  /** Texts counted but not yet named, at most (oldest forgotten first). */
  maxCandidates?: number;
}

type QueryFn = (...args: unknown[]) => unknown;

/** Names statements on every connection the pool opens from now on. */
export function nameRepeatedStatements(pool: pg.Pool, opts: StatementNamingOptions = {}): StatementNames {
  const names = new StatementNames(opts);
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as QueryFn;
    (client as unknown as { query: QueryFn }).query = (...args: unknown[]) => {
      const [text, values, callback] = args;
      if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) return query(...args);
      const name = names.nameFor(text);
      if (!name) return query(text, values);
      return (query({ name, text, values }) as Promise<unknown>).catch((err: unknown) => {
        if (isStalePreparedStatement(err)) names.forget(text);
        throw err;
      });
    };
  });
  return names;
}

export class StatementNames {
  private readonly named = new Map<string, string>();
  private readonly seen = new Map<string, number>();
  private readonly banned = new Set<string>();
  private next = 1;
  private readonly maxNamed: number;
  private readonly promoteAfter: number;
  private readonly maxCandidates: number;

  constructor(opts: StatementNamingOptions = {}) {
    this.maxNamed = opts.maxNamed ?? 200;
    this.promoteAfter = opts.promoteAfter ?? 3;
    this.maxCandidates = opts.maxCandidates ?? 2_000;
  }

  /** The statement name for `text`, or null while it is to stay unnamed. */
  nameFor(text: string): string | null {
    const name = this.named.get(text);
    if (name !== undefined) return name;
    // Counted over the process's life, not the map: a connection keeps what it once prepared.
    if (this.next > this.maxNamed || this.banned.has(text)) return null;
    const count = (this.seen.get(text) ?? 0) + 1;
    this.seen.delete(text);
    if (count < this.promoteAfter) {
      if (this.seen.size >= this.maxCandidates) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(text, count);
      return null;
    }
    const fresh = `openums_${this.next++}`;
    this.named.set(text, fresh);
    return fresh;
  }

  /** `text` runs unnamed from now on (its named statement went stale on some connection). */
  forget(text: string): void {
    this.named.delete(text);
    this.banned.add(text);
  }

  /** Texts named so far (stale ones included). */
  get size(): number {
    return this.next - 1;
  }
}

/**
 * PostgreSQL's answers when a named statement cannot run as prepared: it is gone from the session
 * (26000, e.g. after DISCARD ALL) or its result columns changed since (0A000, "cached plan must
 * not change result type").
 */
function isStalePreparedStatement(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '26000' || code === '0A000';
}
