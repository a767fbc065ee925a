import type {
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
  sort: DeviceSort;
}

export function listDevices(filter: DeviceListFilter, cursor?: string, signal?: AbortSignal): Promise<DevicePage> {
  return api.get<DevicePage>(
    BASE,
    {
      limit: DEVICE_PAGE_SIZE,
      cursor,
      folderId: filter.folderId,
      recursive: filter.folderId === undefined ? undefined : filter.recursive,
      q: filter.q.trim() || undefined,
      sort: filter.sort,
    },
    signal,
  );
}

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
