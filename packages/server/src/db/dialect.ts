import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  PostgresDialect,
  SqliteDialect,
  sql,
  type ColumnDefinitionBuilder,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type RawBuilder,
} from 'kysely';
import { viewIpKey, viewVersionKey } from '@openums/protocol';
import { nameRepeatedStatements } from './pg-statements.js';
import { checkRegexDeadline, regexLiteralPrefix, REGEX_TIMEOUT_MESSAGE, viewRegexTest, withRegexDeadline } from '../lib/linear-regex.js';
import { transaction } from './transaction.js';

/**
 * The only place that knows which database is underneath. Business code never branches on
 * the dialect; migrations receive a MigrationContext with the few differences they need.
 */
export type DialectName = 'sqlite' | 'postgres';

export interface DialectSetup {
  name: DialectName;
  dialect: Dialect;
  /** Human-readable target for logs, without credentials. */
  describe: string;
}

// int8 (count(*), bigint columns holding epoch ms) as JS numbers; all our values fit 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export function createDialect(opts: {
  databaseUrl: string | null;
  sqliteFile: string;
  poolSize?: number;
  preparedStatements?: boolean;
}): DialectSetup {
  if (opts.databaseUrl) {
    const url = new URL(opts.databaseUrl);
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, connectionTimeoutMillis: 10_000 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    // Nor a checked-out client between two queries (a transaction awaiting other work when
    // PostgreSQL restarts): pg emits 'error' on it with no listener, which would kill the process.
    // Its next query fails and the pool discards it.
    pool.on('connect', (client) => client.on('error', () => undefined));
    if (opts.preparedStatements !== false) nameRepeatedStatements(pool);
    return {
      name: 'postgres',
      dialect: new PostgresDialect({ pool }),
      describe: `postgres://${url.hostname}:${url.port || 5432}${url.pathname}`,
    };
  }
  mkdirSync(dirname(opts.sqliteFile), { recursive: true });
  restrictSqliteFiles(opts.sqliteFile);
  const db = new SQLite(opts.sqliteFile);
  db.pragma('journal_mode = WAL');
  restrictSqliteFiles(opts.sqliteFile);
  // FULL: an acknowledged write survives power loss too, not only a process crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // A 100,000-device table with its indexes is ~60 MB: keep it in SQLite's page cache.
  db.pragma('cache_size = -131072');
  registerViewFunctions(db);
  return {
    name: 'sqlite',
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(db) }),
    describe: `sqlite:${opts.sqliteFile}`,
  };
}

/**
 * Transactions take SQLite's write lock when they begin (`begin immediate`). With several server
 * processes on one SQLite file (workers), a deferred transaction that reads first and writes
 * later cannot wait for another process's write — SQLite answers SQLITE_BUSY at once instead of
 * honouring busy_timeout, since its snapshot is stale. Taking the lock up front makes it wait.
 * One process: no difference (Kysely runs one statement at a time on the connection).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/**
 * The database holds password and session hashes and the device CA's sealed key: owner-only
 * (0600) like the TLS keys, whatever the umask. The file is created 0600 before SQLite opens it
 * (SQLite gives its -wal and -shm files the database file's mode); existing files, for example
 * from a version that created them 0644, are narrowed at every start.
 */
function restrictSqliteFiles(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f)) chmodSync(f, 0o600);
  }
}

/**
 * Two costs of Kysely's SQLite driver on the device list, measured with 100-row pages:
 * it prepares every query anew (~5 % of CPU), and better-sqlite3 builds each row object
 * key by key, twice as slow as fetching arrays and building objects of one fixed shape.
 * So prepared statements are kept (bounded, LRU) and rows are fetched raw and shaped by a
 * per-statement factory. Safe because Kysely runs one statement at a time on this connection.
 */
function withStatementCache(db: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, FastStatement>();
  const prepare = db.prepare.bind(db);
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return (source: string) => {
        let stmt = cache.get(source);
        if (stmt) {
          cache.delete(source);
        } else {
          stmt = new FastStatement(prepare(source));
          if (cache.size >= max) cache.delete(cache.keys().next().value!);
        }
        cache.set(source, stmt);
        return stmt;
      };
    },
  });
}

