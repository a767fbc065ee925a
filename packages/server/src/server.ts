import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type BuiltApp } from './app.js';
import type { Config } from './config/schema.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { lockDataDir, loadServerId } from './lib/data-dir.js';
import { createLogger, type Logger } from './lib/logger.js';
import { Metrics } from './modules/monitoring/metrics.js';
import { ensureWebTls } from './tls/web-identity.js';
import { PRODUCT_NAME, VERSION } from './lib/version.js';

export class StartupError extends Error {
  override name = 'StartupError';
}

export interface RunningServer {
  built: BuiltApp;
  database: DatabaseHandle;
  logger: Logger;
  url: string;
  stop(): Promise<void>;
}

const SESSION_PURGE_MS = 60 * 60_000;

/**
 * Starts `openums server`: lock the data directory, load or create the TLS identity, listen,
 * then migrate and create the first administrator while /ums/check-status says "init".
 */
export async function startServer(config: Readonly<Config>, secrets: { adminPassword?: string | undefined }): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const unlock = lockDataDir(config.dataDir);
  let database: DatabaseHandle | null = null;
  try {
    const serverId = loadServerId(config.dataDir);
    const tls = await ensureWebTls(config.dataDir, config.tls.extraNames);
    for (const change of tls.changed) logger.info(change);

    const metrics = new Metrics();
    database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, onQuery: metrics.onQuery });
    const built = await buildApp({
      config,
      database,
      serverId,
      logger,
      metrics,
      https: { key: tls.web.keyPem, cert: tls.web.certPem, ca: tls.ca.certPem, minVersion: config.tls.minVersion },
      webCaPem: tls.ca.certPem,
      adminPassword: secrets.adminPassword,
    });

    try {
      // A large backlog absorbs reconnect bursts instead of refusing connections.
      await built.app.listen({ host: config.host, port: config.port, backlog: 4096 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new StartupError(`Port ${config.port} on ${config.host} is already in use (setting "port")`);
      if (code === 'EADDRNOTAVAIL') throw new StartupError(`Address ${config.host} is not an address of this host (setting "host")`);
      if (code === 'EACCES') throw new StartupError(`Not allowed to bind port ${config.port} (setting "port")`);
      throw err;
    }
    const address = built.app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;

    const prepared = await built.prepare();
    if (prepared.migrations.length) logger.info({ migrations: prepared.migrations }, 'database migrated');
    if (prepared.generatedAdminPassword) announceAdminPassword(config.dataDir, prepared.generatedAdminPassword);

    const purge = setInterval(() => void built.auth.purgeExpiredSessions().catch(() => undefined), SESSION_PURGE_MS);
    purge.unref();

    const url = `https://localhost:${port}/`;
    logger.info({ version: VERSION, database: database.describe, serverId, url }, `${PRODUCT_NAME} ready`);
    const db = database;
    let stopping: Promise<void> | null = null;
    return {
      built,
      database: db,
      logger,
      url,
      stop: () =>
        (stopping ??= (async () => {
          clearInterval(purge);
          await built.app.close();
          await db.close();
          unlock();
        })()),
    };
  } catch (err) {
    await database?.close().catch(() => undefined);
    unlock();
    throw err;
  }
}

/** The generated password goes to the terminal once and to a 0600 file, never to the log. */
function announceAdminPassword(dataDir: string, password: string): void {
  const file = join(dataDir, 'initial-admin-password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  process.stdout.write(
    `\n  First start: administrator "admin" created.\n  Password: ${password}\n  (also saved to ${file}; delete that file after you changed the password)\n\n`,
  );
}
