import type { LdapKind, LdapSecurity } from '@openums/protocol';
import type { CreateLdapDomainRequest, LdapDomain, UpdateLdapDomainRequest } from '../../api/ldap';

const DOMAIN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]+)$/;
const ATTRIBUTE_RE = /^[A-Za-z][A-Za-z0-9-]*$/;

/** The form's text, as typed. */
export interface DomainDraft {
  kind: LdapKind;
  name: string;
  hosts: string;
  security: LdapSecurity;
  port: number | string;
  caCertificate: string;
  verifyHostName: boolean;
  baseDn: string;
  bindDn: string;
  /** Empty keeps the stored password when editing. */
  bindPassword: string;
  removeBindPassword: boolean;
  namingAttribute: string;
  groupAttribute: string;
  memberAttribute: string;
  userFilter: string;
  pageSize: number | string;
  upnSuffixes: string;
}

const split = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

export function emptyDraft(): DomainDraft {
  return {
    kind: 'ad',
    name: '',
    hosts: '',
    security: 'ldaps',
    port: '',
    caCertificate: '',
    verifyHostName: true,
    baseDn: '',
    bindDn: '',
    bindPassword: '',
    removeBindPassword: false,
    namingAttribute: '',
    groupAttribute: '',
    memberAttribute: '',
    userFilter: '',
    pageSize: '',
    upnSuffixes: '',
  };
}

export function draftOf(d: LdapDomain): DomainDraft {
  return {
    kind: d.kind,
    name: d.name,
    hosts: d.hosts.join(', '),
    security: d.security,
    port: d.port,
    caCertificate: d.caCertificate ?? '',
    verifyHostName: d.verifyHostName,
    baseDn: d.baseDn,
    bindDn: d.bindDn ?? '',
    bindPassword: '',
    removeBindPassword: false,
    namingAttribute: d.namingAttribute,
    groupAttribute: d.groupAttribute,
    memberAttribute: d.memberAttribute ?? '',
    userFilter: d.userFilter ?? '',
    pageSize: d.pageSize,
    upnSuffixes: d.upnSuffixes.join(', '),
  };
}

/** Problems by field; an empty object when the form can be sent. */
export function draftProblems(d: DomainDraft, editing: boolean): Partial<Record<keyof DomainDraft, string>> {
  const p: Partial<Record<keyof DomainDraft, string>> = {};
  if (!editing && !DOMAIN_RE.test(d.name)) p.name = 'Letters, digits, dots, hyphens and underscores, e.g. CORP or corp.example';
  const hosts = split(d.hosts);
  if (hosts.length === 0) p.hosts = 'Enter at least one host';
  else if (hosts.length > 10) p.hosts = 'At most 10 hosts';
  else if (hosts.some((h) => !HOST_RE.test(h))) p.hosts = `Not a host name or address: ${hosts.find((h) => !HOST_RE.test(h))}`;
  if (d.port !== '' && !(Number.isInteger(d.port) && Number(d.port) >= 1 && Number(d.port) <= 65535)) p.port = '1 to 65535';
  if (d.caCertificate.trim() && !d.caCertificate.includes('-----BEGIN CERTIFICATE-----')) {
    p.caCertificate = 'Paste the certificate in PEM form, starting with -----BEGIN CERTIFICATE-----';
  }
  const derivable = d.kind === 'ad' && d.name.includes('.');
  if (!d.baseDn.trim() && (editing || !derivable))
    p.baseDn = d.kind === 'ad' ? 'Enter the base DN (DC=corp,DC=example)' : 'Enter the base DN';
  for (const f of ['namingAttribute', 'groupAttribute'] as const) {
    if (editing && !d[f].trim()) p[f] = 'Enter an attribute name';
    else if (d[f].trim() && !ATTRIBUTE_RE.test(d[f].trim())) p[f] = 'An attribute name, e.g. uid';
  }
  if (d.memberAttribute.trim() && !ATTRIBUTE_RE.test(d.memberAttribute.trim())) p.memberAttribute = 'An attribute name, e.g. member';
  const filter = d.userFilter.trim();
  if (filter && !(filter.startsWith('(') && filter.endsWith(')') && filter.length >= 3)) p.userFilter = 'An LDAP filter in parentheses';
  if (d.pageSize !== '' && !(Number.isInteger(d.pageSize) && Number(d.pageSize) >= 1 && Number(d.pageSize) <= 10000)) {
    p.pageSize = '1 to 10000';
  }
  if (split(d.upnSuffixes).some((s) => !DOMAIN_RE.test(s))) p.upnSuffixes = 'Domain names such as corp.example';
  return p;
}

