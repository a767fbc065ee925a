import { api } from './client';

/** `GET /api/v1/server` (the schema lives in the server's route; only these fields are used here). */
export interface ServerInfo {
  serverId: string;
  installationId: string;
  version: string;
  database: string;
  /** SHA-256 fingerprint of the web CA, for `openums-agent enroll --ca-fingerprint`. */
  webCaFingerprint: string | null;
}

export const getServerInfo = (signal?: AbortSignal) => api.get<ServerInfo>('/api/v1/server', undefined, signal);
