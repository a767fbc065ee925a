import type { X509Certificate } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CSRF_HEADER, ErrorCode, SESSION_COOKIE, type ErrorBody, type GeneralRight } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { AuthService, AuthenticatedSession } from './auth.service.js';
import type { RequestRights, RightsActor } from '../access/request-rights.js';
import type { TreeName } from '../access/object-access.js';

/**
 * Who may call a route: anybody ('public'), a device by its certificate ('device'), or a
 * logged-in administrator — with a general right checked before the handler
 * (`{general: …}`), or 'authenticated', where the handler decides on the objects it touches
 * through `req.rights` (ADR 0006). Every route must say which; there is no default.
 */
export type Access = 'public' | 'authenticated' | 'device' | { general: GeneralRight };

/**
 * The device behind a request: its current certificate, and whether the TLS handshake proved
 * the key ('tls') or a trusted proxy only forwarded the certificate ('forwarded').
 */
export interface RequestDevice {
  deviceId: number;
  serial: string;
  via: 'tls' | 'forwarded';
  cert: X509Certificate;
}

/** Resolves the device behind a request's client certificate ('device' routes). */
export type DeviceIdentifier = (req: FastifyRequest) => Promise<RequestDevice | AppError>;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** A successful call changes the tree's folders or where objects with access lists are: rights are re-read. */
    changesTree?: TreeName;
  }
  interface FastifyRequest {
    auth: (AuthenticatedSession & { via: 'cookie' | 'bearer'; token: string }) | null;
    device: RequestDevice | null;
    /** The administrator's access decisions for this request (null on public and device routes). */
    rights: RequestRights | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readToken(req: FastifyRequest): { token: string; via: 'cookie' | 'bearer' } | null {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m ? { token: m[1]!, via: 'bearer' } : null;
  }
  const cookie = req.cookies?.[SESSION_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/** What the access check needs of the object-rights module. */
export interface RightsSource {
  forRequest(actor: RightsActor): RequestRights;
  /** A committed change of a tree's folders (config.changesTree). */
  treeChanged(tree: TreeName): void;
}

/** A route as registered, with its access rule (the route-walking test lists them). */
export interface RegisteredRoute {
  method: unknown;
  url: string;
  config?: unknown;
  schema?: unknown;
}

/** Told of every administrator request's access decision before its answer goes out (tests walk routes with it). */
export type DecisionObserver = (route: { method: string; url: string; status: number; decision: string | null }) => void;

/** Installs the fail-closed access check. Call before any route is registered. */
export function installAccessControl(
  app: FastifyInstance,
  auth: AuthService,
  identifyDevice: DeviceIdentifier,
  rights: RightsSource,
  observe?: DecisionObserver,
): ReadonlyArray<RegisteredRoute> {
  app.decorateRequest('auth', null);
  app.decorateRequest('device', null);
  app.decorateRequest('rights', null);

  // Checked once every plugin's onRoute hooks have run: a route without a rule stops start-up.
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => void routes.push(route));
  app.addHook('onReady', async () => {
    const missing = routes.filter((r) => !(r.config as { access?: Access } | undefined)?.access);
    if (missing.length) {
      throw new Error(`Routes without an access rule (config.access): ${missing.map((r) => `${String(r.method)} ${r.url}`).join(', ')}`);
    }
  });

  const authorize = async (req: FastifyRequest, access: Exclude<Access, 'public'>): Promise<void> => {
    if (access === 'device') {
      const device = await identifyDevice(req);
      if (device instanceof AppError) throw device;
      req.device = device;
      return;
    }

    const found = readToken(req);
    if (!found) throw new AppError(ErrorCode.Unauthenticated, 'Log in first: no session cookie or bearer token');
    const session = await auth.authenticate(found.token);
    if (!session) throw new AppError(ErrorCode.Unauthenticated, 'Session expired or unknown; log in again');

    if (found.via === 'cookie' && !SAFE_METHODS.has(req.method) && !auth.csrfMatches(session, req.headers[CSRF_HEADER])) {
      throw new AppError(ErrorCode.CsrfTokenInvalid, `Missing or wrong ${CSRF_HEADER} header for a cookie-authenticated change`);
    }
    req.auth = { ...session, ...found };
    req.rights = rights.forRequest({ userId: session.user.id, superuser: session.superuser, generalRights: session.generalRights });
    if (typeof access === 'object') req.rights.general(access.general);
  };

  // Callback-style hooks (here and in app-http.ts): a public request passes without a promise
  // and a microtask per hook (the six async hooks cost ≈ a quarter of a hello-world request).
  app.addHook('onRequest', (req, _reply, done) => {
    const access = req.routeOptions.config.access;
    // Unmatched URLs (404 handler) carry no access rule and are answered by the not-found handler.
    if (!access) return done(req.is404 ? undefined : new AppError(ErrorCode.Forbidden, 'Access rule missing'));
    if (access === 'public') return done();
    authorize(req, access).then(() => done(), done);
  });

  // Fail closed: an administrator's request that was answered without any access decision
  // (a route that forgot to ask) is refused instead, and logged as the bug it is.
  app.addHook('onSend', (req, reply, payload, done) => {
    const rules = req.routeOptions.config;
    if (req.rights) {
      observe?.({ method: req.method, url: req.routeOptions.url ?? req.url, status: reply.statusCode, decision: req.rights.decision });
    }
    if (!req.rights || reply.statusCode >= 400) return done(null, payload);
    if (req.rights.decision === null) {
      req.log.error({ route: req.routeOptions.url, method: req.method }, 'route answered without an access decision; refused');
      reply.code(403).type('application/json; charset=utf-8');
      const body: ErrorBody = { error: { code: ErrorCode.Forbidden, message: 'Access was not decided for this request' } };
      return done(null, JSON.stringify(body));
    }
    // Committed by now: the tree's rights are re-read before the next request is answered.
    if (rules.changesTree) rights.treeChanged(rules.changesTree);
    done(null, payload);
  });
  return routes;
}
