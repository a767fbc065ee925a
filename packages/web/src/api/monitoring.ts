import type { CheckStatusResponse } from '@openums/protocol';
import { api } from './client';

export type CheckStatus = CheckStatusResponse;

/** The state a load balancer or monitor sees: ok, warn, init or err, with reasons unless ok. */
export const getCheckStatus = (signal?: AbortSignal) => api.get<CheckStatus>('/ums/check-status', undefined, signal);
