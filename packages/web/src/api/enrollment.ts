import type {
  CreateEnrollmentKeysRequest,
  CreateEnrollmentKeysResponse,
  CreatedEnrollmentKey,
  EnrollmentKey,
  EnrollmentKeyPage,
  EnrollmentSettings,
  UpdateEnrollmentKeyRequest,
} from '@openums/protocol';
import { api } from './client';

const BASE = '/api/v1/enrollment-keys';

export type { CreatedEnrollmentKey, EnrollmentKeyPage };

export const ENROLLMENT_KEY_PAGE_SIZE = 100;
/** Every key without secrets, as a CSV file (a plain link; the session cookie authenticates it). */
export const ENROLLMENT_KEYS_CSV_URL = `${BASE}/export.csv`;

export const createEnrollmentKeys = (body: CreateEnrollmentKeysRequest) => api.post<CreateEnrollmentKeysResponse>(BASE, body);
export const listEnrollmentKeys = (cursor?: string, signal?: AbortSignal) =>
  api.get<EnrollmentKeyPage>(BASE, { limit: ENROLLMENT_KEY_PAGE_SIZE, cursor }, signal);
export const setEnrollmentKeyDisabled = (id: number, disabled: boolean) =>
  api.patch<EnrollmentKey>(`${BASE}/${id}`, { disabled } satisfies UpdateEnrollmentKeyRequest);
export const deleteEnrollmentKey = (id: number) => api.delete(`${BASE}/${id}`);

export const getEnrollmentSettings = (signal?: AbortSignal) =>
  api.get<EnrollmentSettings>('/api/v1/settings/enrollment', undefined, signal);
export const putEnrollmentSettings = (body: EnrollmentSettings) => api.put<EnrollmentSettings>('/api/v1/settings/enrollment', body);
