import { Type } from 'typebox';
import {
  CreateDeviceRequest,
  Device,
  DevicePage,
  DeviceSummary,
  DeviceSystemInfoResponse,
  ErrorResponse,
  IdParams,
  ListDevicesQuery,
  MoveDevicesRequest,
  Permission,
  UpdateDeviceRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { DevicesService } from './devices.service.js';
import { auditContext } from '../audit/audit-context.js';
import { IdempotencyHeaders, type IdempotencyService } from '../idempotency/idempotency.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
/** As documented before the route moved here from the commands module. */
const systemInfoErrors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['devices'];

export function deviceRoutes(app: App, devices: DevicesService, idempotency: IdempotencyService): void {
  app.get('/api/v1/devices', {
    config: { access: Permission.DevicesRead },
    schema: {
      tags,
      summary: 'List devices, a page at a time (keyset cursor)',
      querystring: ListDevicesQuery,
      response: { 200: DevicePage, ...errors },
    },
    handler: (req) => devices.listDevices(req.query),
  });

  app.post('/api/v1/devices', {
    config: { access: Permission.DevicesWrite },
    schema: {
      tags,
      summary: 'Create an inventory record for a device',
      headers: IdempotencyHeaders,
      body: CreateDeviceRequest,
      response: { 201: Device, ...errors },
    },
    handler: async (req, reply) => {
      await idempotency.handle(req, reply, 201, (record) => devices.createDevice(req.body, auditContext(req), record));
    },
  });

  app.post('/api/v1/devices/move', {
    config: { access: Permission.DevicesWrite },
    schema: {
      tags,
      summary: 'Move devices to a folder (all or nothing)',
      headers: IdempotencyHeaders,
      body: MoveDevicesRequest,
      response: { 200: Type.Object({ moved: Type.Integer() }), ...errors },
    },
    handler: async (req, reply) => {
      await idempotency.handle(req, reply, 200, (record) =>
        devices.moveDevices(req.body.deviceIds, req.body.folderId, auditContext(req), record),
      );
    },
  });

  app.get('/api/v1/devices/summary', {
    config: { access: Permission.DevicesRead },
    schema: { tags, summary: 'How many devices there are and how many are online', response: { 200: DeviceSummary, ...errors } },
    handler: () => devices.summarizeDevices(),
  });

  app.get('/api/v1/devices/:id', {
    config: { access: Permission.DevicesRead },
    schema: { tags, summary: 'One device', params: IdParams, response: { 200: Device, ...errors } },
    handler: (req) => devices.getDevice(req.params.id),
  });

  app.patch('/api/v1/devices/:id', {
    config: { access: Permission.DevicesWrite },
    schema: {
      tags,
      summary: 'Rename, move or edit inventory fields',
      params: IdParams,
      body: UpdateDeviceRequest,
      response: { 200: Device, ...errors },
    },
    handler: (req) => devices.updateDevice(req.params.id, req.body, auditContext(req)),
  });

  app.delete('/api/v1/devices/:id', {
    config: { access: Permission.DevicesWrite },
    schema: { tags, summary: 'Delete a device', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await devices.deleteDevice(req.params.id, auditContext(req));
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/devices/:id/system-info', {
    config: { access: Permission.DevicesRead },
    schema: {
      tags: ['devices'],
      summary: 'The system information the device last reported',
      params: IdParams,
      response: { 200: DeviceSystemInfoResponse, ...systemInfoErrors },
    },
    handler: (req) => devices.getSystemInfo(req.params.id),
  });
}
