import type { CSRF_COOKIE, ErrorBody, ErrorCode } from '@openums/protocol';

/** Codes the client itself produces when the server gave no usable error body. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE';

/** Every failed API call rejects with this; the UI branches on `code`, shows `message`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  readonly details: unknown;
  /** Seconds from the Retry-After header, when the server sent one. */
  readonly retryAfterSeconds: number | null;

  constructor(
    status: number,
    code: ErrorCode | ClientErrorCode,
    message: string,
    details?: unknown,
    retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const CSRF_COOKIE_NAME: typeof CSRF_COOKIE = 'openums_csrf';

let csrfTokenFromBody: string | null = null;
let unauthenticatedHandler: (() => void) | null = null;

/** The login and /auth/me responses carry the CSRF token too; used if the cookie is unreadable. */
export function rememberCsrfToken(token: string | null): void {
  csrfTokenFromBody = token;
}

/** Called on any 401 outside the login call itself (session expired or revoked). */
export function onUnauthenticated(handler: (() => void) | null): void {
  unauthenticatedHandler = handler;
}

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export function csrfToken(): string | null {
  return readCookie(CSRF_COOKIE_NAME) ?? csrfTokenFromBody;
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Sent as is instead of a JSON body (an uploaded file's text). */
  text?: { contentType: string; content: string };
  signal?: AbortSignal;
  /** Don't treat a 401 as "session gone" (the login call answers 401 for a wrong password). */
  skipAuthRedirect?: boolean;
  /**
   * Sent as Idempotency-Key: the server does the work once however often the request arrives,
   * so a request whose answer was lost (network error, 502/503/504 from a proxy) is sent again.
   */
  idempotencyKey?: string;
}

/** Waits before resending a request with an Idempotency-Key whose answer was lost. */
const RESEND_DELAYS_MS = [300, 1500];
const LOST_ANSWER_STATUSES = new Set([502, 503, 504]);

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

export async function apiRequest<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  if (!options.idempotencyKey) return sendOnce<T>(method, path, options);
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendOnce<T>(method, path, options);
    } catch (err) {
      const lost = err instanceof ApiError && (err.code === 'NETWORK_ERROR' || LOST_ANSWER_STATUSES.has(err.status));
      const delay = RESEND_DELAYS_MS[attempt];
      if (!lost || delay === undefined) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function sendOnce<T>(method: string, path: string, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  if (options.text) headers['Content-Type'] = options.text.contentType;
  else if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.text ? options.text.content : options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK_ERROR', 'Cannot reach the server. Check your network connection and try again.');
  }

  if (response.status === 204) return undefined as T;

  const text = await response.text();
  let payload: unknown = undefined;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = undefined;
    }
  }

  if (!response.ok) {
    const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
    const error = isErrorBody(payload)
      ? new ApiError(
          response.status,
          payload.error.code,
          payload.error.message || `Request failed (${response.status})`,
          payload.error.details,
          retryAfter,
        )
      : new ApiError(
          response.status,
          'BAD_RESPONSE',
          `The server answered ${response.status} ${response.statusText}`.trim() + '.',
          undefined,
          retryAfter,
        );
    if (response.status === 401 && !options.skipAuthRedirect) unauthenticatedHandler?.();
    throw error;
  }
  if (payload === undefined && text) {
    throw new ApiError(response.status, 'BAD_RESPONSE', 'The server sent a response that is not JSON.');
  }
  return payload as T;
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal) => apiRequest<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>) => apiRequest<T>('POST', path, { ...options, body }),
  patch: <T>(path: string, body: unknown) => apiRequest<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => apiRequest<T>('PUT', path, { body }),
  delete: <T = void>(path: string, body?: unknown) => apiRequest<T>('DELETE', path, { body }),
};

/** A sentence a person can read, for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'RATE_LIMITED') {
      const wait = error.retryAfterSeconds ?? retryAfterFromDetails(error.details);
      return wait !== null ? `${error.message} Try again in ${formatWait(wait)}.` : error.message;
    }
    return error.message;
  }
  if (error instanceof Error) return error.message || 'Something went wrong.';
  return 'Something went wrong.';
}

function retryAfterFromDetails(details: unknown): number | null {
  if (typeof details !== 'object' || details === null) return null;
  const d = details as Record<string, unknown>;
  for (const key of ['retryAfterSeconds', 'retryAfter']) {
    const value = d[key];
    if (typeof value === 'number' && Number.isFinite(value)) return Math.ceil(value);
  }
  return null;
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export function isApiError(error: unknown, code?: ErrorCode | ClientErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}
