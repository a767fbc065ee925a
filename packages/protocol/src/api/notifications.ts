import { Type, type Static, type TOptional } from 'typebox';
import { Cursor, Nullable, Page, PageLimit } from './common.js';
import { MailAddress } from './mail.js';

/**
 * The notification centre (`/api/v1/notifications`): conditions that need an administrator's
 * attention, raised and resolved by the server's periodic checks. One notification per condition
 * (e.g. "the web CA expires in 12 days"): raised once, updated while it lasts, resolved when it
 * is gone; raised again later, it is unread again.
 */
export const NOTIFICATION_KINDS = [
  'certificateExpiry',
  'deviceCertificateExpiry',
  'diskSpace',
  'serverSkew',
  'missedHeartbeats',
  'jobFailures',
  'missingAdminTask',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const NotificationKind = Type.Unsafe<NotificationKind>(Type.Union(NOTIFICATION_KINDS.map((k) => Type.Literal(k))));

export const NotificationSeverity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);
export type NotificationSeverity = Static<typeof NotificationSeverity>;

export const Notification = Type.Object({
  id: Type.Integer(),
  kind: NotificationKind,
  severity: NotificationSeverity,
  title: Type.String(),
  message: Type.String(),
  /** What it is about, when it is one object (a server, a device). */
  objectType: Nullable(Type.String()),
  objectId: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  /** Set once the condition is gone. */
  resolvedAt: Nullable(Type.String({ format: 'date-time' })),
  /** Read by the administrator asking. */
  read: Type.Boolean(),
});
export type Notification = Static<typeof Notification>;
export const NotificationPage = Page(Notification);
export type NotificationPage = Static<typeof NotificationPage>;

export const ListNotificationsQuery = Type.Object(
  {
    /** Only those this administrator has not read. */
    unread: Type.Optional(Type.Boolean()),
    /** Resolved ones too (default: only current conditions). */
    resolved: Type.Optional(Type.Boolean()),
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ListNotificationsQuery = Static<typeof ListNotificationsQuery>;

export const NotificationCount = Type.Object({ unread: Type.Integer(), current: Type.Integer() });
export type NotificationCount = Static<typeof NotificationCount>;

const KindChoice = Type.Object({ show: Type.Boolean(), mail: Type.Boolean() }, { additionalProperties: false });

/**
 * Per administrator: which kinds the centre shows, and which are mailed to `mailTo` when raised
 * (through Administration › Mail). Kinds left out keep their default: shown, not mailed.
 */
export const NotificationPreferences = Type.Object(
  {
    mailTo: Nullable(MailAddress),
    kinds: Type.Object(
      Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, Type.Optional(KindChoice)])) as Record<
        NotificationKind,
        TOptional<typeof KindChoice>
      >,
      {
        additionalProperties: false,
      },
    ),
  },
  { additionalProperties: false },
);
export type NotificationPreferences = Static<typeof NotificationPreferences>;
