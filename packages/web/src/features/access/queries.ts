import type { AccessList, AccessNodeRef, AccessObjectType, Device, Profile } from '@openums/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import {
  getAccessList,
  getEffectiveAccess,
  getListPrincipalNames,
  listAccountNames,
  listGroupNames,
  putAccessList,
} from '../../api/access';
import { listAllFolders } from '../../api/folders';
import { listAllProfileFolders } from '../../api/profiles';
import { folderPaths } from '../../components/folder-paths';
import { keys as deviceKeys } from '../devices/queries';
import { profileKeys } from '../profiles/queries';
import type { ReasonNames } from './rights-labels';
import { useGeneralRight } from './use-general-rights';

export const accessKeys = {
  /** Every key below starts with 'access': one invalidation after a change refreshes them all. */
  all: ['access'] as const,
  list: (ref: AccessNodeRef) => ['access', 'list', ref.type, ref.id] as const,
  effective: (ref: AccessNodeRef, adminId: number) => ['access', 'effective', ref.type, ref.id, adminId] as const,
  mine: (ref: AccessNodeRef) => ['access', 'mine', ref.type, ref.id] as const,
  accounts: ['access', 'accounts'] as const,
  groups: ['access', 'groups'] as const,
  names: (ref: AccessNodeRef) => ['access', 'names', ref.type, ref.id] as const,
};

export function useAccessList(ref: AccessNodeRef) {
  return useQuery({ queryKey: accessKeys.list(ref), queryFn: ({ signal }) => getAccessList(ref, signal), retry: false });
}

/** PUT the whole list; what the administrator and others may see can change with it. */
export function useSaveAccessList(ref: AccessNodeRef) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (list: AccessList) => putAccessList(ref, list),
    onSuccess: async (stored) => {
      queryClient.setQueryData(accessKeys.list(ref), stored);
      const tree = isDeviceTree(ref.type) ? [deviceKeys.folders, deviceKeys.devices] : [profileKeys.all];
      await Promise.all([accessKeys.all, ...tree].map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    },
  });
}

export function useEffectiveAccess(ref: AccessNodeRef, adminId: number | null) {
  return useQuery({
    queryKey: accessKeys.effective(ref, adminId ?? 0),
    queryFn: ({ signal }) => getEffectiveAccess(ref, adminId!, signal),
    enabled: adminId !== null,
    retry: false,
  });
}

/**
 * Accounts and groups by id. Listing them needs the accountsAndAccess general right: without it
 * only the names on this object's list are asked for (`listable` false; nobody can be added).
 */
export function usePrincipals(ref?: AccessNodeRef) {
  const listable = useGeneralRight('accountsAndAccess');
  const onList = useQuery({
    queryKey: accessKeys.names(ref ?? { type: 'device', id: 0 }),
    queryFn: ({ signal }) => getListPrincipalNames(ref!, signal),
    retry: false,
    enabled: !listable && ref !== undefined,
  });
  const accounts = useQuery({
    queryKey: accessKeys.accounts,
    queryFn: ({ signal }) => listAccountNames(signal),
    retry: false,
    enabled: listable,
  });
  const groups = useQuery({
    queryKey: accessKeys.groups,
    queryFn: ({ signal }) => listGroupNames(signal),
    retry: false,
    enabled: listable,
  });
  return useMemo(() => {
    const named = (type: 'admin' | 'group') => (onList.data?.items ?? []).filter((p) => p.type === type);
    const accountById = new Map<number, { name: string }>([...named('admin'), ...(accounts.data ?? [])].map((a) => [a.id, a]));
    const groupById = new Map<number, { name: string }>([...named('group'), ...(groups.data ?? [])].map((g) => [g.id, g]));
    return {
      listable,
      accounts,
      groups,
      accountName: (id: number) => accountById.get(id)?.name ?? `Account #${id}`,
      groupName: (id: number) => groupById.get(id)?.name ?? `Group #${id}`,
    };
  }, [listable, accounts, groups, onList.data]);
}

const isDeviceTree = (type: AccessObjectType) => type === 'device' || type === 'device-folder';

/**
 * Names of the nodes a reason can mention: folders of the object's tree as "/Berlin/Team",
 * objects by a name already loaded (else their id).
 */
export function useNodeNames(type: AccessObjectType, groupName: (id: number) => string): ReasonNames {
  const queryClient = useQueryClient();
  const devices = isDeviceTree(type);
  const deviceFolders = useQuery({ queryKey: deviceKeys.allFolders, queryFn: ({ signal }) => listAllFolders(signal), enabled: devices });
  const profileFolders = useQuery({
    queryKey: profileKeys.folders,
    queryFn: ({ signal }) => listAllProfileFolders(signal),
    enabled: !devices,
  });
  const folders = devices ? deviceFolders.data : profileFolders.data;
  return useMemo(() => {
    const index = folderPaths(folders ?? [], '');
    const folderPath = (id: number) => {
      const chain = index.ancestors(id);
      return chain.length ? '/' + chain.map((a) => index.byId.get(a)!.name).join('/') : `#${id}`;
    };
    return {
      group: groupName,
      node: (ref) => {
        switch (ref.type) {
          case 'device-folder':
            return `folder ${folderPath(ref.id)}`;
          case 'profile-folder':
            return `profile folder ${folderPath(ref.id)}`;
          case 'device':
            return `device ${queryClient.getQueryData<Device>(deviceKeys.device(ref.id))?.name ?? `#${ref.id}`}`;
          case 'profile':
            return `profile ${queryClient.getQueryData<Profile>(profileKeys.one(ref.id))?.name ?? `#${ref.id}`}`;
          case 'view':
            return `view #${ref.id}`;
          case 'view-folder':
            return `view folder #${ref.id}`;
        }
      },
    };
  }, [folders, groupName, queryClient]);
}
