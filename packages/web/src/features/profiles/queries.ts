import type { Profile } from '@openums/protocol';
import { keepPreviousData, useInfiniteQuery, useQuery, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import {
  getProfile,
  getProfileSettings,
  listAllProfileFolders,
  listAllProfiles,
  listAssignments,
  listProfiles,
  type ProfileListFilter,
  type ProfilePage,
} from '../../api/profiles';
import { useFolderIndex, type FolderKey } from '../../components/tree-section/tree-section';

/** A node of the profile tree: the top level ('root') or a profile folder id. */
export type ProfileFolderKey = FolderKey;

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

export function useProfileFolders() {
  return useFolderIndex(profileKeys.folders, listAllProfileFolders);
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
