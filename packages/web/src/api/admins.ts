import type {
  Admin,
  AdminPage,
  ApiToken,
  ApiTokenList,
  CreateAdminRequest,
  CreateApiTokenRequest,
  CreatedApiToken,
  GeneralRight,
  OkResponse,
  PasswordPolicy,
  UpdateAdminRequest,
} from '@openums/protocol';
import { api } from './client';

export type { Admin, ApiToken, CreatedApiToken, PasswordPolicy };

/**
 * The protocol's `generalRights` request field reads as `never[]` in TypeScript (a TypeBox union
 * built from a mapped array loses its literals); the server takes the rights' names.
 */
export type WithRights<T> = Omit<T, 'generalRights'> & { generalRights?: GeneralRight[] };

const BASE = '/api/v1/admins';
const path = (id: number) => `${BASE}/${id}`;

export const ADMIN_PAGE_SIZE = 100;
/** Pages fetched at most when every account is needed (member pickers, filters). */
const MAX_ALL_PAGES = 50;

export const listAdmins = (cursor?: string, signal?: AbortSignal, limit = ADMIN_PAGE_SIZE) =>
  api.get<AdminPage>(BASE, { limit, cursor }, signal);

/** Every account, a page of 1000 at a time (names for member lists and filters). */
export async function listAllAdmins(signal?: AbortSignal): Promise<Admin[]> {
  const out: Admin[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_ALL_PAGES; i++) {
    const page = await listAdmins(cursor, signal, 1000);
    out.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out;
}

export const createAdmin = (body: WithRights<CreateAdminRequest>) => api.post<Admin>(BASE, body);
export const updateAdmin = (id: number, body: WithRights<UpdateAdminRequest>) => api.patch<Admin>(path(id), body);
/** Refused with 409 LAST_SUPERUSER or OWN_ACCOUNT. */
export const deleteAdmin = (id: number) => api.delete(path(id));
/** Sets a new password; the account's sessions end. 400 PASSWORD_POLICY when it is too weak. */
export const resetAdminPassword = (id: number, password: string) => api.post<OkResponse>(`${path(id)}/password`, { password });

export const listApiTokens = (adminId: number, signal?: AbortSignal) => api.get<ApiTokenList>(`${path(adminId)}/tokens`, undefined, signal);
/** The answer holds the token itself; it is never shown again. */
export const createApiToken = (adminId: number, body: CreateApiTokenRequest) => api.post<CreatedApiToken>(`${path(adminId)}/tokens`, body);
export const revokeApiToken = (adminId: number, tokenId: number) => api.delete(`${path(adminId)}/tokens/${tokenId}`);

const POLICY = '/api/v1/settings/password-policy';
export const getPasswordPolicy = (signal?: AbortSignal) => api.get<PasswordPolicy>(POLICY, undefined, signal);
export const putPasswordPolicy = (body: PasswordPolicy) => api.put<PasswordPolicy>(POLICY, body);
