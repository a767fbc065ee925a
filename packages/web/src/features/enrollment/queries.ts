import type { EnrollmentKey } from '@openums/protocol';
import { useInfiniteQuery, useQuery, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { getEnrollmentSettings, listEnrollmentKeys, type EnrollmentKeyPage } from '../../api/enrollment';
import { getServerInfo } from '../../api/server-info';
import { useClusterSettings } from '../servers/queries';
import { enrollServerUrl } from './enroll-command';

export const enrollmentKeys = {
  keys: ['enrollment-keys'] as const,
  settings: ['settings', 'enrollment'] as const,
  serverInfo: ['server-info'] as const,
};

export function useEnrollmentKeys() {
  return useInfiniteQuery({
    queryKey: enrollmentKeys.keys,
    queryFn: ({ pageParam, signal }) => listEnrollmentKeys(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Uses and "last used" change as devices enroll.
    refetchOnWindowFocus: true,
  });
}

export function useEnrollmentSettings() {
  return useQuery({ queryKey: enrollmentKeys.settings, queryFn: ({ signal }) => getEnrollmentSettings(signal) });
}

export function useServerInfo() {
  return useQuery({ queryKey: enrollmentKeys.serverInfo, queryFn: ({ signal }) => getServerInfo(signal), staleTime: 5 * 60_000 });
}

/**
 * The server URL for enroll commands (enrollment address, else cluster address); this page's host
 * while the addresses load or when they cannot be read.
 */
export function useEnrollServerUrl(): string {
  return enrollServerUrl(useClusterSettings().data, window.location);
}

/** Put a changed key into the cached pages (PATCH answers the key). */
export function storeEnrollmentKey(queryClient: QueryClient, key: EnrollmentKey): void {
  queryClient.setQueryData<InfiniteData<EnrollmentKeyPage, string | undefined>>(enrollmentKeys.keys, (data) =>
    data ? { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.map((k) => (k.id === key.id ? key : k)) })) } : data,
  );
}

export function removeEnrollmentKey(queryClient: QueryClient, id: number): void {
  queryClient.setQueryData<InfiniteData<EnrollmentKeyPage, string | undefined>>(enrollmentKeys.keys, (data) =>
    data ? { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.filter((k) => k.id !== id) })) } : data,
  );
}
