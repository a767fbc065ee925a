import { Type, type Static } from 'typebox';
import { Cursor, Id, Nullable, Page, PageLimit } from './common.js';

/** Stable dotted names: `device.update`, `auth.login-failed`, `admin-group.update` … */
const ActionName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$' });
/** `device`, `device-folder`, `admin`, `api-token`, `settings` … */
const ObjectType = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$' });

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  /** The administrator who acted; null for failed logins of unknown names and system work. */
  actorId: Nullable(Type.Integer()),
  /** The actor's user name when the entry was written (kept after the account is renamed or deleted). */
  actorName: Nullable(Type.String()),
  /** How the actor was authenticated: a login session or an API token. */
  via: Type.Union([Type.Literal('session'), Type.Literal('token'), Type.Null()]),
  tokenId: Nullable(Type.Integer()),
  /** Client address of the request. */
  address: Nullable(Type.String()),
  action: Type.String(),
  objectType: Nullable(Type.String()),
  objectId: Nullable(Type.Integer()),
  /** The object's name when the entry was written. */
  objectName: Nullable(Type.String()),
  /** The object before and after the change, secrets replaced by "***"; null where there is none. */
  before: Type.Unknown(),
  after: Type.Unknown(),
  result: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
});
export type AuditEntry = Static<typeof AuditEntry>;
export const AuditPage = Page(AuditEntry);
export type AuditPage = Static<typeof AuditPage>;

const auditFilters = {
  /** Entries at or after this time. */
  from: Type.Optional(Type.String({ format: 'date-time' })),
  /** Entries before this time. */
  to: Type.Optional(Type.String({ format: 'date-time' })),
  actorId: Type.Optional(Id),
  objectType: Type.Optional(ObjectType),
  objectId: Type.Optional(Id),
  action: Type.Optional(ActionName),
};
export const AuditFilterQuery = Type.Object(auditFilters, { additionalProperties: false });
export type AuditFilterQuery = Static<typeof AuditFilterQuery>;
/** Newest first, a page at a time. */
export const ListAuditLogQuery = Type.Object(
  { ...auditFilters, limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListAuditLogQuery = Static<typeof ListAuditLogQuery>;

export const AuditSettings = Type.Object(
  {
    /** Entries older than this many days are deleted (in batches, by one server of the cluster). */
    retentionDays: Type.Integer({ minimum: 1, maximum: 3650 }),
  },
  { additionalProperties: false },
);
export type AuditSettings = Static<typeof AuditSettings>;
