import type { AuditEntry, AuditFilterQuery, AuditPage, AuditSettings } from '@openums/protocol';
import { api, buildUrl } from './client';

export type { AuditEntry, AuditFilterQuery, AuditSettings };

const BASE = '/api/v1/audit-log';
export const AUDIT_PAGE_SIZE = 100;

/** Newest first, a page at a time. */
export const listAuditLog = (filter: AuditFilterQuery, cursor?: string, signal?: AbortSignal) =>
  api.get<AuditPage>(BASE, { ...filter, limit: AUDIT_PAGE_SIZE, cursor }, signal);

/** Every matching entry as CSV (a plain link; the session cookie authenticates it). */
export const auditLogCsvUrl = (filter: AuditFilterQuery) => buildUrl(`${BASE}.csv`, { ...filter });

const SETTINGS = '/api/v1/settings/audit-log';
export const getAuditSettings = (signal?: AbortSignal) => api.get<AuditSettings>(SETTINGS, undefined, signal);
export const putAuditSettings = (body: AuditSettings) => api.put<AuditSettings>(SETTINGS, body);
