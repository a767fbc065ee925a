import { arch, platform, release } from 'node:os';
import { ErrorResponse, GeneralRight } from '@openums/protocol';
import type { Config } from '../../config/schema.js';
import type { DatabaseHandle } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import type { Clock } from '../../lib/clock.js';
import type { App } from '../../lib/fastify.js';
import { recentLogLines } from '../../lib/logger.js';
import { VERSION } from '../../lib/version.js';
import type { ServersService } from '../servers/servers.service.js';
import type { MailSettingsService } from '../mail/mail-settings.service.js';
import { tarGz } from './tar.js';

/** Settings that hold no secret (the device CA key, sealed passwords and keys are never read here). */
const SAFE_SETTINGS = [
  'installation_id',
  'device_naming',
  'wake_on_lan',
  'logging',
  'audit_log',
  'password_policy',
  'profiles',
  'enrollment',
  'cluster_addresses',
  'job_settings',
  'device_comm_log',
];

/** The configuration without credentials: a PostgreSQL URL keeps host, port and database only. */
export function strippedConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  if (config.databaseUrl) {
    const u = new URL(config.databaseUrl);
    out.databaseUrl = `${u.protocol}//${u.username ? '***@' : ''}${u.host}${u.pathname}`;
  }
  return out;
}

/**
 * "Save support information": one .tar.gz with what a supporter asks for first — versions, the
 * server list, the configuration and the settings without secrets, the last log lines of this
 * process (already redacted by the logger) and the recent audit log. Secrets are left out by
 * construction (a list of safe keys), not filtered out of a dump.
 */
export function supportInfoRoutes(
  app: App,
  p: {
    database: DatabaseHandle;
    config: Config;
    settings: SettingsRepository;
    servers: ServersService;
    mail: MailSettingsService;
    clock: Clock;
  },
): void {
  app.get('/api/v1/support-info', {
    config: { access: { general: GeneralRight.LoggingAndAudit } },
    schema: {
      tags: ['logging'],
      summary:
        'Save support information: a .tar.gz with versions, servers, configuration and settings without secrets, recent log lines, recent audit entries',
      produces: ['application/gzip'],
      response: { 401: ErrorResponse, 403: ErrorResponse },
    },
    handler: async (_req, reply) => {
      const now = p.clock.now();
      const settings: Record<string, unknown> = {};
      for (const key of SAFE_SETTINGS) {
        const raw = await p.settings.findSetting(key);
        if (raw !== undefined) settings[key] = safeJson(raw);
      }
      settings.mail = await p.mail.getMailSettings(); // the password shows as the mask
      const audit = await p.database.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(500).execute();
      const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
      const archive = tarGz(
        [
          {
            name: 'README.txt',
            content: `OpenUMS support information, ${new Date(now).toISOString()}.\nNo passwords, keys or tokens are included; the log lines were redacted when written.\n`,
          },
          {
            name: 'versions.json',
            content: json({
              openums: VERSION,
              node: process.version,
              os: `${platform()} ${release()} ${arch()}`,
              database: p.database.dialect,
            }),
          },
          { name: 'servers.json', content: json(await p.servers.list()) },
          { name: 'config.json', content: json(strippedConfig(p.config)) },
          { name: 'settings.json', content: json(settings) },
          { name: 'recent-log.jsonl', content: recentLogLines.text() },
          { name: 'audit-recent.jsonl', content: audit.map((r) => JSON.stringify(r)).join('\n') + '\n' },
        ],
        now,
      );
      const stamp = new Date(now).toISOString().slice(0, 19).replace(/[:T]/g, '-');
      return reply
        .header('content-type', 'application/gzip')
        .header('content-disposition', `attachment; filename="openums-support-${stamp}.tar.gz"`)
        .send(archive as never); // binary: no response schema to type it
    },
  });
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
