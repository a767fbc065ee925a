import { isIP } from 'node:net';
import { ErrorCode, type MailSecurity } from '@openums/protocol';
import nodemailer from 'nodemailer';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';

/** The settings a message is sent with, the password opened (never logged, never answered). */
export interface SmtpSettings {
  host: string;
  port: number;
  security: MailSecurity;
  user: string | null;
  password: string | null;
  sender: string;
  recipients: string[];
  caCertificate: string | null;
  verifyHostName: boolean;
}

export interface MailAttachment {
  filename: string;
  content: Buffer | string;
  contentType?: string;
}

export interface SentMail {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

export interface MailerOptions {
  /** Connecting and waiting for the greeting, each (default 5 s): an unreachable server is reported quickly. */
  connectTimeoutMs?: number;
  /** Silence in the middle of a conversation (default 30 s). */
  socketTimeoutMs?: number;
}

/** Node's and OpenSSL's names for a certificate the client does not accept. */
const CERT_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|INVALID_CA|HOSTNAME|ALTNAME/i;
const CERT_TEXT = /certificate|self[- ]signed|altnames|Hostname\/IP does not match/i;
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'EREQUIRETLS']);

interface NodemailerError {
  code?: string;
  originalCode?: string;
  message?: string;
  responseCode?: number;
  command?: string;
}

/**
 * Turns a nodemailer failure into the API's error with a stable code; anything else is thrown
 * as it is (a fault of this server). No message of nodemailer carries the password.
 */
export function mailAppError(err: unknown, s: Pick<SmtpSettings, 'host' | 'port'>): unknown {
  const e = err as NodemailerError;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return err;
  const reason = (e.message ?? e.code).slice(0, 500);
  const details = { host: s.host, port: s.port, reason, ...(e.responseCode ? { responseCode: e.responseCode } : {}) };
  if ((e.originalCode && CERT_CODE.test(e.originalCode)) || ((e.code === 'ESOCKET' || e.code === 'ETLS') && CERT_TEXT.test(reason))) {
    return new AppError(
      ErrorCode.MailCertificateInvalid,
      `The mail server's certificate was refused (${reason}); check the CA certificate and the host name`,
      details,
    );
  }
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    return new AppError(ErrorCode.MailAuthFailed, `The mail server refused the user name and password (${reason})`, details);
  }
  if (CONNECTION_CODES.has(e.code)) {
    return new AppError(ErrorCode.MailConnectionFailed, `Could not talk to the mail server ${s.host}:${s.port} (${reason})`, details);
  }
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
    return new AppError(ErrorCode.MailRejected, `The mail server refused the message (${reason})`, details);
  }
  return err;
}

const addressOf = (a: unknown): string => (typeof a === 'string' ? a : String((a as { address?: string }).address ?? ''));

/**
 * Sends mail through the installation's SMTP server. The settings are read for every message
 * (from the database, through `load`), so a change made on any server of a cluster applies at
 * once without a cache to invalidate. Later features (views mailed, notifications) send through
 * this class.
 */
export class Mailer {
  private readonly connectTimeoutMs: number;
  private readonly socketTimeoutMs: number;

  constructor(
    /** The current settings, password opened; null while mail is not configured. */
    private readonly load: () => Promise<SmtpSettings | null>,
    private readonly log: Logger | null,
    options: MailerOptions = {},
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.socketTimeoutMs = options.socketTimeoutMs ?? 30_000;
  }

  /** Sends one message to `to`; MAIL_NOT_CONFIGURED, MAIL_CONNECTION_FAILED, MAIL_AUTH_FAILED, … */
  async send(to: string | readonly string[], subject: string, text: string, attachments?: readonly MailAttachment[]): Promise<SentMail> {
    return this.sendWith(await this.settings(), to, subject, text, attachments);
  }

  /** Sends one message to the configured recipients of administrative mail. */
  async sendToRecipients(subject: string, text: string, attachments?: readonly MailAttachment[]): Promise<SentMail> {
    const s = await this.settings();
    if (s.recipients.length === 0) {
      throw new AppError(ErrorCode.MailNotConfigured, 'No recipients of administrative mail are configured');
    }
    return this.sendWith(s, s.recipients, subject, text, attachments);
  }

  /** Connects, secures the connection and logs in with `s`, then hangs up (nothing is sent). */
  async verify(s: SmtpSettings): Promise<void> {
    const transport = this.transport(s);
    try {
      await transport.verify();
    } catch (err) {
      throw mailAppError(err, s);
    } finally {
      transport.close();
    }
  }

  private async settings(): Promise<SmtpSettings> {
    const s = await this.load();
    if (!s) throw new AppError(ErrorCode.MailNotConfigured, 'Mail is not configured (Administration › Mail)');
    return s;
  }

  private async sendWith(
    s: SmtpSettings,
    to: string | readonly string[],
    subject: string,
    text: string,
    attachments?: readonly MailAttachment[],
  ): Promise<SentMail> {
    const recipients = typeof to === 'string' ? [to] : [...to];
    const transport = this.transport(s);
    try {
      const info = await transport.sendMail({
        from: s.sender,
        to: recipients,
        subject,
        text,
        ...(attachments?.length ? { attachments: attachments.map((a) => ({ ...a })) } : {}),
      });
      const sent = {
        messageId: String(info.messageId ?? ''),
        accepted: (info.accepted ?? []).map(addressOf),
        rejected: (info.rejected ?? []).map(addressOf),
      };
      this.log?.info({ host: s.host, port: s.port, accepted: sent.accepted.length, rejected: sent.rejected.length }, 'mail sent');
      return sent;
    } catch (err) {
      const mapped = mailAppError(err, s);
      this.log?.warn({ host: s.host, port: s.port, code: (mapped as AppError).code ?? 'unknown' }, 'mail not sent');
      throw mapped;
    } finally {
      transport.close();
    }
  }

  private transport(s: SmtpSettings) {
    return nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.security === 'tls',
      // `none` means none: no opportunistic STARTTLS; `starttls` refuses a server without it.
      ignoreTLS: s.security === 'none',
      requireTLS: s.security === 'starttls',
      ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
      connectionTimeout: this.connectTimeoutMs,
      greetingTimeout: this.connectTimeoutMs,
      dnsTimeout: this.connectTimeoutMs,
      socketTimeout: this.socketTimeoutMs,
      tls: {
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        ...(s.caCertificate ? { ca: s.caCertificate } : {}),
        ...(isIP(s.host) ? {} : { servername: s.host }),
        ...(s.verifyHostName ? {} : { checkServerIdentity: () => undefined }),
      },
      // Attachments are given as content only: never read from a path or a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
      debug: false,
    });
  }
}
