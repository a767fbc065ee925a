import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createJoinToken } from './cluster/join.js';
import { loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { openDatabase } from './db/database.js';
import { ServersRepository } from './modules/servers/servers.repository.js';
import { LOG_AREAS, LOG_LEVELS, type LoggingSettings } from '@openums/protocol';
import { SettingsRepository } from './db/settings.repository.js';
import { LOGGING_KEY } from './modules/logging/logging.routes.js';

export const ADMIN_USAGE = `Usage: openums admin <command> [options]

Commands:
  servers list                 server processes of the cluster (status, version, devices, last beat)
  servers remove ID            remove the entry of a dead server process
  cluster join-token --out FILE
                               write the token a second host joins with (openums server --join-file FILE);
                               it holds the installation's secret key: keep the file private, delete it after use

  log-level                    show the log levels the server processes use
  log-level LEVEL [AREA=LEVEL …]
                               change them at run time (every process within 5 s, no restart);
                               levels: fatal error warn info debug trace; areas: ${LOG_AREAS.join(' ')}

Options: --config FILE, --data-dir DIR, --database-url URL (as for openums server)
`;

/** `openums admin …`: maintenance commands that work on the data directory and the database directly. */
export async function adminMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [area, action, arg] = positionals;
  if (values.help || !area) {
    process.stdout.write(ADMIN_USAGE);
    return values.help ? 0 : 2;
  }
  const config: Readonly<Config> = loadConfig({
    file: values.config,
    env: process.env,
    flags: { dataDir: values['data-dir'], databaseUrl: values['database-url'] } as Partial<Config>,
  });

  if (area === 'cluster' && action === 'join-token') {
    if (!values.out) {
      process.stderr.write(
        'openums admin cluster join-token: --out FILE is required (the token is a secret: it never goes to the terminal)\n',
      );
      return 2;
    }
    writeFileSync(values.out, `${createJoinToken(config.dataDir)}\n`, { mode: 0o600 });
    process.stdout.write(`Join token written to ${values.out} (mode 0600). On the new host: openums server --join-file ${values.out} …\n`);
    return 0;
  }

  if (area === 'servers' && (action === 'list' || action === 'remove')) {
    const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    try {
      const repo = new ServersRepository(database.db, database.dialect);
      if (action === 'list') {
        const rows = await repo.list();
        const lines = rows.map((r) =>
          [
            r.id,
            r.host,
            String(r.worker),
            String(r.pid),
            r.status,
            r.version,
            String(r.devices_connected),
            new Date(r.last_beat).toISOString(),
            `${r.clock_offset_ms} ms`,
          ].join('\t'),
        );
        process.stdout.write(['ID\tHOST\tWORKER\tPID\tSTATUS\tVERSION\tDEVICES\tLAST BEAT\tCLOCK OFFSET', ...lines].join('\n') + '\n');
        return 0;
      }
      if (!arg) {
        process.stderr.write('openums admin servers remove: give the server id (see openums admin servers list)\n');
        return 2;
      }
      const r = await repo.removeDead(arg);
      if (r === 'removed') {
        process.stdout.write(`Removed ${arg}\n`);
        return 0;
      }
      process.stderr.write(r === 'missing' ? `No server ${arg}\n` : `Server ${arg} is running; only dead entries can be removed\n`);
      return 1;
    } finally {
      await database.close();
    }
  }
  if (area === 'log-level') return logLevel(config, positionals.slice(1));
  process.stderr.write(`Unknown admin command "${positionals.join(' ')}"\n\n${ADMIN_USAGE}`);
  return 2;
}

/** `openums admin log-level [LEVEL [AREA=LEVEL …]]`: reads or writes the stored levels (modules/logging). */
async function logLevel(config: Readonly<Config>, args: string[]): Promise<number> {
  const isLevel = (l: string | undefined): l is LoggingSettings['level'] => (LOG_LEVELS as readonly string[]).includes(l ?? '');
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    await database.migrate();
    const settings = new SettingsRepository(database.db);
    if (!args.length) {
      const raw = await settings.findSetting(LOGGING_KEY);
      process.stdout.write(raw ? `${raw}\n` : 'No level set at run time: each process logs at its --log-level.\n');
      return 0;
    }
    const [level, ...rest] = args;
    if (!isLevel(level)) {
      process.stderr.write(`openums admin log-level: "${level}" is not a level (${LOG_LEVELS.join(', ')})\n`);
      return 2;
    }
    const next: LoggingSettings = { level, areas: {} };
    for (const a of rest) {
      const [name, value] = a.split('=');
      if (!(LOG_AREAS as readonly string[]).includes(name ?? '') || !isLevel(value)) {
        process.stderr.write(`openums admin log-level: "${a}" is not AREA=LEVEL (areas: ${LOG_AREAS.join(', ')})\n`);
        return 2;
      }
      next.areas[name as (typeof LOG_AREAS)[number]] = value;
    }
    await settings.putSetting(LOGGING_KEY, JSON.stringify(next));
    process.stdout.write(`Log levels set: ${JSON.stringify(next)} (every running server applies them within 5 s)\n`);
    return 0;
  } finally {
    await database.close();
  }
}
