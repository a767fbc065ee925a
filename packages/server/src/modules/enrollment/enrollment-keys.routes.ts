import { Type } from 'typebox';
import {
  CreateEnrollmentKeysRequest,
  CreateEnrollmentKeysResponse,
  EnrollmentKey,
  EnrollmentKeyPage,
  EnrollmentSettings,
  ErrorResponse,
  IdParams,
  ListEnrollmentKeysQuery,
  UpdateEnrollmentKeyRequest,
  GeneralRight,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { auditContext } from '../audit/audit-context.js';
import type { EnrollmentKeysService } from './enrollment-keys.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['enrollment'];
const access = { access: { general: GeneralRight.EnrollmentKeys } } as const;

export function enrollmentKeyRoutes(app: App, keys: EnrollmentKeysService): void {
  app.post('/api/v1/enrollment-keys', {
    config: access,
    schema: {
      tags,
      summary: 'Create one-time or mass-deployment keys (secrets are returned only here)',
      body: CreateEnrollmentKeysRequest,
      response: { 201: CreateEnrollmentKeysResponse, ...errors },
    },
    handler: async (req, reply) => reply.code(201).send(await keys.createKeys(auditContext(req), req.body)),
  });
  app.get('/api/v1/enrollment-keys', {
    config: access,
    schema: {
      tags,
      summary: 'List enrollment keys, newest first',
      querystring: ListEnrollmentKeysQuery,
      response: { 200: EnrollmentKeyPage, ...errors },
    },
    handler: (req) => keys.listKeys(req.query),
  });
  app.get('/api/v1/enrollment-keys/export.csv', {
    config: access,
    schema: { tags, summary: 'All keys as CSV (without secrets)' },
    handler: async (_req, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="enrollment-keys.csv"')
        .send(await keys.exportCsv()),
  });
  app.patch('/api/v1/enrollment-keys/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Disable or enable a key',
      params: IdParams,
      body: UpdateEnrollmentKeyRequest,
      response: { 200: EnrollmentKey, ...errors },
    },
    handler: (req) => keys.setDisabled(auditContext(req), req.params.id, req.body.disabled),
  });
  app.delete('/api/v1/enrollment-keys/:id', {
    config: access,
    schema: { tags, summary: 'Delete a key', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await keys.deleteKey(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.get('/api/v1/settings/enrollment', {
    config: access,
    schema: { tags, summary: 'Automatic registration settings', response: { 200: EnrollmentSettings, ...errors } },
    handler: () => keys.getSettings(),
  });
  app.put('/api/v1/settings/enrollment', {
    config: access,
    schema: {
      tags,
      summary: 'Turn automatic registration on or off',
      body: EnrollmentSettings,
      response: { 200: EnrollmentSettings, ...errors },
    },
    handler: (req) => keys.putSettings(auditContext(req), req.body),
  });
}
