import type { CommLogCleared, CommLogEntry, CommLogPage, CommLogSettings, CommLogSwitch, CommLogSwitchState } from '@openums/protocol';
import { api } from './client';

export type { CommLogEntry, CommLogPage, CommLogSwitch, CommLogSwitchState, CommLogSettings };

export const COMM_LOG_PAGE_SIZE = 50;
const path = (deviceId: number) => `/api/v1/devices/${deviceId}/comm-log`;

/** The switch and a page of entries, newest first (needs read on the device). */
export const getCommLog = (deviceId: number, cursor?: string, signal?: AbortSignal) =>
  api.get<CommLogPage>(path(deviceId), { limit: COMM_LOG_PAGE_SIZE, cursor }, signal);
/** On/off and payloads (needs write). */
export const putCommLogSwitch = (deviceId: number, body: CommLogSwitch) => api.put<CommLogSwitchState>(path(deviceId), body);
/** Deletes the entries; the switch stays (needs write). */
export const clearCommLog = (deviceId: number) => api.delete<CommLogCleared>(path(deviceId));

const SETTINGS = '/api/v1/settings/device-comm-log';
export const getCommLogSettings = (signal?: AbortSignal) => api.get<CommLogSettings>(SETTINGS, undefined, signal);
export const putCommLogSettings = (body: CommLogSettings) => api.put<CommLogSettings>(SETTINGS, body);
