import { AcceptCeiling } from './lib/accept-ceiling.js';
import { connectionLimit, openFilesLimit } from './lib/open-files.js';
import { writeFileSync } from 'node:fs';
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
import { ensureWebTls } from './tls/web-identity.js';
import { loadTicketKeys } from './tls/ticket-keys.js';
import { PRODUCT_NAME, VERSION } from './lib/version.js';
import { LocalBus, type ClusterBus } from './cluster/bus.js';
import { IpcBus } from './cluster/ipc-bus.js';
import { lookupPaceMs } from './lib/lookup-pace.js';
import { PgNotifyBus } from './cluster/pg-bus.js';

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

/**
 * Starts `openums server`: lock the data directory, load or create the TLS identity, listen,
 * then migrate and create the first administrator while /ums/check-status says "init".
 */
export async function startServer(
  config: Readonly<Config>,
  secrets: { adminPassword?: string | undefined },
  options: { logger?: Logger; clock?: Clock; worker?: number; listenWhenReady?: boolean } = {},
): Promise<RunningServer> {
  const worker = options.worker;
  const logger = (options.logger ?? createLogger(config.logLevel, { captureDir: config.logCaptureDir })).child(
    worker === undefined ? {} : { worker },
  );
  if (!worker) for (const w of configWarnings(config)) logger.warn({ setting: w.setting }, w.message);
  armCrashPoint(config.crashPoint);
  // A worker's supervisor holds the data directory's lock for all its workers.
  const unlock = worker === undefined ? lockDataDir(config.dataDir) : () => undefined;
  let database: DatabaseHandle | null = null;
  let started: BuiltApp | null = null;
  try {
    // This process: the host's id (kept in the data directory) and the worker index.
    const serverId = `${loadServerId(config.dataDir)}.${worker ?? 0}`;
    const tls = await ensureWebTls(config.dataDir, config.tls.extraNames);
    for (const change of tls.changed) logger.info(change);

    const metrics = new Metrics();
    database = openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      preparedStatements: config.databasePreparedStatements,
      onQuery: metrics.onQuery,
    });
    const bus = createBus(config, database, serverId, worker, logger);
    const built = await buildApp({
      config,
      database,
      serverId,
      ...(worker !== undefined ? { worker } : {}),
      bus,
      logger,
      ...(options.clock ? { clock: options.clock } : {}),
      metrics,
      https: {
        key: tls.web.keyPem,
        cert: tls.web.certPem,
        ca: tls.ca.certPem,
        caKey: tls.ca.keyPem,
        minVersion: config.tls.minVersion,
        // Workers share the supervisor's keys (created or rotated by it before they start).
        ticketKeys: loadTicketKeys(config.dataDir, logger, worker === undefined),
      },
      webCaPem: tls.ca.certPem,
      adminPassword: secrets.adminPassword,
    });

    // A single server listens first, so /ums/check-status says "init" during long migrations. A
    // worker that others share the port with listens only when it can serve devices: the port's
    // round robin would otherwise hand it connections it can only refuse (a full handshake, then
    // 503) — after kill -9 of every worker, the first one listening took the whole fleet's
    // reconnects that way and sent it into long back-offs.
    let ceiling: AcceptCeiling | null = null;
    const listen = async () => {
      ceiling = await listenOrExplain(built, config, logger, worker !== undefined);
    };
    started = built;
    if (options.listenWhenReady) await built.app.ready();
    else await listen();
    const prepared = await built.prepare();
    if (options.listenWhenReady) await listen();
    const address = built.app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;

    if (prepared.migrations.length) logger.info({ migrations: prepared.migrations }, 'database migrated');
    if (prepared.generatedAdminPassword) announceAdminPassword(config.dataDir, prepared.generatedAdminPassword);

    const url = `https://localhost:${port}/`;
    // lookupPaceMs: how long this process's batched reads of connecting devices wait (lib/lookup-pace.ts).
    logger.info(
      { version: VERSION, database: database.describe, serverId, bus: bus.transport, url, lookupPaceMs: lookupPaceMs() },
      `${PRODUCT_NAME} ready`,
    );
    const db = database;
    let stopping: Promise<void> | null = null;
    return {
      built,
      database: db,
      logger,
      url,
      stop: () =>
        (stopping ??= (async () => {
          // Draining lowers the connection count: a paused worker must not listen again.
          ceiling?.stop();
          await built.app.close();
          await db.close();
          unlock();
        })()),
    };
  } catch (err) {
    // A start that fails after listening (e.g. a foreign secret key) stops listening again.
    await started?.app.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    unlock();
    throw err;
  }
}

/** The cluster bus for this process (setting `cluster.bus`; see docs/cluster.md). */
function createBus(
  config: Readonly<Config>,
  database: DatabaseHandle,
  serverId: string,
  worker: number | undefined,
  logger: Logger,
): ClusterBus {
  let kind = config.cluster.bus;
  if (kind === 'auto') kind = config.databaseUrl ? 'postgres' : worker !== undefined ? 'ipc' : 'local';
  if (kind === 'postgres') {
    if (!config.databaseUrl)
      throw new StartupError('Setting "cluster.bus" is "postgres" but no PostgreSQL database is configured ("databaseUrl")');
    return new PgNotifyBus(config.databaseUrl, database.db, serverId, logger);
  }
  if (kind === 'ipc') {
    if (worker === undefined) throw new StartupError('Setting "cluster.bus" is "ipc" but this server has no workers (setting "workers")');
    return new IpcBus();
  }
  return new LocalBus();
}

/** listenWithRetry, with a clear message for the usual reasons a port cannot be taken. */
async function listenOrExplain(
  built: BuiltApp,
  config: Readonly<Config>,
  logger: Logger,
  sharesPort: boolean,
): Promise<AcceptCeiling | null> {
  try {
    return await listenWithRetry(built, config, logger, sharesPort);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError(`Port ${config.port} on ${config.host} is already in use (setting "port")`);
    if (code === 'EADDRNOTAVAIL') throw new StartupError(`Address ${config.host} is not an address of this host (setting "host")`);
    if (code === 'EACCES') throw new StartupError(`Not allowed to bind port ${config.port} (setting "port")`);
    throw err;
  }
}

/**
 * A restarted server may find its port still held by the process it replaces (killed, still
 * exiting): retry for bindRetrySeconds before giving up. A large backlog absorbs reconnect
 * bursts instead of refusing connections.
 */
async function listenWithRetry(
  built: BuiltApp,
  config: Readonly<Config>,
  logger: Logger,
  sharesPort: boolean,
): Promise<AcceptCeiling | null> {
  const deadline = Date.now() + config.bindRetrySeconds * 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      await built.app.listen({ host: config.host, port: config.port, backlog: 4096 });
      const max = connectionLimit(openFilesLimit());
      if (max !== null) built.app.server.maxConnections = max;
      // A worker sharing the port closes its listener while full (lib/accept-ceiling.ts).
      if (max !== null && sharesPort) {
        const server = built.app.server;
        const address = server.address();
        const host = typeof address === 'object' && address ? address.address : config.host;
        return new AcceptCeiling(server, max, () => server.listen({ host, port: config.port, backlog: 4096 }), logger);
      }
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() >= deadline) throw err;
      if (attempt === 0) logger.warn({ port: config.port }, 'port busy; retrying until it is released');
      await new Promise((r) => setTimeout(r, 250));
    }
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
