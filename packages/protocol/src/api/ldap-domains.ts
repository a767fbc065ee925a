import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';

/**
 * LDAP / Active Directory domains administrators log in through (`user@DOMAIN`, `DOMAIN\user`).
 * The bind password is write-only: responses say only whether one is set.
 */
export const LdapKind = Type.Union([Type.Literal('ad'), Type.Literal('ldap')]);
export type LdapKind = Static<typeof LdapKind>;
export const LdapSecurity = Type.Union([Type.Literal('none'), Type.Literal('ldaps'), Type.Literal('starttls')]);
export type LdapSecurity = Static<typeof LdapSecurity>;

/** A domain name as typed after `@` or before `\` (EXAMPLE, example.test). */
const DomainName = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$' });
/** A host name or an IPv4/IPv6 address (no port: the domain has one port). */
const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]+)$' });
const Hosts = Type.Array(Host, { minItems: 1, maxItems: 10 });
/** A distinguished name; its syntax is checked by the directory. */
const Dn = Type.String({ minLength: 1, maxLength: 1024, pattern: '^[^\\x00-\\x1f\\x7f]+$' });
const Attribute = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9-]*$' });
/** An extra search term in LDAP filter syntax, e.g. `(memberOf=cn=ums,ou=groups,dc=example,dc=test)`. */
const Filter = Type.String({ minLength: 3, maxLength: 1024, pattern: '^\\(.*\\)$' });
const PageSize = Type.Integer({ minimum: 1, maximum: 10_000 });
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });
/** PEM certificate(s) that sign the directory's server certificate. */
const CaPem = Type.String({ minLength: 1, maxLength: 65_536, pattern: '-----BEGIN CERTIFICATE-----' });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const UpnSuffixes = Type.Array(DomainName, { maxItems: 50, uniqueItems: true });

export const LdapDomain = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: LdapKind,
  hosts: Type.Array(Type.String()),
  port: Type.Integer(),
  security: LdapSecurity,
  caCertificate: Nullable(Type.String()),
  /** Whether the server certificate must name the host connected to (always, unless turned off). */
  verifyHostName: Type.Boolean(),
  baseDn: Type.String(),
  /** null: the directory is searched anonymously. */
  bindDn: Nullable(Type.String()),
  /** Whether a bind password is stored; the password itself is never returned. */
  bindPasswordSet: Type.Boolean(),
  namingAttribute: Type.String(),
  groupAttribute: Type.String(),
  memberAttribute: Nullable(Type.String()),
  userFilter: Nullable(Type.String()),
  pageSize: Type.Integer(),
  upnSuffixes: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type LdapDomain = Static<typeof LdapDomain>;
export const LdapDomainList = Type.Object({ items: Type.Array(LdapDomain) });
export type LdapDomainList = Static<typeof LdapDomainList>;

const settable = {
  hosts: Hosts,
  port: Type.Optional(Port),
  security: LdapSecurity,
  caCertificate: Type.Optional(Nullable(CaPem)),
  verifyHostName: Type.Optional(Type.Boolean()),
  baseDn: Type.Optional(Dn),
  bindDn: Type.Optional(Nullable(Dn)),
  bindPassword: Type.Optional(Nullable(Password)),
  namingAttribute: Type.Optional(Attribute),
  groupAttribute: Type.Optional(Attribute),
  memberAttribute: Type.Optional(Nullable(Attribute)),
  userFilter: Type.Optional(Nullable(Filter)),
  pageSize: Type.Optional(PageSize),
  upnSuffixes: Type.Optional(UpnSuffixes),
};

export const CreateLdapDomainRequest = Type.Object({ name: DomainName, kind: LdapKind, ...settable }, { additionalProperties: false });
export type CreateLdapDomainRequest = Static<typeof CreateLdapDomainRequest>;
/** Every field optional; the name cannot change (accounts refer to it). `bindPassword: null` removes it. */
export const UpdateLdapDomainRequest = Type.Object(
  { kind: Type.Optional(LdapKind), ...settable, hosts: Type.Optional(Hosts), security: Type.Optional(LdapSecurity) },
  { additionalProperties: false },
);
export type UpdateLdapDomainRequest = Static<typeof UpdateLdapDomainRequest>;

export const LdapTestResult = Type.Object({
  ok: Type.Literal(true),
  /** The host that answered. */
  host: Type.String(),
  security: LdapSecurity,
});
export type LdapTestResult = Static<typeof LdapTestResult>;

export const LdapEntryType = Type.Union([Type.Literal('user'), Type.Literal('group')]);
export type LdapEntryType = Static<typeof LdapEntryType>;
export const LdapSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 256, pattern: '^[^\\x00-\\x1f\\x7f]*$' })),
    type: Type.Optional(Type.Union([LdapEntryType, Type.Literal('all')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type LdapSearchQuery = Static<typeof LdapSearchQuery>;
export const LdapEntry = Type.Object({
  type: LdapEntryType,
  dn: Type.String(),
  /** The naming attribute's value (users) or the group's cn. */
  name: Type.String(),
  displayName: Nullable(Type.String()),
  /** The account or group id when already imported, else null. */
  importedId: Nullable(Type.Integer()),
});
export type LdapEntry = Static<typeof LdapEntry>;
export const LdapSearchResult = Type.Object({
  items: Type.Array(LdapEntry),
  /** More entries matched than `limit`: narrow `q`. */
  truncated: Type.Boolean(),
});
export type LdapSearchResult = Static<typeof LdapSearchResult>;

export const LdapImportRequest = Type.Object(
  { entries: Type.Array(Type.Object({ type: LdapEntryType, dn: Dn }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
export type LdapImportRequest = Static<typeof LdapImportRequest>;
export const LdapImportResult = Type.Object({
  items: Type.Array(
    Type.Object({
      type: LdapEntryType,
      dn: Type.String(),
      /** Account id (users) or group id (groups). */
      id: Type.Integer(),
      name: Type.String(),
      /** False when it had been imported before. */
      created: Type.Boolean(),
    }),
  ),
});
export type LdapImportResult = Static<typeof LdapImportResult>;
