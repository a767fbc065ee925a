import { ErrorCode, type LdapDomain } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import { DirectoryError, isValidFilter } from './directory-client.js';
import type { LdapDomainRow } from './ldap-domains.repository.js';

/* The answers, defaults, checks and error mapping of LDAP domains (no I/O). */

const iso = (ms: number) => new Date(Number(ms)).toISOString();
export const parseList = (json: string): string[] => {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

/** Turns a directory failure into the API's error (no secret is ever part of a reason). */
export function directoryAppError(err: unknown, action: string): unknown {
  if (!(err instanceof DirectoryError)) return err;
  const details = { host: err.host, reason: err.reason };
  switch (err.kind) {
    case 'certificate':
      return new AppError(
        ErrorCode.LdapCertificateInvalid,
        `The directory's certificate was refused (${err.reason}); check the CA certificate and the host name`,
        details,
      );
    case 'connection':
      return new AppError(ErrorCode.LdapConnectionFailed, `Could not ${action}: no host of the domain answered (${err.reason})`, details);
    case 'credentials':
      return new AppError(ErrorCode.LdapBindFailed, 'The directory refused the bind DN and password of the domain', details);
    case 'no-such-object':
      return new AppError(ErrorCode.LdapEntryNotFound, 'The directory has no such entry', details);
    default:
      return new AppError(
        ErrorCode.LdapSearchFailed,
        `The directory refused the search (${err.reason}); check the base DN and the filter`,
        details,
      );
  }
}

export function defaults(kind: 'ad' | 'ldap') {
  return kind === 'ad'
    ? { namingAttribute: 'sAMAccountName', groupAttribute: 'memberOf', memberAttribute: 'member' }
    : { namingAttribute: 'uid', groupAttribute: 'memberOf', memberAttribute: 'member' };
}

/** `example.test` → `DC=example,DC=test` (the base DN of an AD domain named by its DNS name). */
export function dnsToDn(name: string): string | null {
  return name.includes('.')
    ? name
        .split('.')
        .map((p) => `DC=${p}`)
        .join(',')
    : null;
}

export function checkFilter(filter: string | null | undefined): void {
  if (filter && !isValidFilter(filter)) {
    throw new AppError(ErrorCode.ValidationFailed, 'body.userFilter is not an LDAP filter (RFC 4515)', { field: 'body.userFilter' });
  }
}

export const nameTaken = (name: string) =>
  new AppError(ErrorCode.LdapDomainNameTaken, `An LDAP domain named ${JSON.stringify(name)} exists`, { field: 'body.name' });

export function toDomain(r: LdapDomainRow): LdapDomain {
  return {
    id: Number(r.id),
    name: r.name,
    kind: r.kind as LdapDomain['kind'],
    hosts: parseList(r.hosts),
    port: Number(r.port),
    security: r.security as LdapDomain['security'],
    caCertificate: r.ca_pem,
    verifyHostName: Number(r.verify_host_name) !== 0,
    baseDn: r.base_dn,
    bindDn: r.bind_dn,
    bindPasswordSet: r.bind_password_sealed !== null,
    namingAttribute: r.naming_attribute,
    groupAttribute: r.group_attribute,
    memberAttribute: r.member_attribute,
    userFilter: r.user_filter,
    pageSize: Number(r.page_size),
    upnSuffixes: parseList(r.upn_suffixes),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}
