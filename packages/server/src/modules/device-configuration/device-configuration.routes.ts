import {
  AssignedObjectsResponse,
  DeviceSettingsResponse,
  EffectiveConfigurationResponse,
  ErrorResponse,
  IdParams,
  PutDeviceSettingsRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { DeviceConfigurationService } from './device-configuration.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
/** Listed with the profiles in the API documentation, as before the module had its own file. */
const tags = ['profiles'];
// Each handler decides on the device itself (ADR 0006).
const write = { access: 'authenticated' } as const;
const read = { access: 'authenticated' } as const;

/** One device's configuration: what applies, the effective values, its own configuration (`/settings` on the wire). */
export function deviceConfigurationRoutes(app: App, configuration: DeviceConfigurationService): void {
  app.get('/api/v1/devices/:id/effective-configuration', {
    config: read,
    schema: {
      tags,
      summary: 'Every effective parameter of a device, with the object that set it and those it overrode',
      params: IdParams,
      response: { 200: EffectiveConfigurationResponse, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'read');
      return configuration.effectiveConfiguration(req.params.id);
    },
  });
  app.get('/api/v1/devices/:id/assigned-objects', {
    config: read,
    schema: {
      tags,
      summary: 'Profiles that apply to a device, highest priority first',
      params: IdParams,
      response: { 200: AssignedObjectsResponse, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'read');
      return configuration.assignedObjects(req.params.id);
    },
  });
  app.get('/api/v1/devices/:id/settings', {
    config: read,
    schema: {
      tags,
      summary: "The device's own configuration and its settings delivery state",
      params: IdParams,
      response: { 200: DeviceSettingsResponse, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'read');
      return configuration.getOwnConfiguration(req.params.id);
    },
  });
  app.put('/api/v1/devices/:id/settings', {
    config: write,
    schema: {
      tags,
      summary: "Replace the device's own configuration (lowest precedence; needs editConfiguration)",
      params: IdParams,
      body: PutDeviceSettingsRequest,
      response: { 200: DeviceSettingsResponse, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'editConfiguration');
      return configuration.replaceOwnConfiguration(auditContext(req), req.params.id, req.body);
    },
  });
}