/** The part of a better-sqlite3 statement Kysely uses, with rows built by a fixed-shape factory. */
class FastStatement {
  readonly reader: boolean;
  private makeRow: ((values: unknown[]) => Record<string, unknown>) | null = null;
  private width = 0;
  constructor(private readonly stmt: SQLite.Statement) {
    this.reader = stmt.reader;
    if (this.reader) {
      stmt.raw(true);
      this.shape();
    }
  }
  /**
   * The row factory for the statement's current columns. SQLite re-prepares a statement whose
   * tables changed (a migration by another process on the same file): a `select *` may then
   * return more or fewer columns than the factory was built for, so a row of another width
   * rebuilds it.
   */
  private shape(): void {
    const names = this.stmt.columns().map((c) => c.name);
    this.width = names.length;
    // Column names come from our own SQL and are JSON-quoted: no injection into the factory.
    this.makeRow = new Function('v', `return {${names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ')}};`) as (
      values: unknown[],
    ) => Record<string, unknown>;
  }
  private row = (values: unknown[]): Record<string, unknown> => {
    if (values.length !== this.width) this.shape();
    return this.makeRow!(values);
  };
  all(params: unknown[]) {
    return (this.stmt.all(params) as unknown[][]).map(this.row);
  }
  run(params: unknown[]) {
    return this.stmt.run(params);
  }
  *iterate(params: unknown[]) {
    for (const values of this.stmt.iterate(params) as IterableIterator<unknown[]>) yield this.row(values);
  }
}

