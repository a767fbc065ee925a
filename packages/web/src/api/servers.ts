import type { ServerListResponse, ServerProcess } from '@openums/protocol';
import { api } from './client';

export type { ServerProcess };

const BASE = '/api/v1/servers';

export const listServers = (signal?: AbortSignal) => api.get<ServerListResponse>(BASE, undefined, signal);
/** Refused with 409 SERVER_RUNNING while the entry is still beating. */
export const deleteServer = (id: string) => api.delete(`${BASE}/${encodeURIComponent(id)}`);
