import type {
  BulkAssignProfilesRequest,
  BulkCommandRequest,
  BulkCommandResult,
  BulkDeleteRequest,
  BulkMoveRequest,
  BulkResult,
  DeviceListSelection,
  DeviceMatch,
  CreateDeviceRequest,
  Device,
  DevicePage,
  DeviceSort,
  DeviceSummary,
  DeviceSystemInfoResponse,
  MoveDevicesRequest,
  MoveDevicesResponse,
  UpdateDeviceRequest,
} from '@openums/protocol';
import { api } from './client';

const BASE = '/api/v1/devices';
export const DEVICE_PAGE_SIZE = 200;

export interface DeviceListFilter {
  /** undefined = all devices, 'root' = devices not in any folder. */
  folderId: number | 'root' | undefined;
  recursive: boolean;
  q: string;
  /** How `q` matches: prefix (indexed) or substring. */
  match?: DeviceMatch;
  sort: DeviceSort;
  /** Attribute identifiers whose values each device carries (chosen columns). */
  attributes?: readonly string[];
}

/** The first page also asks for the exact count of the whole query. */
export function listDevices(filter: DeviceListFilter, cursor?: string, signal?: AbortSignal): Promise<DevicePage> {
  return api.get<DevicePage>(
    BASE,
    {
      limit: DEVICE_PAGE_SIZE,
      cursor,
      folderId: filter.folderId,
      recursive: filter.folderId === undefined ? undefined : filter.recursive,
      q: filter.q.trim() || undefined,
      match: filter.q.trim() && filter.match === 'contains' ? 'contains' : undefined,
      attributes: filter.attributes?.length ? filter.attributes.join(',') : undefined,
      count: cursor ? undefined : true,
      sort: filter.sort,
    },
    signal,
  );
}

/** A bulk action's devices: hand-picked ids, or every device the list's query matches. */
export type DeviceSelection = { deviceIds: number[] } | { query: DeviceListSelection };

export function selectionOf(filter: DeviceListFilter): DeviceListSelection {
  const q = filter.q.trim();
  return {
    ...(filter.folderId !== undefined ? { folderId: filter.folderId, recursive: filter.recursive } : {}),
    ...(q ? { q, match: filter.match ?? 'prefix' } : {}),
  };
}

export const bulkMoveDevices = (selection: DeviceSelection, folderId: number | null) =>
  api.post<BulkResult>(`${BASE}/bulk/move`, { ...selection, folderId } satisfies BulkMoveRequest);
export const bulkDeleteDevices = (selection: DeviceSelection) =>
  api.post<BulkResult>(`${BASE}/bulk/delete`, selection satisfies BulkDeleteRequest);
export const bulkSendCommand = (selection: DeviceSelection, command: Omit<BulkCommandRequest, 'deviceIds' | 'query'>) =>
  api.post<BulkCommandResult>(`${BASE}/bulk/commands`, { ...selection, ...command });
export const bulkAssignProfiles = (selection: DeviceSelection, profileIds: number[]) =>
  api.post<BulkResult>(`${BASE}/bulk/assign-profiles`, { ...selection, profileIds } satisfies BulkAssignProfilesRequest);

/** Total and online devices (two index counts on the server). */
export const getDeviceSummary = (signal?: AbortSignal) => api.get<DeviceSummary>(`${BASE}/summary`, undefined, signal);
export const getDevice = (id: number, signal?: AbortSignal) => api.get<Device>(`${BASE}/${id}`, undefined, signal);
export const createDevice = (body: CreateDeviceRequest) => api.post<Device>(BASE, body);
export const updateDevice = (id: number, body: UpdateDeviceRequest) => api.patch<Device>(`${BASE}/${id}`, body);
export const deleteDevice = (id: number) => api.delete(`${BASE}/${id}`);
export const moveDevices = (deviceIds: number[], folderId: number | null) =>
  api.post<MoveDevicesResponse>(`${BASE}/move`, { deviceIds, folderId } satisfies MoveDevicesRequest);

export type DeviceSystemInfo = DeviceSystemInfoResponse;
export const getDeviceSystemInfo = (id: number, signal?: AbortSignal) =>
  api.get<DeviceSystemInfo>(`${BASE}/${id}/system-info`, undefined, signal);
