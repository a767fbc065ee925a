import type {
  ApplyMode,
  AssignedObject,
  AssignedObjectsResponse,
  AssignmentTarget,
  AssignProfileRequest,
  AssignProfileResponse,
  ConfigSource,
  CopyProfileRequest,
  CreateProfileFolderRequest,
  CreateProfileRequest,
  DeviceSettingsResponse,
  EffectiveConfigurationResponse,
  EffectiveParameter,
  ImportProfilesResponse,
  PreviewProfileChangeRequest,
  PreviewProfileChangeResponse,
  Profile,
  ProfileAssignment,
  ProfileAssignmentsResponse,
  ProfileFolder,
  ProfileFolderPage,
  ProfilePage,
  ProfileSettings,
  PutDeviceSettingsRequest,
  UpdateProfileFolderRequest,
  UpdateProfileRequest,
  UnassignProfileResponse,
} from '@openums/protocol';
import { api, apiRequest, buildUrl } from './client';

const BASE = '/api/v1/profiles';
const FOLDERS = '/api/v1/profile-folders';
export const PROFILE_PAGE_SIZE = 200;

export type { AssignedObject, AssignmentTarget, ConfigSource, EffectiveParameter, ProfileAssignment, ProfileFolderPage, ProfilePage };
export type ProfileAssignmentPage = ProfileAssignmentsResponse;

export interface ProfileListFilter {
  /** undefined = every profile, 'root' = profiles in no folder. */
  folderId?: number | 'root';
  /** Case-insensitive name prefix. */
  q?: string;
}

export function listProfiles(filter: ProfileListFilter, cursor?: string, signal?: AbortSignal): Promise<ProfilePage> {
  return api.get<ProfilePage>(
    BASE,
    { limit: PROFILE_PAGE_SIZE, cursor, folderId: filter.folderId, q: filter.q?.trim() || undefined },
    signal,
  );
}

/** Every profile, all pages (pickers, export). */
export async function listAllProfiles(signal?: AbortSignal): Promise<Profile[]> {
  const all: Profile[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<ProfilePage>(BASE, { limit: 1000, cursor }, signal);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export const getProfile = (id: number, signal?: AbortSignal) => api.get<Profile>(`${BASE}/${id}`, undefined, signal);
export const createProfile = (body: CreateProfileRequest) => api.post<Profile>(BASE, body);
export const updateProfile = (id: number, body: UpdateProfileRequest) => api.patch<Profile>(`${BASE}/${id}`, body);
export const deleteProfile = (id: number, apply: ApplyMode = 'now') => api.delete(buildUrl(`${BASE}/${id}`, { apply }));
export const copyProfile = (id: number, body: CopyProfileRequest) => api.post<Profile>(`${BASE}/${id}/copy`, body);

// ── folders ──────────────────────────────────────────────────────────────────

export async function listAllProfileFolders(signal?: AbortSignal): Promise<ProfileFolder[]> {
  const all: ProfileFolder[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<ProfileFolderPage>(FOLDERS, { limit: 1000, cursor }, signal);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export const createProfileFolder = (body: CreateProfileFolderRequest) => api.post<ProfileFolder>(FOLDERS, body);
export const updateProfileFolder = (id: number, body: UpdateProfileFolderRequest) => api.patch<ProfileFolder>(`${FOLDERS}/${id}`, body);
export const deleteProfileFolder = (id: number) => api.delete(`${FOLDERS}/${id}`);

// ── assignments ──────────────────────────────────────────────────────────────
export const listAssignments = (id: number, cursor?: string, signal?: AbortSignal) =>
  api.get<ProfileAssignmentPage>(`${BASE}/${id}/assignments`, { limit: 200, cursor }, signal);
/** `devices`: how many devices the change reaches. */
export const assignProfile = (id: number, targets: AssignmentTarget[], apply: ApplyMode) =>
  api.post<AssignProfileResponse>(`${BASE}/${id}/assignments`, { targets, apply } satisfies AssignProfileRequest);
export const unassignProfile = (id: number, targets: AssignmentTarget[], apply: ApplyMode) =>
  api.delete<UnassignProfileResponse>(`${BASE}/${id}/assignments`, { targets, apply } satisfies AssignProfileRequest);

export const previewProfileChange = (id: number, body: PreviewProfileChangeRequest, signal?: AbortSignal) =>
  apiRequest<PreviewProfileChangeResponse>('POST', `${BASE}/${id}/preview`, { body, signal });

// ── import / export ──────────────────────────────────────────────────────────
/** A plain link: the session cookie authenticates the download. */
export function exportProfilesUrl(ids: readonly number[], includeSecrets: boolean): string {
  return buildUrl(`${BASE}/export`, { ids: ids.join(','), includeSecrets });
}

export const importProfiles = (text: string) =>
  apiRequest<ImportProfilesResponse>('POST', `${BASE}/import`, { text: { contentType: 'text/plain', content: text } });

/** One problem of a refused import file (400 IMPORT_INVALID, `details.errors`). */
export interface ImportError {
  line: number;
  field?: string;
  message: string;
}

export function importErrors(details: unknown): ImportError[] {
  if (typeof details !== 'object' || details === null) return [];
  const errors = (details as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e): ImportError[] => {
    if (typeof e !== 'object' || e === null) return [];
    const { line, field, message } = e as Record<string, unknown>;
    return [
      {
        line: typeof line === 'number' ? line : 0,
        ...(typeof field === 'string' && field ? { field } : {}),
        message: typeof message === 'string' ? message : String(message),
      },
    ];
  });
}

// ── feature switch ───────────────────────────────────────────────────────────
export const getProfileSettings = (signal?: AbortSignal) => api.get<ProfileSettings>('/api/v1/settings/profiles', undefined, signal);
export const putProfileSettings = (body: ProfileSettings) => api.put<ProfileSettings>('/api/v1/settings/profiles', body);

// ── a device's configuration ─────────────────────────────────────────────────
const DEVICES = '/api/v1/devices';
export const getEffectiveConfiguration = (deviceId: number, signal?: AbortSignal) =>
  api.get<EffectiveConfigurationResponse>(`${DEVICES}/${deviceId}/effective-configuration`, undefined, signal);
export const getAssignedObjects = (deviceId: number, signal?: AbortSignal) =>
  api.get<AssignedObjectsResponse>(`${DEVICES}/${deviceId}/assigned-objects`, undefined, signal);
export const getDeviceSettings = (deviceId: number, signal?: AbortSignal) =>
  api.get<DeviceSettingsResponse>(`${DEVICES}/${deviceId}/settings`, undefined, signal);
export const putDeviceSettings = (deviceId: number, body: PutDeviceSettingsRequest) =>
  api.put<DeviceSettingsResponse>(`${DEVICES}/${deviceId}/settings`, body);
