import type { LoginRequest, LoginResponse, MeResponse, OkResponse } from '@openums/protocol';
import { api, apiRequest, rememberCsrfToken } from './client';

export async function login(body: LoginRequest): Promise<LoginResponse> {
  const res = await api.post<LoginResponse>('/api/v1/auth/login', body, { skipAuthRedirect: true });
  rememberCsrfToken(res.csrfToken);
  return res;
}

export async function logout(): Promise<void> {
  await api.post<OkResponse>('/api/v1/auth/logout', undefined, { skipAuthRedirect: true });
  rememberCsrfToken(null);
}

export async function getMe(): Promise<MeResponse> {
  const res = await apiRequest<MeResponse>('GET', '/api/v1/auth/me', { skipAuthRedirect: true });
  rememberCsrfToken(res.csrfToken);
  return res;
}
