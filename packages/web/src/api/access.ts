import type {
  AccessList,
  AccessNodeRef,
  AccessObjectType,
  AdminGroupList,
  AdminPage,
  EffectiveAccess,
  ObjectRight,
} from '@openums/protocol';
import { api } from './client';

export type { AccessList, AccessNodeRef, EffectiveAccess };

/** Answer of GET `…/:id/access/mine`: what the signed-in administrator may do with the object. */
export interface MyRights {
  rights: Record<ObjectRight, boolean>;
}

const RESOURCE: Record<AccessObjectType, string> = {
  device: 'devices',
  'device-folder': 'device-folders',
  profile: 'profiles',
  'profile-folder': 'profile-folders',
  view: 'views',
  'view-folder': 'view-folders',
};

const accessPath = (ref: AccessNodeRef) => `/api/v1/${RESOURCE[ref.type]}/${ref.id}/access`;

/** Needs read or accessControl on the object (403 FORBIDDEN otherwise). */
export const getAccessList = (ref: AccessNodeRef, signal?: AbortSignal) => api.get<AccessList>(accessPath(ref), undefined, signal);

/**
 * Replaces the whole list (needs accessControl). Refused with 400 VALIDATION_FAILED, 404
 * ADMIN_NOT_FOUND / GROUP_NOT_FOUND (`details.field` names the entry) or 403 FORBIDDEN.
 */
export const putAccessList = (ref: AccessNodeRef, list: AccessList) => api.put<AccessList>(accessPath(ref), list);

/** Every right of one account on the object, with the entry that decided it. */
export const getEffectiveAccess = (ref: AccessNodeRef, adminId: number, signal?: AbortSignal) =>
  api.get<EffectiveAccess>(`${accessPath(ref)}/effective`, { adminId }, signal);

/** The caller's own rights; 404 (the object's not-found code) when it may not browse it. */
export const getMyRights = (ref: AccessNodeRef, signal?: AbortSignal) => api.get<MyRights>(`${accessPath(ref)}/mine`, undefined, signal);

/** Names of the accounts and groups on one object's list (needs read or accessControl on it, no general right). */
export const getListPrincipalNames = (ref: AccessNodeRef, signal?: AbortSignal) =>
  api.get<{ items: { type: 'admin' | 'group'; id: number; name: string }[] }>(`${accessPath(ref)}/principals`, undefined, signal);

/** Pages fetched at most for the account names (1000 each). */
const MAX_ACCOUNT_PAGES = 50;

/** Id and name of every account, for the principal picker (needs the accountsAndAccess general right). */
export async function listAccountNames(signal?: AbortSignal): Promise<{ id: number; name: string; superuser: boolean }[]> {
  const out: { id: number; name: string; superuser: boolean }[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_ACCOUNT_PAGES; i++) {
    const page = await api.get<AdminPage>('/api/v1/admins', { limit: 1000, cursor }, signal);
    for (const a of page.items) out.push({ id: a.id, name: a.domain ? `${a.username}@${a.domain}` : a.username, superuser: a.superuser });
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out;
}

/** Id and name of every group. */
export async function listGroupNames(signal?: AbortSignal): Promise<{ id: number; name: string }[]> {
  const list = await api.get<AdminGroupList>('/api/v1/admin-groups', undefined, signal);
  return list.items.map((g) => ({ id: g.id, name: g.name }));
}
