import type { Profile, ProfileFolder } from '@openums/protocol';
import { keepPreviousData, useInfiniteQuery, useQuery, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import {
  getAssignedObjects,
  getDeviceSettings,
  getEffectiveConfiguration,
  getProfile,
  getProfileSettings,
  listAllProfileFolders,
  listAllProfiles,
  listAssignments,
  listProfiles,
  type ProfileListFilter,
  type ProfilePage,
} from '../../api/profiles';
import { keys as deviceKeys } from '../devices/queries';

/** A node of the profile tree: the top level ('root') or a profile folder id. */
export type ProfileFolderKey = 'root' | number;

export const profileKeys = {
  all: ['profiles'] as const,
  folders: ['profiles', 'folders'] as const,
  lists: ['profiles', 'list'] as const,
  list: (filter: ProfileListFilter) => ['profiles', 'list', filter] as const,
  everything: ['profiles', 'everything'] as const,
  one: (id: number) => ['profiles', 'one', id] as const,
  assignments: (id: number) => ['profiles', 'assignments', id] as const,
  settings: ['settings', 'profiles'] as const,
};

export interface ProfileFolderIndex {
  byId: Map<number, ProfileFolder>;
  children: (parent: ProfileFolderKey) => ProfileFolder[];
  /** "Parent / Child", or "Top level" for null. */
  path: (id: number | null) => string;
  ancestors: (id: number) => number[];
}

export function useProfileFolders() {
  const query = useQuery({ queryKey: profileKeys.folders, queryFn: ({ signal }) => listAllProfileFolders(signal) });
  const index = useMemo<ProfileFolderIndex>(() => {
    const list = query.data ?? [];
    const byId = new Map(list.map((f) => [f.id, f]));
    const byParent = new Map<ProfileFolderKey, ProfileFolder[]>();
    for (const folder of list) {
      const parent = folder.parentId === null || !byId.has(folder.parentId) ? 'root' : folder.parentId;
      byParent.set(parent, [...(byParent.get(parent) ?? []), folder]);
    }
    for (const children of byParent.values()) children.sort((a, b) => a.name.localeCompare(b.name));
    const ancestors = (id: number) => {
      const chain: number[] = [];
      let current = byId.get(id);
      while (current && !chain.includes(current.id)) {
        chain.unshift(current.id);
        current = current.parentId === null ? undefined : byId.get(current.parentId);
      }
      return chain;
    };
    const path = (id: number | null) => {
      if (id === null) return 'Top level';
      const chain = ancestors(id);
      return chain.length ? chain.map((a) => byId.get(a)!.name).join(' / ') : `Folder #${id}`;
    };
    return { byId, children: (parent) => byParent.get(parent) ?? [], path, ancestors };
  }, [query.data]);
  return { ...query, index };
}

/** Profiles of one folder (the tree) or matching a name prefix (the search). */
export function useProfileList(filter: ProfileListFilter, enabled = true) {
  return useInfiniteQuery({
    queryKey: profileKeys.list(filter),
    queryFn: ({ pageParam, signal }) => listProfiles(filter, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: filter.q ? keepPreviousData : undefined,
    enabled,
  });
}

export function useAllProfiles(enabled = true) {
  return useQuery({ queryKey: profileKeys.everything, queryFn: ({ signal }) => listAllProfiles(signal), enabled });
}

export function useProfile(id: number | null) {
  return useQuery({ queryKey: profileKeys.one(id ?? 0), queryFn: ({ signal }) => getProfile(id!, signal), enabled: id !== null });
}

export function useAssignments(id: number) {
  return useInfiniteQuery({
    queryKey: profileKeys.assignments(id),
    queryFn: ({ pageParam, signal }) => listAssignments(id, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useProfileFeatureSettings() {
  return useQuery({ queryKey: profileKeys.settings, queryFn: ({ signal }) => getProfileSettings(signal) });
}

export function useEffectiveConfiguration(deviceId: number) {
  return useQuery({ queryKey: deviceKeys.effective(deviceId), queryFn: ({ signal }) => getEffectiveConfiguration(deviceId, signal), staleTime: 5_000 });
}

export function useAssignedObjects(deviceId: number) {
  return useQuery({ queryKey: deviceKeys.assigned(deviceId), queryFn: ({ signal }) => getAssignedObjects(deviceId, signal), staleTime: 5_000 });
}

export function useDeviceSettings(deviceId: number) {
  return useQuery({ queryKey: deviceKeys.settings(deviceId), queryFn: ({ signal }) => getDeviceSettings(deviceId, signal), staleTime: 5_000 });
}

/** A profile changed in place: store it where it is cached. */
export function storeProfile(queryClient: QueryClient, profile: Profile): void {
  queryClient.setQueryData(profileKeys.one(profile.id), profile);
  queryClient.setQueriesData<InfiniteData<ProfilePage, string | undefined>>({ queryKey: profileKeys.lists }, (data) =>
    data ? { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.map((x) => (x.id === profile.id ? profile : x)) })) } : data,
  );
}

/** After profiles were created, moved, renamed or deleted: the tree, search and pickers. */
export async function invalidateProfiles(queryClient: QueryClient): Promise<void> {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: profileKeys.lists }),
    queryClient.invalidateQueries({ queryKey: profileKeys.everything }),
    queryClient.invalidateQueries({ queryKey: profileKeys.folders }),
  ]);
}

/**
 * After a change that alters what devices get (settings saved, assignments, a profile deleted):
 * what the device panels show. Device lists follow through the live `device.changed` events.
 */
export function invalidateDeviceConfiguration(queryClient: QueryClient): void {
  for (const part of ['effective', 'assigned', 'settings', 'one']) void queryClient.invalidateQueries({ queryKey: ['devices', part] });
}
