import {
  MAIL_ADDRESS_PATTERN,
  MAIL_DEFAULT_PORTS,
  MAIL_PASSWORD_MASK,
  type MailSecurity,
  type MailSettings,
  type UpdateMailSettingsRequest,
} from '@openums/protocol';

/** The mail form as typed (strings and switches), turned into a request on save. */
export interface MailDraft {
  enabled: boolean;
  host: string;
  port: number | string;
  security: MailSecurity;
  /** Log in with a user name and password. */
  auth: boolean;
  user: string;
  /** Typed password; empty keeps the stored one. */
  password: string;
  removePassword: boolean;
  sender: string;
  /** One address per line (commas and semicolons also separate). */
  recipients: string;
  caCertificate: string;
  verifyHostName: boolean;
  /** Try the server before saving. */
  verify: boolean;
}

export const draftOf = (s: MailSettings): MailDraft => ({
  enabled: s.host !== null,
  host: s.host ?? '',
  port: s.host === null || s.port === MAIL_DEFAULT_PORTS[s.security] ? '' : s.port,
  security: s.security,
  auth: s.user !== null,
  user: s.user ?? '',
  password: '',
  removePassword: false,
  sender: s.sender ?? '',
  recipients: s.recipients.join('\n'),
  caCertificate: s.caCertificate ?? '',
  verifyHostName: s.verifyHostName,
  verify: true,
});

const ADDRESS = new RegExp(MAIL_ADDRESS_PATTERN, 'u');
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]+)$/;

export const recipientsOf = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((r) => r.trim())
    .filter((r) => r !== '');

/** What is wrong with the draft, by field; empty when it can be sent. */
export function draftProblems(d: MailDraft, stored: MailSettings): Partial<Record<keyof MailDraft, string>> {
  const p: Partial<Record<keyof MailDraft, string>> = {};
  if (!d.enabled) return p;
  if (!HOST.test(d.host.trim())) p.host = 'A host name or IP address, without a port';
  if (d.port !== '' && !(Number.isInteger(Number(d.port)) && Number(d.port) >= 1 && Number(d.port) <= 65535)) p.port = '1 to 65535';
  if (!ADDRESS.test(d.sender.trim())) p.sender = 'An address like ums@example.com';
  const bad = recipientsOf(d.recipients).filter((r) => !ADDRESS.test(r));
  if (bad.length) p.recipients = `Not an address: ${bad.join(', ')}`;
  else if (new Set(recipientsOf(d.recipients)).size !== recipientsOf(d.recipients).length) p.recipients = 'An address is listed twice';
  if (d.auth && d.user.trim() === '') p.user = 'The user name to log in with';
  if (d.auth && !d.removePassword && d.password === '' && (stored.password === null || stored.user === null)) {
    p.password = 'The password to log in with';
  }
  if (d.security !== 'none' && d.caCertificate.trim() !== '' && !d.caCertificate.includes('-----BEGIN CERTIFICATE-----')) {
    p.caCertificate = 'PEM: -----BEGIN CERTIFICATE----- …';
  }
  return p;
}

/** The PUT body. An untouched password goes back as the mask, which keeps the stored one. */
export function requestOf(d: MailDraft, stored: MailSettings): UpdateMailSettingsRequest {
  if (!d.enabled) return { host: null, security: d.security, sender: null };
  const password = !d.auth ? null : d.removePassword ? null : d.password !== '' ? d.password : stored.password ? MAIL_PASSWORD_MASK : null;
  return {
    host: d.host.trim(),
    ...(d.port !== '' ? { port: Number(d.port) } : {}),
    security: d.security,
    user: d.auth ? d.user.trim() : null,
    password,
    sender: d.sender.trim(),
    recipients: recipientsOf(d.recipients),
    caCertificate: d.security !== 'none' && d.caCertificate.trim() !== '' ? d.caCertificate.trim() + '\n' : null,
    verifyHostName: d.verifyHostName,
    verify: d.verify,
  };
}
