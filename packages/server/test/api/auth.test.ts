import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { DIALECTS } from '../helpers/db.js';
import { ADMIN_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.js';
import { DEFAULTS } from '../../src/config/schema.js';

function cookiesOf(res: { cookies: Array<{ name: string; value: string; httpOnly?: boolean; secure?: boolean; sameSite?: string }> }) {
  return Object.fromEntries(res.cookies.map((c) => [c.name, c]));
}

describe.each(DIALECTS)('login and sessions (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const login = (username: string, password: string, ip = '10.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });

  it('issues a secure session cookie, a CSRF cookie and a bearer token', async () => {
    const res = await login('admin', ADMIN_PASSWORD);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ username: 'admin', role: 'superuser' });
    const cookies = cookiesOf(res);
    expect(cookies.openums_session).toMatchObject({ value: body.token, httpOnly: true, secure: true, sameSite: 'Strict' });
    expect(cookies.openums_csrf).toMatchObject({ value: body.csrfToken, secure: true });
    expect(cookies.openums_csrf!.httpOnly).toBeFalsy();

    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(me.json().user.username).toBe('admin');
  });

  it('answers 401 with a code for missing, wrong and logged-out credentials', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/devices' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('UNAUTHENTICATED');
    const bogus = await t.app.inject({ method: 'GET', url: '/api/v1/devices', headers: { authorization: 'Bearer nope' } });
    expect(bogus.json().error.code).toBe('UNAUTHENTICATED');
    const wrong = await login('admin', 'wrong password', '10.0.0.2');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    const unknownUser = await login('nobody', 'x', '10.0.0.3');
    expect(unknownUser.json().error.code).toBe('INVALID_CREDENTIALS');

    const token = (await login('admin', ADMIN_PASSWORD, '10.0.0.4')).json().token;
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${token}` } });
    expect(out.statusCode).toBe(200);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(after.statusCode).toBe(401);
  });

  it('expires sessions after their lifetime', async () => {
    const token = (await login('admin', ADMIN_PASSWORD, '10.0.0.5')).json().token;
    t.clock.advance(DEFAULTS.session.ttlHours * 3_600_000 + 1);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(401);
    // The suite's own token expired too; log in again for the tests that follow.
    t.token = (await login('admin', ADMIN_PASSWORD, '10.0.0.6')).json().token;
  });

  it('requires the CSRF header for cookie-authenticated writes, not for bearer tokens', async () => {
    const res = await login('admin', ADMIN_PASSWORD, '10.0.0.7');
    const { token, csrfToken } = res.json();
    const cookie = `openums_session=${token}`;
    const payload = { name: 'csrf-test' };
    const noHeader = await t.app.inject({ method: 'POST', url: '/api/v1/device-folders', headers: { cookie }, payload });
    expect(noHeader.statusCode).toBe(403);
    expect(noHeader.json().error.code).toBe('CSRF_TOKEN_INVALID');
    const wrongHeader = await t.app.inject({
      method: 'POST',
      url: '/api/v1/device-folders',
      headers: { cookie, 'x-csrf-token': 'x' },
      payload,
    });
    expect(wrongHeader.statusCode).toBe(403);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/device-folders?parentId=root', headers: { cookie } });
    expect(list.json().items.map((f: any) => f.name)).not.toContain('csrf-test');

    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/device-folders',
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload,
    });
    expect(ok.statusCode).toBe(201);
    // The stored hash itself is not accepted in place of the token.
    const row = await t.database.db.selectFrom('sessions').select('csrf_token_hash').orderBy('id', 'desc').executeTakeFirstOrThrow();
    const byHash = await t.app.inject({
      method: 'POST',
      url: '/api/v1/device-folders',
      headers: { cookie, 'x-csrf-token': row.csrf_token_hash },
      payload: { name: 'by-hash' },
    });
    expect(byHash.statusCode).toBe(403);
    const bearer = await t.app.inject({
      method: 'POST',
      url: '/api/v1/device-folders',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'bearer-test' },
    });
    expect(bearer.statusCode).toBe(201);
  });

  it('stores only a SHA-256 of the CSRF token; /auth/me hands a cookie session back the token its browser holds', async () => {
    const res = await login('admin', ADMIN_PASSWORD, '10.0.0.8');
    const { token, csrfToken } = res.json();
    const rows = await t.database.db.selectFrom('sessions').select(['token_hash', 'csrf_token_hash']).execute();
    const stored = rows.find((r) => r.token_hash === createHash('sha256').update(token).digest('hex'))!;
    expect(stored.csrf_token_hash).toBe(createHash('sha256').update(csrfToken).digest('hex'));
    expect(rows.map((r) => r.csrf_token_hash)).not.toContain(csrfToken);
    expect(JSON.stringify(rows)).not.toContain(csrfToken);

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: `openums_session=${token}; openums_csrf=${csrfToken}` },
    });
    expect(me.json()).toMatchObject({ user: { username: 'admin' }, csrfToken });
    const forged = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: `openums_session=${token}; openums_csrf=forged` },
    });
    expect(forged.json().csrfToken).toBeNull();
    const bearer = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(bearer.json().csrfToken).toBeNull();
  });

  it('rate-limits repeated failures per address and per user name with 429 and Retry-After', async () => {
    for (let i = 0; i < 5; i++) expect((await login('admin', `bad-${i}`, '10.9.9.9')).statusCode).toBe(401);
    const blocked = await login('admin', ADMIN_PASSWORD, '10.9.9.9');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // The user name is blocked from other addresses too.
    expect((await login('admin', ADMIN_PASSWORD, '10.9.9.10')).statusCode).toBe(429);
    t.clock.advance(61_000);
    expect((await login('admin', ADMIN_PASSWORD, '10.9.9.9')).statusCode).toBe(200);
  });
});

describe('access rules', () => {
  it('refuses to start when a route declares no access rule', async () => {
    const t = await buildTestApp('sqlite', { prepare: false });
    t.app.get('/api/v1/forgotten', { schema: { response: { 200: Type.Object({}) } } }, async () => ({}));
    await expect(t.app.ready()).rejects.toThrow(/GET \/api\/v1\/forgotten/);
    await t.database.close();
    await t.testDb.drop();
  });

  it('answers 503 for the API while starting, but serves check-status', async () => {
    const t = await buildTestApp('sqlite', { prepare: false });
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/devices' });
    expect(api.statusCode).toBe(503);
    expect(api.json().error.code).toBe('SERVICE_UNAVAILABLE');
    expect((await t.app.inject({ method: 'GET', url: '/ums/check-status' })).json()).toEqual({ status: 'init' });
    await t.prepare();
    expect((await t.app.inject({ method: 'GET', url: '/ums/check-status' })).json()).toEqual({ status: 'ok' });
    await t.close();
  });

  it('answers unknown API routes with ROUTE_NOT_FOUND JSON', async () => {
    const t = await buildTestApp('sqlite');
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('ROUTE_NOT_FOUND');
    const del = await t.app.inject({ method: 'DELETE', url: '/api/v1/devices' });
    expect(del.json().error.code).toBe('ROUTE_NOT_FOUND');
    await t.close();
  });
});
