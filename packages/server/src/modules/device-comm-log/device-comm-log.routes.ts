import {
  CommLogCleared,
  CommLogPage,
  CommLogSettings,
  CommLogSwitch,
  CommLogSwitchState,
  ErrorResponse,
  GeneralRight,
  IdParams,
  ListCommLogQuery,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { DeviceCommLogService } from './device-comm-log.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['device-comm-log'];
const device = { access: 'authenticated' } as const;
const settings = { access: { general: GeneralRight.LoggingAndAudit } } as const;

/**
 * The device communication log (docs/logging.md#device-communication-log). Reading a device's
 * log needs read on the device (it shows what the device reports, secrets masked); switching it
 * and clearing it need write, like the device's other settings. The retention is installation-wide:
 * loggingAndAudit.
 */
export function deviceCommLogRoutes(app: App, service: DeviceCommLogService): void {
  app.get('/api/v1/devices/:id/comm-log', {
    config: device,
    schema: {
      tags,
      summary: "The device's communication log switch and entries, newest first (needs read; keyset cursor)",
      params: IdParams,
      querystring: ListCommLogQuery,
      response: { 200: CommLogPage, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'read');
      return service.listEntries(req.params.id, req.query);
    },
  });

  app.put('/api/v1/devices/:id/comm-log', {
    config: device,
    schema: {
      tags,
      summary: "Switch the device's communication log on or off, with or without payloads (needs write)",
      params: IdParams,
      body: CommLogSwitch,
      response: { 200: CommLogSwitchState, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'write');
      return service.setSwitch(req.params.id, req.body, auditContext(req));
    },
  });

  app.delete('/api/v1/devices/:id/comm-log', {
    config: device,
    schema: {
      tags,
      summary: "Delete the device's communication log entries (needs write; the switch stays)",
      params: IdParams,
      response: { 200: CommLogCleared, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'write');
      return service.clearEntries(req.params.id, auditContext(req));
    },
  });

  app.get('/api/v1/settings/device-comm-log', {
    config: settings,
    schema: { tags, summary: 'Device communication log settings (retention in days)', response: { 200: CommLogSettings, ...errors } },
    handler: () => service.getSettings(),
  });

  app.put('/api/v1/settings/device-comm-log', {
    config: settings,
    schema: {
      tags,
      summary: 'Change the device communication log retention',
      body: CommLogSettings,
      response: { 200: CommLogSettings, ...errors },
    },
    handler: (req) => service.updateSettings(auditContext(req), req.body),
  });
}
