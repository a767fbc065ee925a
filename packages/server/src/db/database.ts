import { join } from 'node:path';
import { Kysely, Migrator, sql, type LogEvent, type MigrationProvider, type Migration } from 'kysely';
import { createDialect, migrationContext, type DialectName } from './dialect.js';
import { migrations } from './migrations/index.js';
import { IdListsAsArrays } from './pg-id-lists.js';
import type { Database } from './types.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: DialectName;
  describe: string;
  /** Applies pending migrations (up to and including `upTo`, for tests); returns their names. */
  migrate(upTo?: string): Promise<string[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  poolSize?: number;
  /** PostgreSQL: named statements for repeated queries (ADR 0011); default on. */
  preparedStatements?: boolean;
  /** PostgreSQL: lists of integer ids as one array parameter (db/pg-id-lists.ts); default on. Off only to measure it. */
  idListsAsArrays?: boolean;
  onQuery?: (event: LogEvent) => void;
}

export function openDatabase(opts: OpenDatabaseOptions): DatabaseHandle {
  const setup = createDialect({
    databaseUrl: opts.databaseUrl,
    sqliteFile: join(opts.dataDir, 'openums.sqlite'),
    ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}),
    preparedStatements: opts.preparedStatements ?? true,
  });
  const db = new Kysely<Database>({
    dialect: setup.dialect,
    plugins: setup.name === 'postgres' && opts.idListsAsArrays !== false ? [new IdListsAsArrays()] : [],
    ...(opts.onQuery ? { log: opts.onQuery } : {}),
  });
  const ctx = migrationContext(setup.name);

  // The dialect is handed to each migration instead of being sniffed inside it.
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) out[name] = { up: (kdb) => m.up(kdb, ctx) };
      return out;
    },
  };

  return {
    db,
    dialect: setup.name,
    describe: setup.describe,
    async migrate(upTo?: string) {
      // Kysely's migrator holds a lock (an advisory lock on PostgreSQL) while it runs, so
      // servers of a cluster starting together apply each migration once.
      const migrator = new Migrator({ db, provider });
      const { error, results } = upTo === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(upTo);
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
        throw new Error(`Database migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
      }
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}
