import type {
  CreateDeviceAttributeRequest,
  DeviceAttribute,
  DeviceAttributeList,
  DeviceAttributeValues,
  UpdateDeviceAttributeRequest,
} from '@openums/protocol';
import { api } from './client';

export type { DeviceAttribute, DeviceAttributeValues, CreateDeviceAttributeRequest, UpdateDeviceAttributeRequest };

const BASE = '/api/v1/device-attributes';

/** Every administrator reads the definitions; changes need the general right globalSettings. */
export const listDeviceAttributes = (signal?: AbortSignal) => api.get<DeviceAttributeList>(BASE, undefined, signal);
export const createDeviceAttribute = (body: CreateDeviceAttributeRequest) => api.post<DeviceAttribute>(BASE, body);
export const updateDeviceAttribute = (id: number, body: UpdateDeviceAttributeRequest) => api.patch<DeviceAttribute>(`${BASE}/${id}`, body);
export const deleteDeviceAttribute = (id: number) => api.delete(`${BASE}/${id}`);

/** A device's values (needs read); setting them needs editSystemInformation. null resets a value. */
export const getDeviceAttributeValues = (deviceId: number, signal?: AbortSignal) =>
  api.get<DeviceAttributeValues>(`/api/v1/devices/${deviceId}/attributes`, undefined, signal);
export const putDeviceAttributeValues = (deviceId: number, values: Record<string, string | null>) =>
  api.put<DeviceAttributeValues>(`/api/v1/devices/${deviceId}/attributes`, { values });
