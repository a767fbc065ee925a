import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { captureEnv } from '../log-secrets/registry.js';

// SQLite only: on PostgreSQL the server writes no database file.
describe('SQLite database file permissions', () => {
  let testDb: TestDb | undefined;
  let server: RunningServer | undefined;
  const previousUmask = process.umask(0o022); // a common, permissive umask: files would be 0644
  afterEach(async () => {
    await server?.stop();
    await testDb?.drop();
    server = undefined;
    testDb = undefined;
    process.umask(previousUmask);
  });

  const start = async (dataDir: string) => {
    process.umask(0o022);
    const config = loadConfig({
      env: captureEnv(),
      flags: { dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', bindRetrySeconds: 0 },
    });
    server = await startServer(config, { adminPassword: 'sqlite-file-mode-test' });
  };
  const modes = (dataDir: string) =>
    ['openums.sqlite', 'openums.sqlite-wal', 'openums.sqlite-shm'].map((f) => {
      const p = join(dataDir, f);
      return [f, existsSync(p) ? (statSync(p).mode & 0o777).toString(8) : 'missing'];
    });

  it('creates openums.sqlite and its -wal and -shm files owner-only (0600) despite a 022 umask', async () => {
    testDb = await createTestDb('sqlite');
    await start(testDb.dataDir);
    expect(modes(testDb.dataDir)).toEqual([
      ['openums.sqlite', '600'],
      ['openums.sqlite-wal', '600'],
      ['openums.sqlite-shm', '600'],
    ]);
  });

  it('narrows a world-readable database left by an earlier version at start', async () => {
    testDb = await createTestDb('sqlite');
    const file = join(testDb.dataDir, 'openums.sqlite');
    writeFileSync(file, ''); // an empty file is an empty SQLite database
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '');
    chmodSync(`${file}-wal`, 0o644);
    await start(testDb.dataDir);
    expect(modes(testDb.dataDir)).toEqual([
      ['openums.sqlite', '600'],
      ['openums.sqlite-wal', '600'],
      ['openums.sqlite-shm', '600'],
    ]);
  });
});
