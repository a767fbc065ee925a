import {
  AssignedObjectsResponse,
  DeviceSettingsResponse,
  EffectiveConfigurationResponse,
  ErrorResponse,
  IdParams,
  Permission,
  PutDeviceSettingsRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { auditContext } from '../audit/audit-context.js';
import type { DeviceConfigurationService } from './device-configuration.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
/** Listed with the profiles in the API documentation, as before the module had its own file. */
const tags = ['profiles'];
const write = { access: Permission.ProfilesWrite } as const;
const read = { access: Permission.DevicesRead } as const;

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
    handler: (req) => configuration.effectiveConfiguration(req.params.id),
  });
  app.get('/api/v1/devices/:id/assigned-objects', {
    config: read,
    schema: {
      tags,
      summary: 'Profiles that apply to a device, highest priority first',
      params: IdParams,
      response: { 200: AssignedObjectsResponse, ...errors },
    },
    handler: (req) => configuration.assignedObjects(req.params.id),
  });
  app.get('/api/v1/devices/:id/settings', {
    config: read,
    schema: {
      tags,
      summary: "The device's own configuration and its settings delivery state",
      params: IdParams,
      response: { 200: DeviceSettingsResponse, ...errors },
    },
    handler: (req) => configuration.getOwnConfiguration(req.params.id),
  });
  app.put('/api/v1/devices/:id/settings', {
    config: write,
    schema: {
      tags,
      summary: "Replace the device's own configuration (lowest precedence)",
      params: IdParams,
      body: PutDeviceSettingsRequest,
      response: { 200: DeviceSettingsResponse, ...errors },
    },
    handler: (req) => configuration.replaceOwnConfiguration(auditContext(req), req.params.id, req.body),
  });
}