/** Fields under "Attributes and search", folded away at first. */
export const ADVANCED = ['namingAttribute', 'groupAttribute', 'memberAttribute', 'userFilter', 'pageSize', 'upnSuffixes'] as const;

const orNull = (text: string) => (text.trim() ? text.trim() : null);

export function createRequest(d: DomainDraft): CreateLdapDomainRequest {
  const body: CreateLdapDomainRequest = { name: d.name.trim(), kind: d.kind, hosts: split(d.hosts), security: d.security };
  if (d.port !== '') body.port = Number(d.port);
  if (d.caCertificate.trim()) body.caCertificate = d.caCertificate.trim();
  if (!d.verifyHostName) body.verifyHostName = false;
  if (d.baseDn.trim()) body.baseDn = d.baseDn.trim();
  if (d.bindDn.trim()) body.bindDn = d.bindDn.trim();
  if (d.bindPassword) body.bindPassword = d.bindPassword;
  if (d.namingAttribute.trim()) body.namingAttribute = d.namingAttribute.trim();
  if (d.groupAttribute.trim()) body.groupAttribute = d.groupAttribute.trim();
  if (d.memberAttribute.trim()) body.memberAttribute = d.memberAttribute.trim();
  if (d.userFilter.trim()) body.userFilter = d.userFilter.trim();
  if (d.pageSize !== '') body.pageSize = Number(d.pageSize);
  if (split(d.upnSuffixes).length) body.upnSuffixes = split(d.upnSuffixes);
  return body;
}

/** Only what changed; the bind password is sent only when typed (or removed). */
export function updateRequest(before: LdapDomain, d: DomainDraft): UpdateLdapDomainRequest {
  const was = draftOf(before);
  const body: UpdateLdapDomainRequest = {};
  if (d.kind !== was.kind) body.kind = d.kind;
  if (split(d.hosts).join() !== before.hosts.join()) body.hosts = split(d.hosts);
  if (d.security !== was.security) body.security = d.security;
  if (d.port !== '' && Number(d.port) !== before.port) body.port = Number(d.port);
  if (orNull(d.caCertificate) !== (before.caCertificate?.trim() || null)) body.caCertificate = orNull(d.caCertificate);
  if (d.verifyHostName !== was.verifyHostName) body.verifyHostName = d.verifyHostName;
  if (d.baseDn.trim() !== before.baseDn) body.baseDn = d.baseDn.trim();
  if (orNull(d.bindDn) !== before.bindDn) body.bindDn = orNull(d.bindDn);
  if (d.removeBindPassword) body.bindPassword = null;
  else if (d.bindPassword) body.bindPassword = d.bindPassword;
  if (d.namingAttribute.trim() !== before.namingAttribute) body.namingAttribute = d.namingAttribute.trim();
  if (d.groupAttribute.trim() !== before.groupAttribute) body.groupAttribute = d.groupAttribute.trim();
  if (orNull(d.memberAttribute) !== before.memberAttribute) body.memberAttribute = orNull(d.memberAttribute);
  if (orNull(d.userFilter) !== before.userFilter) body.userFilter = orNull(d.userFilter);
  if (d.pageSize !== '' && Number(d.pageSize) !== before.pageSize) body.pageSize = Number(d.pageSize);
  if (split(d.upnSuffixes).join() !== before.upnSuffixes.join()) body.upnSuffixes = split(d.upnSuffixes);
  return body;
}
