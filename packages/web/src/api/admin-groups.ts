import type { AdminGroup, AdminGroupList, CreateAdminGroupRequest, GroupMember, UpdateAdminGroupRequest } from '@openums/protocol';
import type { WithRights } from './admins';
import { api } from './client';

export type { AdminGroup, GroupMember };

const BASE = '/api/v1/admin-groups';
const path = (id: number) => `${BASE}/${id}`;

export const listAdminGroups = (signal?: AbortSignal) => api.get<AdminGroupList>(BASE, undefined, signal);
export const createAdminGroup = (body: WithRights<CreateAdminGroupRequest>) => api.post<AdminGroup>(BASE, body);
/** Rename or set general rights. */
export const updateAdminGroup = (id: number, body: WithRights<UpdateAdminGroupRequest>) => api.patch<AdminGroup>(path(id), body);
export const deleteAdminGroup = (id: number) => api.delete(path(id));
/** Refused with 409 GROUP_CYCLE when a group would end up inside itself. */
export const addGroupMembers = (id: number, members: GroupMember[]) => api.post<AdminGroup>(`${path(id)}/members`, { members });
export const removeGroupMember = (id: number, member: GroupMember) =>
  api.delete<AdminGroup>(`${path(id)}/members/${member.type}/${member.id}`);
