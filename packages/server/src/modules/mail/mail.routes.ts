import { ErrorResponse, GeneralRight, MailSettings, MailTestRequest, MailTestResult, UpdateMailSettingsRequest } from '@openums/protocol';
import type { SettingsRepository } from '../../db/settings.repository.js';
import type { App } from '../../lib/fastify.js';
import type { Logger } from '../../lib/logger.js';
import { SecretBox } from '../../lib/secret-box.js';
import { auditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import { MailSettingsService } from './mail-settings.service.js';
import { Mailer, type MailerOptions } from './mailer.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const tags = ['mail'];
const access = { access: { general: GeneralRight.Mail } } as const;

export interface MailModule {
  /** Sends mail with the installation's settings (views mailed, notifications). */
  mailer: Mailer;
  settings: MailSettingsService;
  registerRoutes(app: App): void;
}

/** Builds the mail module; app.ts registers its routes with one call. */
export function mailModule(p: {
  settings: SettingsRepository;
  dataDir: string;
  audit: Pick<AuditLog, 'record'>;
  log: Logger | null;
  options?: MailerOptions;
}): MailModule {
  let box: SecretBox | null = null;
  const openBox = () => (box ??= SecretBox.fromDataDir(p.dataDir));
  let service: MailSettingsService | null = null;
  const mailer = new Mailer(() => service!.smtpSettings(), p.log, p.options);
  service = new MailSettingsService(p.settings, openBox, mailer, p.audit, p.log);
  const settings = service;
  return { mailer, settings, registerRoutes: (app) => mailRoutes(app, settings) };
}

export function mailRoutes(app: App, mail: MailSettingsService): void {
  app.get('/api/v1/settings/mail', {
    config: access,
    schema: {
      tags,
      summary: 'The SMTP server administrative mail is sent through (the password shows as ********)',
      response: { 200: MailSettings, ...errors },
    },
    handler: () => mail.getMailSettings(),
  });
  app.put('/api/v1/settings/mail', {
    config: access,
    schema: {
      tags,
      summary:
        'Replace the mail settings; the server is tried first unless verify is false: MAIL_CONNECTION_FAILED, MAIL_CERTIFICATE_INVALID, MAIL_AUTH_FAILED',
      body: UpdateMailSettingsRequest,
      response: { 200: MailSettings, ...errors },
    },
    handler: (req) => mail.updateMailSettings(auditContext(req), req.body),
  });
  app.post('/api/v1/settings/mail/test', {
    config: access,
    schema: {
      tags,
      summary: 'Send a test message to `to` or to the configured recipients: MAIL_NOT_CONFIGURED, MAIL_CONNECTION_FAILED, …',
      body: MailTestRequest,
      response: { 200: MailTestResult, ...errors },
    },
    handler: (req) => mail.sendTestMail(auditContext(req), req.body),
  });
}
