import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  Admin,
  AdminPage,
  ApiTokenList,
  ChangePasswordRequest,
  CreateAdminRequest,
  CreateApiTokenRequest,
  ErrorCode,
  CreatedApiToken,
  ErrorResponse,
  GeneralRight,
  IdParams,
  ListAdminsQuery,
  OkResponse,
  PasswordPolicy,
  ResetPasswordRequest,
  TokenParams,
  UpdateAdminRequest,
} from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';
import type { Actor, AdminsService } from './admins.service.js';
import type { PasswordPolicyService } from './password-policy.js';
import { auditContext } from '../audit/audit-context.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['admins'];
const access = { access: { general: GeneralRight.AccountsAndAccess } } as const;
/** Routes that are also open to the account itself (its own tokens). */
const ownOrManager = { access: 'authenticated' } as const;
const actor = (req: FastifyRequest): Actor => ({ userId: req.auth!.user.id, sessionId: req.auth!.sessionId });

/** Your own account, or any with the Accounts and access right. */
function requireOwnOrManager(req: FastifyRequest, adminId: number): void {
  const rights = rightsOf(req);
  if (adminId === req.auth!.user.id) rights.anyAdministrator('own account');
  else rights.general(GeneralRight.AccountsAndAccess);
}

/**
 * No escalation: only a superuser makes superusers, changes a superuser's account, or hands
 * out general rights; a manager may grant only the general rights it holds itself.
 */
export function refuseEscalation(
  req: FastifyRequest,
  change: { superuser?: boolean; generalRights?: readonly string[] },
  target?: Admin,
): void {
  const rights = rightsOf(req);
  if (rights.superuser) return;
  if (change.superuser || target?.superuser) {
    throw new AppError(ErrorCode.Forbidden, 'Only a superuser may create or change a superuser', { field: 'body.superuser' });
  }
  const beyond = (change.generalRights ?? []).filter((r) => !rights.hasGeneral(r as GeneralRight));
  if (beyond.length) {
    throw new AppError(ErrorCode.Forbidden, `You may grant only general rights you hold yourself; not ${beyond.join(', ')}`, {
      field: 'body.generalRights',
    });
  }
}

export function adminRoutes(app: App, admins: AdminsService, policy: PasswordPolicyService): void {
  app.get('/api/v1/admins', {
    config: access,
    schema: { tags, summary: 'List administrators by id', querystring: ListAdminsQuery, response: { 200: AdminPage, ...errors } },
    handler: (req) => admins.listAdmins(req.query),
  });
  app.post('/api/v1/admins', {
    config: access,
    schema: { tags, summary: 'Create a local administrator', body: CreateAdminRequest, response: { 201: Admin, ...errors } },
    handler: async (req, reply) => {
      refuseEscalation(req, req.body);
      return reply.code(201).send(await admins.createAdmin(auditContext(req), req.body));
    },
  });
  app.get('/api/v1/admins/:id', {
    config: access,
    schema: { tags, summary: 'One administrator', params: IdParams, response: { 200: Admin, ...errors } },
    handler: (req) => admins.getAdmin(req.params.id),
  });
  app.patch('/api/v1/admins/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Rename, make or unmake superuser, disable or enable, set general rights',
      params: IdParams,
      body: UpdateAdminRequest,
      response: { 200: Admin, ...errors },
    },
    handler: async (req) => {
      refuseEscalation(req, req.body, await admins.getAdmin(req.params.id));
      return admins.updateAdmin(actor(req), auditContext(req), req.params.id, req.body);
    },
  });
  app.delete('/api/v1/admins/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Delete an administrator (not the last superuser)',
      params: IdParams,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      refuseEscalation(req, {}, await admins.getAdmin(req.params.id));
      await admins.deleteAdmin(actor(req), auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post('/api/v1/admins/:id/password', {
    config: access,
    schema: {
      tags,
      summary: "Set an administrator's password (reset); their sessions end",
      params: IdParams,
      body: ResetPasswordRequest,
      response: { 200: OkResponse, ...errors },
    },
    handler: async (req) => {
      refuseEscalation(req, {}, await admins.getAdmin(req.params.id));
      await admins.resetPassword(actor(req), auditContext(req), req.params.id, req.body.password);
      return { ok: true as const };
    },
  });
  app.post('/api/v1/auth/password', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['auth'],
      summary: 'Change your own password (needs the current one); your other sessions end',
      body: ChangePasswordRequest,
      response: { 200: OkResponse, ...errors, 429: ErrorResponse },
    },
    handler: async (req) => {
      rightsOf(req).anyAdministrator('own password');
      await admins.changeOwnPassword(actor(req), auditContext(req), req.body.oldPassword, req.body.newPassword);
      return { ok: true as const };
    },
  });

  app.get('/api/v1/admins/:id/tokens', {
    config: ownOrManager,
    schema: {
      tags,
      summary: "An administrator's API tokens (never the secrets)",
      params: IdParams,
      response: { 200: ApiTokenList, ...errors },
    },
    handler: (req) => {
      requireOwnOrManager(req, req.params.id);
      return admins.listTokens(req.params.id);
    },
  });
  app.post('/api/v1/admins/:id/tokens', {
    config: ownOrManager,
    schema: {
      tags,
      summary: 'Create an API token for automation (the token is returned only here)',
      params: IdParams,
      body: CreateApiTokenRequest,
      response: { 201: CreatedApiToken, ...errors },
    },
    handler: async (req, reply) => {
      requireOwnOrManager(req, req.params.id);
      return reply.code(201).send(await admins.createToken(auditContext(req), req.params.id, req.body));
    },
  });
  app.delete('/api/v1/admins/:id/tokens/:tokenId', {
    config: ownOrManager,
    schema: { tags, summary: 'Revoke an API token', params: TokenParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      requireOwnOrManager(req, req.params.id);
      await admins.revokeToken(auditContext(req), req.params.id, req.params.tokenId);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/settings/password-policy', {
    config: ownOrManager,
    schema: { tags, summary: 'Password policy (minimum length, reuse)', response: { 200: PasswordPolicy, ...errors } },
    handler: (req) => {
      // Everyone who changes their own password needs to know the rules.
      rightsOf(req).anyAdministrator('password rules');
      return policy.getPolicy();
    },
  });
  app.put('/api/v1/settings/password-policy', {
    config: access,
    schema: { tags, summary: 'Change the password policy', body: PasswordPolicy, response: { 200: PasswordPolicy, ...errors } },
    handler: (req) => policy.setPolicy(auditContext(req), req.body),
  });
}
