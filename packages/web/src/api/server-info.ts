import type { ServerInfoResponse } from '@openums/protocol';
import { api } from './client';

export type ServerInfo = ServerInfoResponse;

export const getServerInfo = (signal?: AbortSignal) => api.get<ServerInfo>('/api/v1/server', undefined, signal);
