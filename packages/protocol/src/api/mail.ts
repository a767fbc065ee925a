import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';

/**
 * `GET`/`PUT /api/v1/settings/mail`: the SMTP server administrative mail leaves through,
 * installation-wide. The password is write-only: answers show `MAIL_PASSWORD_MASK` when one is
 * stored, and sending the mask back (or leaving the field out) keeps it — the profiles' secret
 * convention, so a client can round-trip what it read into a PUT.
 */
export const MAIL_PASSWORD_MASK = '********';

/** `none`: plain SMTP (no STARTTLS even if offered); `tls`: TLS from the first byte (465); `starttls`: required upgrade (587). */
export const MailSecurity = Type.Union([Type.Literal('none'), Type.Literal('tls'), Type.Literal('starttls')]);
export type MailSecurity = Static<typeof MailSecurity>;

/** The port each security mode uses unless another is given. */
export const MAIL_DEFAULT_PORTS: Record<MailSecurity, number> = { none: 25, tls: 465, starttls: 587 };

/** A host name or an IPv4/IPv6 address (no port). */
const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]+)$' });
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });
/** A plain address `local@domain` (no display name, no spaces, no list separators). */
export const MAIL_ADDRESS_PATTERN = '^[^\\s@<>()",;:\\\\\\[\\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$';
export const MailAddress = Type.String({ minLength: 3, maxLength: 254, pattern: MAIL_ADDRESS_PATTERN });
const Recipients = Type.Array(MailAddress, { maxItems: 50, uniqueItems: true });
const User = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\x00-\\x1f\\x7f]+$' });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
/** PEM certificate(s) that sign the SMTP server's certificate. */
const CaPem = Type.String({ minLength: 1, maxLength: 65_536, pattern: '-----BEGIN CERTIFICATE-----' });

export const MailSettings = Type.Object({
  /** null: mail is not configured (sending answers MAIL_NOT_CONFIGURED). */
  host: Nullable(Type.String()),
  port: Type.Integer(),
  security: MailSecurity,
  /** null: no authentication. */
  user: Nullable(Type.String()),
  /** `********` when a password is stored, else null; the password itself is never returned. */
  password: Nullable(Type.String()),
  /** The From address. */
  sender: Nullable(Type.String()),
  /** Who gets administrative mail (and the test message unless another address is given). */
  recipients: Type.Array(Type.String()),
  /** Extra CA certificate(s) for the server's certificate; null: the system's CAs. */
  caCertificate: Nullable(Type.String()),
  /** Whether the server's certificate must name `host` (always, unless turned off). */
  verifyHostName: Type.Boolean(),
});
export type MailSettings = Static<typeof MailSettings>;

/**
 * Replaces the settings. `host: null` turns mail off. Left out: `port` (the security mode's
 * default), `user` (none), `caCertificate` (none), `verifyHostName` (true), `recipients` (none).
 * `password`: a new value replaces, `null` removes, the mask or leaving it out keeps the stored
 * one. Unless `verify` is false, the server is contacted first (connect, TLS, login) and nothing
 * is saved when that fails.
 */
export const UpdateMailSettingsRequest = Type.Object(
  {
    host: Nullable(Host),
    port: Type.Optional(Port),
    security: MailSecurity,
    user: Type.Optional(Nullable(User)),
    password: Type.Optional(Nullable(Password)),
    sender: Nullable(MailAddress),
    recipients: Type.Optional(Recipients),
    caCertificate: Type.Optional(Nullable(CaPem)),
    verifyHostName: Type.Optional(Type.Boolean()),
    verify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateMailSettingsRequest = Static<typeof UpdateMailSettingsRequest>;

/** `POST /api/v1/settings/mail/test`: to `to`, or to the configured recipients when left out. */
export const MailTestRequest = Type.Object({ to: Type.Optional(MailAddress) }, { additionalProperties: false });
export type MailTestRequest = Static<typeof MailTestRequest>;

export const MailTestResult = Type.Object({
  ok: Type.Literal(true),
  /** The addresses the server accepted. */
  accepted: Type.Array(Type.String()),
  messageId: Type.String(),
});
export type MailTestResult = Static<typeof MailTestResult>;
