import { Type } from 'typebox';
import {
  CreateLdapDomainRequest,
  ErrorResponse,
  IdParams,
  LdapDomain,
  LdapDomainList,
  LdapImportRequest,
  LdapImportResult,
  LdapSearchQuery,
  LdapSearchResult,
  LdapTestResult,
  UpdateLdapDomainRequest,
  GeneralRight,
} from '@openums/protocol';
import { auditContext } from '../audit/audit-context.js';
import type { App } from '../../lib/fastify.js';
import type { LdapDomainsService } from './ldap-domains.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const tags = ['ldap'];
/** The general right `ldap` gives this permission; superusers hold it. */
const access = { access: { general: GeneralRight.Ldap } } as const;

export function ldapDomainRoutes(app: App, domains: LdapDomainsService): void {
  app.get('/api/v1/ldap-domains', {
    config: access,
    schema: {
      tags,
      summary: 'LDAP / Active Directory domains (bind passwords are never returned)',
      response: { 200: LdapDomainList, ...errors },
    },
    handler: () => domains.listDomains(),
  });
  app.post('/api/v1/ldap-domains', {
    config: access,
    schema: { tags, summary: 'Add a domain', body: CreateLdapDomainRequest, response: { 201: LdapDomain, ...errors } },
    handler: async (req, reply) => reply.code(201).send(await domains.createDomain(auditContext(req), req.body)),
  });
  app.get('/api/v1/ldap-domains/:id', {
    config: access,
    schema: { tags, summary: 'One domain', params: IdParams, response: { 200: LdapDomain, ...errors } },
    handler: (req) => domains.getDomain(req.params.id),
  });
  app.patch('/api/v1/ldap-domains/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Change a domain (not its name); bindPassword null removes the password',
      params: IdParams,
      body: UpdateLdapDomainRequest,
      response: { 200: LdapDomain, ...errors },
    },
    handler: (req) => domains.updateDomain(auditContext(req), req.params.id, req.body),
  });
  app.delete('/api/v1/ldap-domains/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Remove a domain (imported accounts stay, but cannot log in)',
      params: IdParams,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      await domains.deleteDomain(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post('/api/v1/ldap-domains/:id/test', {
    config: access,
    schema: {
      tags,
      summary: 'Connect and bind with the domain settings: LDAP_CONNECTION_FAILED, LDAP_CERTIFICATE_INVALID, LDAP_BIND_FAILED',
      params: IdParams,
      response: { 200: LdapTestResult, ...errors },
    },
    handler: (req) => domains.testConnection(req.params.id),
  });
  app.get('/api/v1/ldap-domains/:id/search', {
    config: access,
    schema: {
      tags,
      summary: 'Users and groups of the directory whose names contain q',
      params: IdParams,
      querystring: LdapSearchQuery,
      response: { 200: LdapSearchResult, ...errors },
    },
    handler: (req) => domains.searchDirectory(req.params.id, req.query),
  });
  app.post('/api/v1/ldap-domains/:id/import', {
    config: access,
    schema: {
      tags,
      summary: 'Import directory users (as accounts) and groups (as groups linked to their DN)',
      params: IdParams,
      body: LdapImportRequest,
      response: { 200: LdapImportResult, ...errors },
    },
    handler: (req) => domains.importEntries(auditContext(req), req.params.id, req.body),
  });
}