/** What a migration may need to know about the dialect, passed in rather than detected. */
export interface MigrationContext {
  dialect: DialectName;
  /** Auto-increment integer primary key. */
  idColumn: (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  idType: RawBuilder<unknown> | 'integer';
  /** Text compared byte-wise, so range scans on an index implement prefix search. */
  binaryText: RawBuilder<unknown> | 'text';
  /** Epoch milliseconds. */
  epochMs: 'bigint' | 'integer';
  /**
   * Removes a constraint SQLite cannot drop in place (a column-level unique): PostgreSQL runs
   * `postgresDrop`; SQLite copies the table into `sqliteCreate` (named `<table>_new`, same
   * columns and ids) and swaps it in with foreign keys off, so rows referencing the table
   * (e.g. sessions → users) are neither deleted by the cascade nor left dangling.
   */
  rebuildTable: (db: Kysely<any>, spec: RebuildSpec) => Promise<void>;
}

export interface RebuildSpec {
  table: string;
  postgresDrop: RawBuilder<unknown>;
  sqliteCreate: RawBuilder<unknown>;
  columns: string[];
}

async function rebuildSqliteTable(db: Kysely<any>, spec: RebuildSpec): Promise<void> {
  const cols = sql.join(spec.columns.map((c) => sql.ref(c)));
  // A no-op inside a transaction: set before it (migrations on SQLite run outside one).
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await transaction(db, async (trx) => {
      await spec.sqliteCreate.execute(trx);
      await sql`insert into ${sql.table(`${spec.table}_new`)} (${cols}) select ${cols} from ${sql.table(spec.table)}`.execute(trx);
      await sql`drop table ${sql.table(spec.table)}`.execute(trx);
      await sql`alter table ${sql.table(`${spec.table}_new`)} rename to ${sql.table(spec.table)}`.execute(trx);
      const broken = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length) throw new Error(`Rebuilding ${spec.table} left ${broken.rows.length} broken references`);
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

export function migrationContext(dialect: DialectName): MigrationContext {
  if (dialect === 'postgres') {
    return {
      dialect,
      idColumn: (col) => col.primaryKey().generatedByDefaultAsIdentity(),
      idType: sql`bigint`,
      binaryText: sql`text collate "C"`,
      epochMs: 'bigint',
      rebuildTable: async (db, spec) => void (await spec.postgresDrop.execute(db)),
    };
  }
  return {
    dialect,
    idColumn: (col) => col.primaryKey().autoIncrement(),
    idType: 'integer',
    binaryText: 'text',
    epochMs: 'integer',
    rebuildTable: rebuildSqliteTable,
  };
}

/**
 * A statement that makes concurrent writers of a table queue up inside a transaction
 * (PostgreSQL); SQLite already serialises write transactions, so there it is nothing.
 */
export function exclusiveWriteLock(dialect: DialectName, table: string): RawBuilder<unknown> | null {
  return dialect === 'postgres' ? sql`lock table ${sql.table(table)} in share row exclusive mode` : null;
}

/** A unique-constraint violation, in either driver's words. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** A foreign-key violation (a row refers to one that is gone), in either driver's words. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** The database server's clock in epoch milliseconds, as an SQL expression. */
export function databaseNowMs(dialect: DialectName): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
}

/**
 * View criteria (ADR 0007). PostgreSQL gets `openums_version_key` and `openums_ip_key` (and
 * stored columns of them) from the migration 20261210T1000-device-version-key; SQLite gets them,
 * and `regexp`, per connection — its triggers (migration 20261211T1100-view-indexes) keep the
 * stored `version_key` / `ip_key` columns with them whenever `version` or `last_ip` is written.
 * The keys are the protocol's, so both databases and the in-memory evaluator agree.
 */
function registerViewFunctions(db: SQLite.Database): void {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  db.function('openums_version_key', { deterministic: true }, (v: unknown) => viewVersionKey(text(v)));
  db.function('openums_ip_key', { deterministic: true }, (v: unknown) => viewIpKey(text(v)));
  // regexp(pattern, value[, 'i']): `value REGEXP pattern` is case-sensitive; the flag folds case.
  db.function('regexp', { deterministic: true, varargs: true }, (pattern: unknown, value: unknown, flags?: unknown) => {
    checkRegexDeadline();
    if (typeof pattern !== 'string' || typeof value !== 'string') return null;
    return viewRegexTest(pattern, value, flags !== 'i') ? 1 : 0;
  });
}

/** The SQL pieces view criteria need, per dialect. */
export interface ViewSql {
  /**
   * The sortable version and IPv4 keys are stored in `version_key`, `ip_key` rather than computed
   * per row (PostgreSQL: generated columns, migration 20261210T1000; SQLite: columns its
   * triggers keep, migration 20261211T1100). Both dialects now; kept as the seam for a dialect
   * that computes them.
   */
  storedKeys: boolean;
  /** Compares byte-wise (PostgreSQL's collation may not). */
  binary(expr: RawBuilder<unknown>): RawBuilder<string>;
  /** `needle` occurs in `hay`. */
  contains(hay: RawBuilder<unknown>, needle: RawBuilder<unknown>): RawBuilder<boolean>;
  regex(value: RawBuilder<unknown>, pattern: string, caseSensitive: boolean): RawBuilder<boolean>;
}

export function viewSql(dialect: DialectName): ViewSql {
  if (dialect === 'postgres') {
    return {
      storedKeys: true,
      binary: (e) => sql<string>`(${e} collate "C")`,
      contains: (h, n) => sql<boolean>`(strpos(${h}, ${n}) > 0)`,
      regex: (v, p, cs) => (cs ? sql<boolean>`(${v} ~ ${p})` : sql<boolean>`(${v} ~* ${p})`),
    };
  }
  return {
    storedKeys: true,
    binary: (e) => sql<string>`${e}`,
    contains: (h, n) => sql<boolean>`(instr(${h}, ${n}) > 0)`,
    regex: (v, p, cs) => {
      const call = cs ? sql<boolean>`regexp(${p}, ${v})` : sql<boolean>`regexp(${p}, ${v}, 'i')`;
      // An anchored literal prefix is tested natively first, so the JavaScript function runs
      // only on the rows that can match (`^dev-0[0-4].*7$`: names starting with dev-0).
      const prefix = regexLiteralPrefix(p);
      if (!prefix) return call;
      const head = cs ? sql`substr(${v}, 1, ${prefix.length})` : sql`lower(substr(${v}, 1, ${prefix.length}))`;
      return sql<boolean>`(${head} = ${cs ? prefix : prefix.toLowerCase()} and ${call})`;
    },
  };
}

/**
 * Runs the read queries of `fn` with a time limit: PostgreSQL's statement_timeout in a read
 * transaction; on SQLite (no such setting) the deadline the `regexp` function checks — the other
 * operators there are plain comparisons, linear in the table.
 */
export async function withStatementTimeout<DB, T>(
  db: Kysely<DB>,
  dialect: DialectName,
  ms: number,
  fn: (db: Kysely<DB>) => Promise<T>,
): Promise<T> {
  if (dialect === 'sqlite') return withRegexDeadline(ms, () => fn(db));
  return transaction(db, async (trx) => {
    await sql`select set_config('statement_timeout', ${String(Math.max(1, Math.floor(ms)))}, true)`.execute(trx);
    return fn(trx);
  });
}

/** A statement stopped by `withStatementTimeout`, in either dialect's words. */
export function isStatementTimeout(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '57014' || (typeof e?.message === 'string' && e.message.includes(REGEX_TIMEOUT_MESSAGE));
}
