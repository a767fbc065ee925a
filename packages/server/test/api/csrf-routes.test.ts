import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CSRF_HEADER, ErrorCode, SESSION_COOKIE } from '@openums/protocol';
import { ADMIN_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Every route of the app, as registered: the app is wrapped at creation so an onRoute hook sees
 * each route before it exists (buildApp registers them all before returning). A route added
 * tomorrow is walked without changing this file.
 */
const routes = vi.hoisted(() => [] as Array<{ method: string; url: string; access: unknown }>);
vi.mock('fastify', async (importOriginal) => {
  const mod = await importOriginal<typeof import('fastify')>();
  const create = ((opts?: object) => {
    const app = mod.default(opts);
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url, access: (r.config as { access?: unknown })?.access });
    });
    return app;
  }) as unknown as typeof mod.default;
  return { ...mod, default: Object.assign(create, mod.default), fastify: Object.assign(create, mod.default) };
});

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A concrete URL for a route: ids that do not exist (so nothing is found and changed), a member type that does. */
const concrete = (url: string, id: string) => url.replace(/:type\b/g, 'admin').replace(/:[A-Za-z]+/g, id);

// Access control runs before the database is touched and is the same code on both dialects; the
// GET walk below reads the audit log of each.
describe.each(DIALECTS)('CSRF on every route (%s)', (dialect) => {
  let t: TestApp;
  let cookie: string;
  let csrf: string;
  beforeAll(async () => {
    routes.length = 0;
    t = await buildTestApp(dialect);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const session = login.cookies.find((c) => c.name === SESSION_COOKIE)!;
    cookie = `${SESSION_COOKIE}=${session.value}`;
    csrf = login.json().csrfToken;
  });
  afterAll(() => t.close());

  const changing = () => routes.filter((r) => !SAFE.has(r.method));
  const send = (r: { method: string; url: string }, headers: Record<string, string>) =>
    t.app.inject({ method: r.method as 'POST', url: concrete(r.url, '999999'), headers, payload: {} });

  it('finds the routes', () => {
    expect(changing().length).toBeGreaterThan(40);
    // The login, the EST enrollment and one device route: the only changing routes without a session.
    expect(
      changing()
        .filter((r) => r.access === 'public')
        .map((r) => r.url),
    ).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/.well-known/est/simpleenroll',
        '/device-connector/device/.well-known/est/simpleenroll',
      ]),
    );
  });

  // Walking every route compiles each route's schemas on its first request (lib/validation.ts).
  it('refuses every cookie-authenticated change without the CSRF header (403), and with a wrong one', async () => {
    const unexpected: string[] = [];
    for (const r of changing().filter((r) => r.access !== 'public' && r.access !== 'device')) {
      for (const headers of [{ cookie }, { cookie, [CSRF_HEADER]: 'not-the-token' }]) {
        const res = await send(r, headers);
        const code = res.json().error?.code;
        if (res.statusCode !== 403 || code !== ErrorCode.CsrfTokenInvalid) {
          unexpected.push(`${r.method} ${r.url} (${headers[CSRF_HEADER] ? 'wrong header' : 'no header'}): ${res.statusCode} ${code}`);
        }
      }
      // Not a public route after all: without the cookie it is 401.
      const anonymous = await send(r, {});
      if (anonymous.statusCode !== 401) unexpected.push(`${r.method} ${r.url} without a session: ${anonymous.statusCode}`);
    }
    expect(unexpected).toEqual([]);

    // Control: the same session with its header gets past the check (a body that fails validation).
    const folder = await send({ method: 'POST', url: '/api/v1/device-folders' }, { cookie, [CSRF_HEADER]: csrf });
    expect(folder.statusCode).toBe(400);
    expect(folder.json().error.code).toBe(ErrorCode.ValidationFailed);
  }, 120_000);

  it('gives a session cookie no meaning on public and device routes: the answer is the same without it', async () => {
    const open = changing().filter((r) => r.access === 'public' || r.access === 'device');
    expect(open.length).toBeGreaterThan(0);
    for (const r of open) {
      const withCookie = await send(r, { cookie });
      const without = await send(r, {});
      const summary = (res: typeof without) => `${res.statusCode} ${res.json().error?.code}`;
      expect(summary(withCookie), `${r.method} ${r.url}`).toBe(summary(without));
      expect(withCookie.statusCode, `${r.method} ${r.url}`).toBeGreaterThanOrEqual(400);
      if (r.access === 'device') expect(withCookie.json().error.code).toBe(ErrorCode.ClientCertificateRequired);
    }
  });

  it('changes nothing on GET: walking every GET route with the cookie session adds no audit log entry', async () => {
    const count = async () =>
      Number(
        (
          await t.database.db
            .selectFrom('audit_log')
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const gets = routes.filter((r) => r.method === 'GET' && !r.url.includes('*') && r.url !== '/api/v1/events');
    expect(gets.length).toBeGreaterThan(40);
    for (const r of gets) {
      const res = await t.app.inject({ method: 'GET', url: concrete(r.url, '1'), headers: { cookie } });
      expect(res.statusCode, `GET ${r.url}`).toBeLessThan(500);
    }
    expect(await count()).toBe(before);
  }, 120_000);
});
