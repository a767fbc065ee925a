import { CSRF_COOKIE, ErrorResponse, LoginRequest, LoginResponse, MeResponse, OkResponse, SESSION_COOKIE } from '@openums/protocol';
import { rightsOf } from '../access/request-rights.js';
import type { App } from '../../lib/fastify.js';
import type { AuthService } from './auth.service.js';
import { auditContext } from '../audit/audit-context.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse };

export function authRoutes(app: App, auth: AuthService, sessionTtlMs: number): void {
  const cookieOpts = { path: '/', secure: true, sameSite: 'strict' as const, maxAge: Math.floor(sessionTtlMs / 1000) };

  app.post('/api/v1/auth/login', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Log in; sets a session cookie and returns a bearer token',
      body: LoginRequest,
      response: { 200: LoginResponse, ...errors },
    },
    handler: async (req, reply) => {
      const r = await auth.login(req.body.username, req.body.password, req.ip);
      reply.setCookie(SESSION_COOKIE, r.token, { ...cookieOpts, httpOnly: true });
      reply.setCookie(CSRF_COOKIE, r.csrfToken, { ...cookieOpts, httpOnly: false });
      return { token: r.token, csrfToken: r.csrfToken, expiresAt: new Date(r.expiresAt).toISOString(), user: r.user };
    },
  });

  app.post('/api/v1/auth/logout', {
    config: { access: 'authenticated' },
    schema: { tags: ['auth'], summary: 'End the current session', response: { 200: OkResponse, 401: ErrorResponse } },
    handler: async (req, reply) => {
      rightsOf(req).anyAdministrator('own session');
      await auth.logout(req.auth!.token, auditContext(req));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  });

  app.get('/api/v1/auth/me', {
    config: { access: 'authenticated' },
    schema: { tags: ['auth'], summary: 'The logged-in administrator', response: { 200: MeResponse, 401: ErrorResponse } },
    handler: async (req) => ({
      ...(rightsOf(req).anyAdministrator('own account'), {}),
      user: req.auth!.user,
      // Only a hash is stored: a cookie session gets back the CSRF cookie its browser sent,
      // when it is the session's token (the web app's fallback when it cannot read the cookie).
      csrfToken: req.auth!.via === 'cookie' && auth.csrfMatches(req.auth!, req.cookies[CSRF_COOKIE]) ? req.cookies[CSRF_COOKIE]! : null,
      superuser: req.auth!.superuser,
      generalRights: [...req.auth!.generalRights],
      via: req.auth!.tokenId === null ? ('session' as const) : ('apiToken' as const),
    }),
  });
}
