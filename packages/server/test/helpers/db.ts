import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { LogEvent } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import type { DialectName } from '../../src/db/dialect.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { CAPTURE_ENV } from '../log-secrets/registry.js';

/** Every data-layer test runs on both dialects. PostgreSQL is the machine's local service. */
export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

export const PG_ADMIN_URL = process.env.OPENUMS_TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface TestDb {
  dialect: DialectName;
  dataDir: string;
  databaseUrl: string | null;
  open(onQuery?: (e: LogEvent) => void): DatabaseHandle;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given dialect (its own database on PostgreSQL). */
export async function createTestDb(dialect: DialectName): Promise<TestDb> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openums-test-'));
  let databaseUrl: string | null = null;
  let name: string | null = null;
  if (dialect === 'postgres') {
    name = `openums_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await adminQuery(`create database ${name}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  return {
    dialect,
    dataDir,
    databaseUrl,
    open: (onQuery) => openDatabase({ databaseUrl, dataDir, poolSize: 4, ...(onQuery ? { onQuery } : {}) }),
    async drop() {
      if (name) await adminQuery(`drop database if exists ${name} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(text: string) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Configuration of a test server on this database: a free port on 127.0.0.1, no logs, no bind
 * retries. Its log lines still go to the suite's capture directory (log-secrets/).
 */
export function testServerConfig(db: Pick<TestDb, 'dataDir' | 'databaseUrl'>): Readonly<Config> {
  return loadConfig({
    env: {},
    flags: {
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      bindRetrySeconds: 0,
      logCaptureDir: process.env[CAPTURE_ENV] || null,
    },
  });
}
