import { Type } from 'typebox';
import {
  CreateDeviceRequest,
  Device,
  DevicePage,
  ErrorResponse,
  IdParams,
  ListDevicesQuery,
  MoveDevicesRequest,
  Permission,
  UpdateDeviceRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { DevicesService } from './devices.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['devices'];

export function deviceRoutes(app: App, devices: DevicesService): void {
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
    schema: { tags, summary: 'Create an inventory record for a device', body: CreateDeviceRequest, response: { 201: Device, ...errors } },
    handler: async (req, reply) => reply.code(201).send(await devices.createDevice(req.body)),
  });

  app.post('/api/v1/devices/move', {
    config: { access: Permission.DevicesWrite },
    schema: {
      tags,
      summary: 'Move devices to a folder (all or nothing)',
      body: MoveDevicesRequest,
      response: { 200: Type.Object({ moved: Type.Integer() }), ...errors },
    },
    handler: (req) => devices.moveDevices(req.body.deviceIds, req.body.folderId),
  });

  app.get('/api/v1/devices/:id', {
    config: { access: Permission.DevicesRead },
    schema: { tags, summary: 'One device', params: IdParams, response: { 200: Device, ...errors } },
    handler: (req) => devices.getDevice(req.params.id),
  });

  app.patch('/api/v1/devices/:id', {
    config: { access: Permission.DevicesWrite },
    schema: { tags, summary: 'Rename, move or edit inventory fields', params: IdParams, body: UpdateDeviceRequest, response: { 200: Device, ...errors } },
    handler: (req) => devices.updateDevice(req.params.id, req.body),
  });

  app.delete('/api/v1/devices/:id', {
    config: { access: Permission.DevicesWrite },
    schema: { tags, summary: 'Delete a device', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await devices.deleteDevice(req.params.id);
      return reply.code(204).send(null);
    },
  });
}
