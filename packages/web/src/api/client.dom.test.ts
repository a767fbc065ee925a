// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, errorMessage, onUnauthenticated, rememberCsrfToken } from './client';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  onUnauthenticated(null);
  rememberCsrfToken(null);
  document.cookie = 'openums_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

describe('api client', () => {
  it('resends a request with an Idempotency-Key, with the same key, when its answer was lost', async () => {
    const fetchMock = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(new Response('bad gateway', { status: 502 }))
      .mockResolvedValueOnce(jsonResponse(201, { commands: [] }));
    vi.stubGlobal('fetch', fetchMock);
    vi.useFakeTimers();
    try {
      const sent = api.post('/api/v1/devices/commands', { command: 'reboot' }, { idempotencyKey: 'k-1' });
      await vi.runAllTimersAsync(); // the waits between the resends
      await expect(sent).resolves.toEqual({ commands: [] });
    } finally {
      vi.useRealTimers();
    }
    expect(fetchMock).toHaveBeenCalledTimes(3);
    for (const [, init] of fetchMock.mock.calls as unknown as Array<[string, RequestInit]>) {
      expect((init.headers as Record<string, string>)['Idempotency-Key']).toBe('k-1');
    }
  });

  it('never resends a request without a key, nor one the server refused', async () => {
    const network = vi.fn().mockRejectedValue(new TypeError('Failed to fetch'));
    vi.stubGlobal('fetch', network);
    await expect(api.post('/api/v1/devices', { mac: '001122334455' })).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(network).toHaveBeenCalledTimes(1);
    const refused = vi.fn(async () => jsonResponse(409, { error: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'used' } }));
    vi.stubGlobal('fetch', refused);
    await expect(api.post('/api/v1/devices/commands', {}, { idempotencyKey: 'k-2' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(refused).toHaveBeenCalledTimes(1);
  });

  it('sends the CSRF cookie value on writes only, with same-origin credentials', async () => {
    document.cookie = 'openums_csrf=tok%2Fen';
    const fetchMock = vi.fn(async () => jsonResponse(200, { ok: true }));
    vi.stubGlobal('fetch', fetchMock);

    await api.get('/api/v1/devices', { q: 'ab', cursor: undefined, recursive: false });
    await api.post('/api/v1/devices', { mac: '001122334455' });

    const [getUrl, getInit] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(getUrl).toBe('/api/v1/devices?q=ab&recursive=false');
    expect(getInit.credentials).toBe('same-origin');
    expect((getInit.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
    const [, postInit] = fetchMock.mock.calls[1] as unknown as [string, RequestInit];
    expect((postInit.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok/en');
    expect(postInit.body).toBe('{"mac":"001122334455"}');
  });

  it('turns an error body into an ApiError with the server code and message', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => jsonResponse(409, { error: { code: 'FOLDER_CYCLE', message: 'A folder cannot move into its own sub-folder' } })),
    );
    const error = await api.patch('/api/v1/device-folders/1', { parentId: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'FOLDER_CYCLE' });
    expect(errorMessage(error)).toBe('A folder cannot move into its own sub-folder');
  });

  it('reports the wait time of a rate limit and a non-JSON failure readably', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        jsonResponse(429, { error: { code: 'RATE_LIMITED', message: 'Too many login attempts.' } }, { 'Retry-After': '90' }),
      ),
    );
    const limited = await api.post('/api/v1/auth/login', {}, { skipAuthRedirect: true }).catch((e: unknown) => e);
    expect(errorMessage(limited)).toBe('Too many login attempts. Try again in 2 minutes.');

    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' })),
    );
    const proxy = await api.get('/api/v1/devices').catch((e: unknown) => e);
    expect(proxy).toMatchObject({ code: 'BAD_RESPONSE', status: 502 });
    expect(errorMessage(proxy)).toBe('The server answered 502 Bad Gateway.');
  });

  it('ends the session on a 401, except for the login call itself', async () => {
    const handler = vi.fn();
    onUnauthenticated(handler);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => jsonResponse(401, { error: { code: 'UNAUTHENTICATED', message: 'Log in first' } })),
    );

    await expect(api.post('/api/v1/auth/login', {}, { skipAuthRedirect: true })).rejects.toBeInstanceOf(ApiError);
    expect(handler).not.toHaveBeenCalled();
    await expect(api.get('/api/v1/devices')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
