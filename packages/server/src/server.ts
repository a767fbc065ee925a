import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type BuiltApp } from './app.js';
import type { Config } from './config/schema.js';
import { configWarnings } from './config/warnings.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { lockDataDir, loadServerId } from './lib/data-dir.js';
import { armCrashPoint } from './lib/crash-points.js';
import type { Clock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { Metrics } from './lib/metrics.js';
import { ensureWebTls, writeSecret } from './tls/web-identity.js';
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
export async function startServer(
  config: Readonly<Config>,
  secrets: { adminPassword?: string | undefined },
  options: { logger?: Logger; clock?: Clock } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  for (const w of configWarnings(config)) logger.warn({ setting: w.setting }, w.message);
  armCrashPoint(config.crashPoint);
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
      ...(options.clock ? { clock: options.clock } : {}),
      metrics,
      https: {
        key: tls.web.keyPem,
        cert: tls.web.certPem,
        ca: tls.ca.certPem,
        minVersion: config.tls.minVersion,
        ticketKeys: loadTicketKeys(config.dataDir, logger),
      },
      webCaPem: tls.ca.certPem,
      adminPassword: secrets.adminPassword,
    });

    try {
      await listenWithRetry(built, config, logger);
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

/**
 * A restarted server may find its port still held by the process it replaces (killed, still
 * exiting): retry for bindRetrySeconds before giving up. A large backlog absorbs reconnect
 * bursts instead of refusing connections.
 */
async function listenWithRetry(built: BuiltApp, config: Readonly<Config>, logger: Logger): Promise<void> {
  const deadline = Date.now() + config.bindRetrySeconds * 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      await built.app.listen({ host: config.host, port: config.port, backlog: 4096 });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() >= deadline) throw err;
      if (attempt === 0) logger.warn({ port: config.port }, 'port busy; retrying until it is released');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const TICKET_KEY_MAX_AGE_MS = 7 * 24 * 3600_000;

/**
 * TLS session-ticket keys kept in the data directory, so devices resume their TLS 1.3
 * sessions after a restart instead of all doing full handshakes. Rotated when older than a
 * week, at a start (resumption then falls back to full handshakes once).
 */
function loadTicketKeys(dataDir: string, logger: Logger): Buffer {
  const file = join(dataDir, 'tls', 'ticket-keys');
  try {
    if (Date.now() - statSync(file).mtimeMs < TICKET_KEY_MAX_AGE_MS) {
      const keys = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
      if (keys.length === 48) return keys;
    }
  } catch {
    /* missing: create */
  }
  const keys = randomBytes(48);
  writeSecret(file, keys.toString('base64'));
  logger.info('TLS session ticket keys created');
  return keys;
}

/** The generated password goes to the terminal once and to a 0600 file, never to the log. */
function announceAdminPassword(dataDir: string, password: string): void {
  const file = join(dataDir, 'initial-admin-password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  process.stdout.write(
    `\n  First start: administrator "admin" created.\n  Password: ${password}\n  (also saved to ${file}; delete that file after you changed the password)\n\n`,
  );
}
