import { Type } from 'typebox';
import {
  CreateDeviceAttributeRequest,
  DeviceAttribute,
  DeviceAttributeList,
  DeviceAttributeValues,
  ErrorResponse,
  GeneralRight,
  IdParams,
  PutDeviceAttributeValuesRequest,
  UpdateDeviceAttributeRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { DeviceChannels, PeerChannels } from '../../channel/device-channel.js';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import { DeviceAttributesRepository } from './device-attributes.repository.js';
import { DeviceAttributesService } from './device-attributes.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['device-attributes'];
/** Definitions change with the general right globalSettings; every administrator reads them. */
const change = { access: { general: GeneralRight.GlobalSettings } } as const;
const read = { access: 'authenticated' } as const;

/** The device attributes module: its service (for the device channel) and its routes. */
export function deviceAttributesModule(
  db: Db,
  channels: DeviceChannels,
  peers: PeerChannels,
  clock: Clock,
  audit: AuditLog,
  log: Logger | null,
) {
  const service = new DeviceAttributesService(new DeviceAttributesRepository(db), channels, peers, clock, audit, log);
  return {
    service,
    registerRoutes: (app: App) => {
      deviceAttributeRoutes(app, service);
    },
  };
}

export function deviceAttributeRoutes(app: App, attributes: DeviceAttributesService): void {
  app.addHook('onClose', () => attributes.stop());
  app.get('/api/v1/device-attributes', {
    config: read,
    schema: { tags, summary: 'Device attribute definitions', response: { 200: DeviceAttributeList, ...errors } },
    handler: (req) => {
      rightsOf(req).anyAdministrator('attribute definitions');
      return attributes.listDefinitions();
    },
  });
  app.post('/api/v1/device-attributes', {
    config: change,
    schema: {
      tags,
      summary: 'Define a device attribute',
      body: CreateDeviceAttributeRequest,
      response: { 201: DeviceAttribute, ...errors },
    },
    handler: async (req, reply) => reply.code(201).send(await attributes.createDefinition(auditContext(req), req.body)),
  });
  app.get('/api/v1/device-attributes/:id', {
    config: read,
    schema: { tags, summary: 'One device attribute definition', params: IdParams, response: { 200: DeviceAttribute, ...errors } },
    handler: (req) => {
      rightsOf(req).anyAdministrator('attribute definitions');
      return attributes.getDefinition(req.params.id);
    },
  });
  app.patch('/api/v1/device-attributes/:id', {
    config: change,
    schema: {
      tags,
      summary: 'Rename, change the range list (values outside it are deleted) or the overwrite rule',
      params: IdParams,
      body: UpdateDeviceAttributeRequest,
      response: { 200: DeviceAttribute, ...errors },
    },
    handler: (req) => attributes.updateDefinition(auditContext(req), req.params.id, req.body),
  });
  app.delete('/api/v1/device-attributes/:id', {
    config: change,
    schema: { tags, summary: 'Delete a definition and every value of it', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await attributes.deleteDefinition(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/devices/:id/attributes', {
    config: read,
    schema: {
      tags: ['devices'],
      summary: "The device's attribute values (needs read)",
      params: IdParams,
      response: { 200: DeviceAttributeValues, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'read');
      return attributes.getDeviceValues(req.params.id);
    },
  });
  app.put('/api/v1/devices/:id/attributes', {
    config: read,
    schema: {
      tags: ['devices'],
      summary: 'Set (or with null reset) attribute values of the device (needs editSystemInformation); all or nothing',
      params: IdParams,
      body: PutDeviceAttributeValuesRequest,
      response: { 200: DeviceAttributeValues, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'editSystemInformation');
      return attributes.putDeviceValues(auditContext(req), req.params.id, req.body.values);
    },
  });
}
