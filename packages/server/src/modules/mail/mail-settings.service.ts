import { X509Certificate } from 'node:crypto';
import {
  ErrorCode,
  MAIL_DEFAULT_PORTS,
  MAIL_PASSWORD_MASK,
  type MailSecurity,
  type MailSettings,
  type MailTestRequest,
  type MailTestResult,
  type UpdateMailSettingsRequest,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Mailer, SmtpSettings } from './mailer.js';

/** One key in the settings table, shared by every server of the installation. */
const KEY = 'mail';

/** What the settings table holds: the password sealed with the installation's secret box. */
interface StoredMail {
  host: string | null;
  port: number;
  security: MailSecurity;
  user: string | null;
  passwordSealed: string | null;
  sender: string | null;
  recipients: string[];
  caCertificate: string | null;
  verifyHostName: boolean;
}

const NOT_SET: StoredMail = {
  host: null,
  port: MAIL_DEFAULT_PORTS.starttls,
  security: 'starttls',
  user: null,
  passwordSealed: null,
  sender: null,
  recipients: [],
  caCertificate: null,
  verifyHostName: true,
};

function parseStored(raw: string | undefined): StoredMail {
  if (!raw) return NOT_SET;
  return { ...NOT_SET, ...(JSON.parse(raw) as Partial<StoredMail>) };
}

/** The answer: the password shown as the mask when one is stored. */
function toSettings(s: StoredMail): MailSettings {
  return {
    host: s.host,
    port: s.port,
    security: s.security,
    user: s.user,
    password: s.passwordSealed ? MAIL_PASSWORD_MASK : null,
    sender: s.sender,
    recipients: s.recipients,
    caCertificate: s.caCertificate,
    verifyHostName: s.verifyHostName,
  };
}

const invalid = (field: string, message: string) => new AppError(ErrorCode.ValidationFailed, message, { field });

function checkCaCertificate(pem: string): void {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw invalid('body.caCertificate', 'body.caCertificate holds no PEM certificate');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw invalid('body.caCertificate', 'body.caCertificate is not a readable PEM certificate');
    }
  }
}

/**
 * The installation's mail settings (Administration › Mail): read, replaced (after a connection
 * check) and tried with a test message. The settings are read per message by the `Mailer`, so
 * nothing is cached and no cluster message is needed.
 */
export class MailSettingsService {
  constructor(
    private readonly settings: SettingsRepository,
    /** The installation's secret box (read from the data directory when first needed). */
    private readonly box: () => SecretBox,
    private readonly mailer: Mailer,
    /** A saved change is recorded in the same transaction (never with the password). */
    private readonly audit: Pick<AuditLog, 'record'>,
    private readonly log: Logger | null,
  ) {}

  async getMailSettings(): Promise<MailSettings> {
    return toSettings(await this.stored());
  }

  /** The settings a message is sent with (password opened); null while mail is off. */
  async smtpSettings(db?: Db): Promise<SmtpSettings | null> {
    const s = await this.stored(db);
    if (!s.host || !s.sender) return null;
    return this.opened(s, s.passwordSealed ? this.box().open(s.passwordSealed) : null);
  }

  async updateMailSettings(by: AuditContext, req: UpdateMailSettingsRequest): Promise<MailSettings> {
    const current = await this.stored();
    if (req.host !== null && req.sender === null) throw invalid('body.sender', 'body.sender is required when a host is set');
    if (req.caCertificate) checkCaCertificate(req.caCertificate);
    const user = req.user ?? null;
    const keep = req.password === undefined || req.password === MAIL_PASSWORD_MASK;
    if (req.password === MAIL_PASSWORD_MASK && !current.passwordSealed) {
      throw invalid('body.password', 'body.password is the mask, but no password is stored: send the password');
    }
    if (user === null && typeof req.password === 'string' && !keep) {
      throw invalid('body.user', 'body.user is required with a password');
    }
    // Without a user there is no login, so no password either.
    const password =
      user === null ? null : keep ? (current.passwordSealed ? this.box().open(current.passwordSealed) : null) : req.password!;
    const next: Omit<StoredMail, 'passwordSealed'> = {
      host: req.host,
      port: req.port ?? MAIL_DEFAULT_PORTS[req.security],
      security: req.security,
      user,
      sender: req.sender,
      recipients: req.recipients ?? [],
      caCertificate: req.caCertificate ?? null,
      verifyHostName: req.verifyHostName ?? true,
    };
    // The server is tried before anything is written: settings that cannot send are refused.
    if (next.host && next.sender && req.verify !== false) {
      await this.mailer.verify(this.opened({ ...next, passwordSealed: null }, password));
    }
    const passwordChanged = (current.passwordSealed ? this.box().open(current.passwordSealed) : null) !== password;
    const stored: StoredMail = {
      ...next,
      passwordSealed: password === null ? null : passwordChanged ? this.box().seal(password) : current.passwordSealed,
    };
    await this.settings.changeSettingLocked(KEY, async (raw, trx) => {
      const before = toSettings(parseStored(raw));
      const after = toSettings(stored);
      await this.audit.record(trx, {
        by,
        action: 'settings.update',
        object: { type: 'settings', name: 'mail' },
        before,
        // The mask hides whether the password changed: say so, without it.
        after: passwordChanged ? { ...after, password: password === null ? null : 'changed' } : after,
      });
      return { value: JSON.stringify(stored), result: undefined };
    });
    this.log?.info({ host: stored.host, port: stored.port, security: stored.security }, 'mail settings saved');
    return toSettings(stored);
  }

  /** Sends a test message to `to`, or to the configured recipients. */
  async sendTestMail(by: AuditContext, req: MailTestRequest): Promise<MailTestResult> {
    const s = await this.smtpSettings();
    if (!s) throw new AppError(ErrorCode.MailNotConfigured, 'Mail is not configured: save a host and a sender first');
    const to = req.to ? [req.to] : s.recipients;
    if (to.length === 0) throw invalid('body.to', 'body.to is required: no recipients of administrative mail are configured');
    const who = by.actor ? ` by ${by.actor.name}` : '';
    const sent = await this.mailer.send(
      to,
      'OpenUMS test message',
      `This is a test message from OpenUMS, requested${who}.\n\n` +
        `It was sent through ${s.host}:${s.port} (security: ${s.security}). If you can read it, mail from OpenUMS arrives.\n`,
    );
    return { ok: true, accepted: sent.accepted, messageId: sent.messageId };
  }

  private async stored(db?: Db): Promise<StoredMail> {
    return parseStored(await this.settings.findSetting(KEY, db));
  }

  private opened(s: StoredMail, password: string | null): SmtpSettings {
    return {
      host: s.host!,
      port: s.port,
      security: s.security,
      user: s.user,
      password: s.user ? password : null,
      sender: s.sender!,
      recipients: s.recipients,
      caCertificate: s.caCertificate,
      verifyHostName: s.verifyHostName,
    };
  }
}
