import type { ClusterSettings } from '@openums/protocol';
import { api } from './client';

export type { ClusterSettings };

const BASE = '/api/v1/cluster-settings';

export const getClusterSettings = (signal?: AbortSignal) => api.get<ClusterSettings>(BASE, undefined, signal);
export const putClusterSettings = (body: ClusterSettings) => api.put<ClusterSettings>(BASE, body);
