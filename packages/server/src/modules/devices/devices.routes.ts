import { Type } from 'typebox';
import { AppError } from '../../lib/errors.js';
import {
  CreateDeviceRequest,
  Device,
  DevicePage,
  DeviceSummary,
  DeviceSystemInfoResponse,
  ErrorCode,
  ErrorResponse,
  IdParams,
  ListDevicesQuery,
  MoveDevicesRequest,
  UpdateDeviceRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';
import type { DevicesService } from './devices.service.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { ProfilesService } from '../profiles/profiles.service.js';
import { deviceBulkRoutes } from './devices-bulk.routes.js';
import { auditContext } from '../audit/audit-context.js';
import { IdempotencyHeaders, type IdempotencyService } from '../idempotency/idempotency.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
/** As documented before the route moved here from the commands module. */
const systemInfoErrors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['devices'];

export function deviceRoutes(
  app: App,
  devices: DevicesService,
  idempotency: IdempotencyService,
  bulk: { commands: Pick<CommandsService, 'sendCommand'>; profiles: Pick<ProfilesService, 'sortByVersion' | 'assign'> },
): void {
  deviceBulkRoutes(app, devices, bulk.commands, bulk.profiles);
  app.get('/api/v1/devices', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'List the devices you may browse, a page at a time (keyset cursor)',
      querystring: ListDevicesQuery,
      response: { 200: DevicePage, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const { folderId } = req.query;
      if (typeof folderId === 'number') await rights.require({ type: 'device-folder', id: folderId }, 'browse', 'query.folderId');
      const folder = folderId === undefined ? undefined : folderId === 'root' ? null : folderId;
      return devices.listDevices(req.query, await rights.objectsIn('device', folder, req.query.recursive ?? false));
    },
  });

  app.post('/api/v1/devices', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'Create an inventory record for a device',
      headers: IdempotencyHeaders,
      body: CreateDeviceRequest,
      response: { 201: Device, ...errors },
    },
    handler: async (req, reply) => {
      await rightsOf(req).requireDestination('device', req.body.folderId ?? null, 'write', 'body.folderId');
      await idempotency.handle(req, reply, 201, (record) => devices.createDevice(req.body, auditContext(req), record));
    },
  });

  app.post('/api/v1/devices/move', {
    config: { access: 'authenticated', changesTree: 'device' },
    schema: {
      tags,
      summary: 'Move devices to a folder (all or nothing; needs move on each and write on the folder)',
      headers: IdempotencyHeaders,
      body: MoveDevicesRequest,
      response: { 200: Type.Object({ moved: Type.Integer() }), ...errors },
    },
    handler: async (req, reply) => {
      const rights = rightsOf(req);
      const { unknown, refused } = await rights.partition('device', req.body.deviceIds, 'move');
      if (unknown.length) {
        throw new AppError(ErrorCode.DeviceNotFound, `Devices do not exist: ${unknown.slice(0, 20).join(', ')}; nothing was moved`, {
          field: 'body.deviceIds',
          missing: unknown,
        });
      }
      if (refused.length) {
        throw new AppError(
          ErrorCode.Forbidden,
          `The move right is required on devices ${refused.slice(0, 20).join(', ')}; nothing was moved`,
          {
            field: 'body.deviceIds',
            refused,
          },
        );
      }
      await rights.requireDestination('device', req.body.folderId, 'write', 'body.folderId');
      await idempotency.handle(req, reply, 200, (record) =>
        devices.moveDevices(req.body.deviceIds, req.body.folderId, auditContext(req), record),
      );
    },
  });

  app.get('/api/v1/devices/summary', {
    config: { access: 'authenticated' },
    schema: { tags, summary: 'How many devices you may browse and how many are online', response: { 200: DeviceSummary, ...errors } },
    handler: async (req) => devices.summarizeDevices((await rightsOf(req).scope('device')).objects),
  });

  app.get('/api/v1/devices/:id', {
    config: { access: 'authenticated' },
    schema: { tags, summary: 'One device (needs read)', params: IdParams, response: { 200: Device, ...errors } },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'read');
      return devices.getDevice(req.params.id);
    },
  });

  app.patch('/api/v1/devices/:id', {
    config: { access: 'authenticated', changesTree: 'device' },
    schema: {
      tags,
      summary: 'Rename or edit inventory fields (needs write); move (needs move, and write on the folder)',
      params: IdParams,
      body: UpdateDeviceRequest,
      response: { 200: Device, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const ref = { type: 'device', id: req.params.id } as const;
      const { folderId, ...fields } = req.body;
      if (Object.keys(fields).length || folderId === undefined) await rights.require(ref, 'write');
      if (folderId !== undefined) {
        await rights.require(ref, 'move');
        await rights.requireDestination('device', folderId, 'write', 'body.folderId');
      }
      return devices.updateDevice(req.params.id, req.body, auditContext(req));
    },
  });

  app.delete('/api/v1/devices/:id', {
    config: { access: 'authenticated', changesTree: 'device' },
    schema: { tags, summary: 'Delete a device (needs write)', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'write');
      await devices.deleteDevice(req.params.id, auditContext(req));
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/devices/:id/system-info', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['devices'],
      summary: 'The system information the device last reported',
      params: IdParams,
      response: { 200: DeviceSystemInfoResponse, ...systemInfoErrors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'read');
      return devices.getSystemInfo(req.params.id);
    },
  });
}
