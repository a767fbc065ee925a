import type { LoggingSettings } from '@openums/protocol';
import { api, ApiError } from './client';

export type { LoggingSettings };

const BASE = '/api/v1/settings/logging';

/** The default level and the per-area overrides (an area left out follows the default). */
export const getLoggingSettings = (signal?: AbortSignal) => api.get<LoggingSettings>(BASE, undefined, signal);
/** Replaces the levels; this server applies them at once, every other server within seconds. */
export const putLoggingSettings = (body: LoggingSettings) => api.put<LoggingSettings>(BASE, body);

/**
 * "Save support information": the server's .tar.gz (versions, servers, configuration and settings
 * without secrets, recent log lines and audit entries), with the file name the server gives it.
 * Needs the general right loggingAndAudit; a refusal rejects with ApiError like every call.
 */
export async function downloadSupportInfo(signal?: AbortSignal): Promise<{ blob: Blob; fileName: string }> {
  let response: Response;
  try {
    response = await fetch('/api/v1/support-info', {
      headers: { Accept: 'application/gzip, application/json' },
      credentials: 'same-origin',
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK_ERROR', 'Cannot reach the server. Check your network connection and try again.');
  }
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: the status says enough
    }
    const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
    if (error && typeof error.code === 'string') {
      throw new ApiError(
        response.status,
        error.code as ApiError['code'],
        String(error.message ?? `Request failed (${response.status})`),
        error.details,
      );
    }
    throw new ApiError(response.status, 'BAD_RESPONSE', `The server answered ${response.status} ${response.statusText}`.trim() + '.');
  }
  const disposition = response.headers.get('content-disposition') ?? '';
  const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'openums-support.tar.gz';
  return { blob: await response.blob(), fileName };
}
