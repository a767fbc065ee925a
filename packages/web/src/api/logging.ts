import type { LoggingSettings } from '@openums/protocol';
import { api } from './client';

export type { LoggingSettings };

const BASE = '/api/v1/settings/logging';

/** The default level and the per-area overrides (an area left out follows the default). */
export const getLoggingSettings = (signal?: AbortSignal) => api.get<LoggingSettings>(BASE, undefined, signal);
/** Replaces the levels; this server applies them at once, every other server within seconds. */
export const putLoggingSettings = (body: LoggingSettings) => api.put<LoggingSettings>(BASE, body);
