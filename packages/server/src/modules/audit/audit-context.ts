import type { FastifyRequest } from 'fastify';

/** Who acted, as the audit log records it. */
export interface AuditActor {
  id: number;
  /** User name at the time of the request. */
  name: string;
  via: 'session' | 'token';
  tokenId: number | null;
}

/** Who made a change and from where; routes pass it to the service that records the change. */
export interface AuditContext {
  /** null: nobody logged in (a failed login) or work of the server itself. */
  actor: AuditActor | null;
  /** Client address of the request (after the trusted-proxy rules of the HTTP layer). */
  address: string | null;
}

/** Changes the server makes on its own (no request). */
export const SYSTEM_CONTEXT: AuditContext = { actor: null, address: null };

/** The actor and client address of an authenticated (or anonymous) request. */
export function auditContext(req: FastifyRequest): AuditContext {
  const a = req.auth;
  return {
    actor: a ? { id: a.user.id, name: a.user.username, via: a.tokenId === null ? 'session' : 'token', tokenId: a.tokenId } : null,
    address: req.ip || null,
  };
}
