import { ErrorResponse, GeneralRight, LoggingSettings } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import type { App } from '../../lib/fastify.js';
import type { LogLevels } from '../../lib/log-levels.js';
import { auditContext, type AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import { transaction } from '../../db/transaction.js';

/** One key in the settings table, shared by every server process of the installation. */
export const LOGGING_KEY = 'logging';
/** How often each process looks for a changed level (a change made elsewhere applies within this). */
export const LOGGING_REFRESH_MS = 5_000;

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const tags = ['logging'];
const access = { access: { general: GeneralRight.LoggingAndAudit } } as const;

/** Log levels at run time: stored once for the cluster, applied by every process (LogLevels). */
export class LoggingService {
  constructor(
    private readonly db: Db,
    private readonly settings: SettingsRepository,
    private readonly levels: LogLevels,
    private readonly audit: Pick<AuditLog, 'record'>,
  ) {}

  async stored(): Promise<LoggingSettings | null> {
    const raw = await this.settings.findSetting(LOGGING_KEY);
    return raw ? (JSON.parse(raw) as LoggingSettings) : null;
  }

  async get(): Promise<LoggingSettings> {
    return (await this.stored()) ?? { level: (this.levels.root?.level ?? 'info') as LoggingSettings['level'], areas: {} };
  }

  async put(by: AuditContext, s: LoggingSettings): Promise<LoggingSettings> {
    const before = await this.get();
    await transaction(this.db, async (trx) => {
      await this.settings.putSetting(LOGGING_KEY, JSON.stringify(s), trx);
      await this.audit.record(trx, {
        by,
        action: 'settings.logging',
        object: { type: 'settings', id: null, name: 'logging' },
        before: before as unknown as Record<string, unknown>,
        after: s as unknown as Record<string, unknown>,
      });
    });
    this.levels.apply(s);
    return s;
  }

  /** Applies what is stored (every process, periodically). */
  async refresh(): Promise<void> {
    this.levels.apply(await this.stored());
  }
}

/** Routes, and the per-process refresh (stopped when the app closes). */
export function loggingModule(app: App, p: { db: Db; settings: SettingsRepository; levels: LogLevels; audit: Pick<AuditLog, 'record'> }) {
  const service = new LoggingService(p.db, p.settings, p.levels, p.audit);
  let closed = false;
  const timer = setInterval(() => {
    if (!closed) void service.refresh().catch(() => undefined);
  }, LOGGING_REFRESH_MS);
  timer.unref();
  app.addHook('onClose', async () => {
    closed = true;
    clearInterval(timer);
  });
  app.addHook('onReady', async () => {
    await service.refresh().catch(() => undefined);
  });
  app.get('/api/v1/settings/logging', {
    config: access,
    schema: { tags, summary: 'Log levels of the server processes (default and per area)', response: { 200: LoggingSettings, ...errors } },
    handler: () => service.get(),
  });
  app.put('/api/v1/settings/logging', {
    config: access,
    schema: {
      tags,
      summary: `Change log levels without a restart: this process at once, every other within ${LOGGING_REFRESH_MS / 1000} s`,
      body: LoggingSettings,
      response: { 200: LoggingSettings, ...errors },
    },
    handler: (req) => service.put(auditContext(req), req.body),
  });
  return service;
}
