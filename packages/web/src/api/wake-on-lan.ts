import type { WakeOnLanSettings } from '@openums/protocol';
import { api } from './client';

export type { WakeOnLanSettings };

const BASE = '/api/v1/settings/wake-on-lan';

export const getWakeOnLanSettings = (signal?: AbortSignal) => api.get<WakeOnLanSettings>(BASE, undefined, signal);
/** Replaces the settings; new dedicated proxies get the proxy setting (needs editConfiguration on them). */
export const putWakeOnLanSettings = (body: WakeOnLanSettings) => api.put<WakeOnLanSettings>(BASE, body);
