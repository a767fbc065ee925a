import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { LISTEN_EARLY_ENV, READY_MESSAGE, WORKER_ENV, runSupervisor, workerCount } from './cluster/supervisor.js';
import { setWorkersOnHost } from './lib/lookup-pace.js';
import { missingHeapFlags } from './lib/heap-flags.js';
import { createLogger } from './lib/logger.js';
import { readFileSync } from 'node:fs';
import { adminMain } from './admin-cli.js';
import { applyJoinToken } from './cluster/join.js';
import { SecretMismatchError } from './app.js';
import { loadConfig, ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import { DataDirLockedError } from './lib/data-dir.js';
import { PRODUCT_NAME, VERSION } from './lib/version.js';
import { startServer, StartupError } from './server.js';

const USAGE = `Usage: openums server [options]

Options (each also settable as OPENUMS_<NAME> or in a JSON --config file):
  --config FILE          JSON configuration file
  --data-dir DIR         data directory (default ./data)            OPENUMS_DATA_DIR
  --host ADDR            address to bind (default ::)               OPENUMS_HOST
  --port N               HTTPS port (default 8443)                  OPENUMS_PORT
  --database-url URL     postgres://… (default: SQLite in data dir) OPENUMS_DATABASE_URL
  --log-level LEVEL      fatal|error|warn|info|debug|trace|silent   OPENUMS_LOG_LEVEL
  --tls-extra-name NAME  extra certificate name (repeatable)        OPENUMS_TLS_EXTRA_NAMES
  --workers N|auto       server processes sharing the port (default 1; auto = one per core)
                                                                    OPENUMS_WORKERS
  --join-file FILE       join an existing installation (token from openums admin cluster join-token)
Maintenance: openums admin --help
First administrator password: OPENUMS_ADMIN_PASSWORD (otherwise generated and printed once).
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${PRODUCT_NAME} ${VERSION}\n`);
    return 0;
  }
  if (command === 'admin') {
    try {
      return await adminMain(rest);
    } catch (err) {
      process.stderr.write(`openums admin: ${(err as Error).message}\n`);
      return 1;
    }
  }
  if (command !== 'server') {
    process.stderr.write(command && command !== '--help' && command !== 'help' ? `Unknown command "${command}"\n\n${USAGE}` : USAGE);
    return command && command !== '--help' && command !== 'help' ? 2 : 0;
  }

  let config: Readonly<Config>;
  try {
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'database-url': { type: 'string' },
        'log-level': { type: 'string' },
        'tls-extra-name': { type: 'string', multiple: true },
        workers: { type: 'string' },
        'join-file': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const flags: Record<string, unknown> = {
      dataDir: values['data-dir'],
      host: values.host,
      port: values.port === undefined ? undefined : /^\d+$/.test(values.port) ? Number(values.port) : values.port,
      databaseUrl: values['database-url'],
      logLevel: values['log-level'],
      workers: values.workers === undefined ? undefined : /^\d+$/.test(values.workers) ? Number(values.workers) : values.workers,
      ...(values['tls-extra-name'] ? { tls: { extraNames: values['tls-extra-name'] } } : {}),
    };
    config = loadConfig({ file: values.config, env: process.env, flags: flags as Partial<Config> });
    // Before anything reads the data directory: take the installation's shared keys.
    if (values['join-file'] && cluster.isPrimary) {
      const { written } = applyJoinToken(config.dataDir, readFileSync(values['join-file'] === '-' ? 0 : values['join-file'], 'utf8'));
      process.stderr.write(`openums: joined the installation (${written.length} files written to ${config.dataDir})\n`);
    }
  } catch (err) {
    process.stderr.write(`openums: ${(err as Error).message}\n`);
    return 2;
  }

  // Several workers: this process supervises them (cluster/supervisor.ts); each worker runs main() again.
  if (cluster.isPrimary && workerCount(config.workers) > 1) {
    try {
      await runSupervisor(config, createLogger(config.logLevel, { captureDir: config.logCaptureDir }).child({ supervisor: true }));
      return -1;
    } catch (err) {
      process.stderr.write(`openums: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const worker = cluster.isWorker ? Number(process.env[WORKER_ENV] ?? 0) : undefined;
  // The workers of a host share its cores and database: each paces its reads for the host.
  if (worker !== undefined) setWorkersOnHost(workerCount(config.workers));

  try {
    const server = await startServer(
      config,
      { adminPassword: process.env.OPENUMS_ADMIN_PASSWORD },
      worker === undefined ? {} : { worker, listenWhenReady: process.env[LISTEN_EARLY_ENV] !== '1' },
    );
    if (cluster.isWorker) process.send?.(READY_MESSAGE);
    const missing = cluster.isWorker ? [] : missingHeapFlags(process.execArgv);
    if (missing.length)
      server.logger.info(
        { missing },
        "running with Node's default heap sizes: start node with these flags (bin/openums.js run as a program, npm start and docs/install.md do)",
      );
    const shutdown = (signal: string) => {
      server.logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(1), 15_000);
      force.unref();
      server.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          server.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    return -1; // keep running
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof StartupError ||
      err instanceof DataDirLockedError ||
      err instanceof SecretMismatchError
    ) {
      process.stderr.write(`openums: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`openums: start-up failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
