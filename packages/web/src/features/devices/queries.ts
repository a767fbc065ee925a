import type { Device, DeviceFolder, DevicePage } from '@openums/protocol';
import { keepPreviousData, useInfiniteQuery, useQuery, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { getDevice, getDeviceSystemInfo, listDevices, type DeviceListFilter } from '../../api/devices';
import { getAssignedObjects, getDeviceSettings, getEffectiveConfiguration } from '../../api/profiles';
import { listAllFolders, listChildFolders } from '../../api/folders';
import { useLiveStatus } from '../live/live-status';
import { presenceLog } from './presence-log';
import { folderPaths, type FolderPaths } from '../../components/folder-paths';

/** A node of the device tree: the root ('root') or a folder id. */
export type FolderKey = 'root' | number;

export const keys = {
  folders: ['folders'] as const,
  folderChildren: (parent: FolderKey) => ['folders', 'children', parent] as const,
  allFolders: ['folders', 'all'] as const,
  devices: ['devices'] as const,
  deviceList: (filter: DeviceListFilter) => ['devices', 'list', filter] as const,
  device: (id: number) => ['devices', 'one', id] as const,
  systemInfo: (id: number) => ['devices', 'system', id] as const,
  /** What profiles make of a device: effective configuration, assigned objects, delivery state. */
  effective: (id: number) => ['devices', 'effective', id] as const,
  assigned: (id: number) => ['devices', 'assigned', id] as const,
  settings: (id: number) => ['devices', 'settings', id] as const,
};

export function useFolderChildren(parent: FolderKey, enabled = true) {
  const live = useLiveStatus() === 'live';
  return useInfiniteQuery({
    queryKey: keys.folderChildren(parent),
    queryFn: ({ pageParam, signal }) => listChildFolders(parent, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
    // Device counts change under the user's feet (other admins, enrollments). Live events
    // invalidate these lists; while the stream is down, poll the (small) lists of expanded folders.
    staleTime: 10_000,
    refetchOnWindowFocus: true,
    refetchInterval: live ? false : 30_000,
  });
}

export type FolderIndex = FolderPaths<DeviceFolder>;

export function useAllFolders() {
  const query = useQuery({ queryKey: keys.allFolders, queryFn: ({ signal }) => listAllFolders(signal) });
  const index = useMemo<FolderIndex>(() => folderPaths(query.data ?? [], 'Top level (no folder)'), [query.data]);
  return { ...query, index };
}

export function useDeviceList(filter: DeviceListFilter) {
  return useInfiniteQuery({
    queryKey: keys.deviceList(filter),
    queryFn: async ({ pageParam, signal }) => {
      const page = await listDevices(filter, pageParam, signal);
      return { ...page, items: page.items.map((d) => presenceLog.merge(d)) };
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useDevice(id: number | null) {
  return useQuery({
    queryKey: keys.device(id ?? 0),
    queryFn: async ({ signal }) => presenceLog.merge(await getDevice(id!, signal)),
    enabled: id !== null,
  });
}

export function useSystemInfo(id: number) {
  return useQuery({ queryKey: keys.systemInfo(id), queryFn: ({ signal }) => getDeviceSystemInfo(id, signal) });
}

/**
 * After a change that adds, removes or moves devices or folders: counts, lists and details may
 * all be stale. Device lists are cut back to their first page before refetching, so a list the
 * user scrolled 100,000 rows deep costs one request, not hundreds.
 */
export async function invalidateInventory(queryClient: QueryClient): Promise<void> {
  queryClient.setQueriesData<InfiniteData<DevicePage, string | undefined>>({ queryKey: ['devices', 'list'] }, (data) =>
    data && data.pages.length > 1 ? { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) } : data,
  );
  await Promise.all([queryClient.invalidateQueries({ queryKey: keys.folders }), queryClient.invalidateQueries({ queryKey: keys.devices })]);
}

/** A device changed in place (rename, inventory edit): patch it into every cached list. */
export function storeUpdatedDevice(queryClient: QueryClient, device: Device): void {
  queryClient.setQueryData(keys.device(device.id), device);
  queryClient.setQueriesData<InfiniteData<DevicePage, string | undefined>>({ queryKey: ['devices', 'list'] }, (data) =>
    data
      ? { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map((d) => (d.id === device.id ? device : d)) })) }
      : data,
  );
}

export function useEffectiveConfiguration(deviceId: number) {
  return useQuery({
    queryKey: keys.effective(deviceId),
    queryFn: ({ signal }) => getEffectiveConfiguration(deviceId, signal),
    staleTime: 5_000,
  });
}

export function useAssignedObjects(deviceId: number) {
  return useQuery({ queryKey: keys.assigned(deviceId), queryFn: ({ signal }) => getAssignedObjects(deviceId, signal), staleTime: 5_000 });
}

export function useDeviceSettings(deviceId: number) {
  return useQuery({ queryKey: keys.settings(deviceId), queryFn: ({ signal }) => getDeviceSettings(deviceId, signal), staleTime: 5_000 });
}

/**
 * After a change that alters what devices get (settings saved, assignments, a profile deleted):
 * what the device panels show. Device lists follow through the live `device.changed` events.
 */
export function invalidateDeviceConfiguration(queryClient: QueryClient): void {
  for (const part of ['effective', 'assigned', 'settings', 'one']) void queryClient.invalidateQueries({ queryKey: ['devices', part] });
}
