import type { Preference } from '@openums/protocol';
import { api } from './client';

/** The signed-in administrator's own preferences, kept by the server (they follow the administrator to any browser). */
export const getPreference = (key: string, signal?: AbortSignal) =>
  api.get<Preference>(`/api/v1/me/preferences/${encodeURIComponent(key)}`, undefined, signal);
export const putPreference = (key: string, value: unknown) =>
  api.put<Preference>(`/api/v1/me/preferences/${encodeURIComponent(key)}`, { value });
