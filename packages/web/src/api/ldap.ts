import type {
  CreateLdapDomainRequest,
  LdapDomain,
  LdapDomainList,
  LdapEntry,
  LdapImportRequest,
  LdapImportResult,
  LdapSearchQuery,
  LdapSearchResult,
  LdapTestResult,
  UpdateLdapDomainRequest,
} from '@openums/protocol';
import { api } from './client';

export type { CreateLdapDomainRequest, LdapDomain, LdapEntry, LdapImportResult, LdapSearchResult, LdapTestResult, UpdateLdapDomainRequest };

const BASE = '/api/v1/ldap-domains';
const path = (id: number) => `${BASE}/${id}`;

/** Bind passwords are write-only: answers carry `bindPasswordSet`, never the password. */
export const listLdapDomains = (signal?: AbortSignal) => api.get<LdapDomainList>(BASE, undefined, signal);
export const createLdapDomain = (body: CreateLdapDomainRequest) => api.post<LdapDomain>(BASE, body);
/** `bindPassword` left out keeps the stored one, `null` removes it. */
export const updateLdapDomain = (id: number, body: UpdateLdapDomainRequest) => api.patch<LdapDomain>(path(id), body);
export const deleteLdapDomain = (id: number) => api.delete(path(id));
/** Rejects with LDAP_CONNECTION_FAILED, LDAP_CERTIFICATE_INVALID or LDAP_BIND_FAILED. */
export const testLdapDomain = (id: number) => api.post<LdapTestResult>(`${path(id)}/test`);
export const searchLdapDirectory = (id: number, query: LdapSearchQuery, signal?: AbortSignal) =>
  api.get<LdapSearchResult>(`${path(id)}/search`, { ...query }, signal);
export const importLdapEntries = (id: number, body: LdapImportRequest) => api.post<LdapImportResult>(`${path(id)}/import`, body);
