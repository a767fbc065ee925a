import type {
  DeviceImportError,
  DeviceImportFormat,
  DeviceImportResponse,
  NamingSettings,
  RenameAllRequest,
  RenameAllResponse,
} from '@openums/protocol';
import { api, apiRequest } from './client';

export type { DeviceImportError, DeviceImportFormat, DeviceImportResponse, NamingSettings, RenameAllResponse };

const BASE = '/api/v1/settings/naming';

export const getNamingSettings = (signal?: AbortSignal) => api.get<NamingSettings>(BASE, undefined, signal);
/** Rejects with NETWORK_NAME_INVALID when "adjust network name" is on and names would not fit in 15 characters. */
export const putNamingSettings = (body: NamingSettings) => api.put<NamingSettings>(BASE, body);
/** dryRun: one page of old → new names; else every device is renamed (FEATURE_DISABLED while the convention is off). */
export const renameAllDevices = (body: RenameAllRequest) => api.post<RenameAllResponse>(`${BASE}/rename`, body);

/**
 * Sends an import file (CSV) as it is. Rejects with IMPORT_INVALID whose `details.errors` lists
 * `{ line, field, code, message }`; nothing is saved then.
 */
export const importDevices = (text: string, format: DeviceImportFormat, dryRun: boolean) =>
  apiRequest<DeviceImportResponse>('POST', '/api/v1/devices/import', {
    query: { format, dryRun },
    text: { contentType: 'text/csv', content: text },
  });

/** The per-line errors of an IMPORT_INVALID answer (empty for any other error). */
export function importErrorsOf(details: unknown): DeviceImportError[] {
  const errors = (details as { errors?: unknown } | null | undefined)?.errors;
  return Array.isArray(errors) ? (errors as DeviceImportError[]) : [];
}
