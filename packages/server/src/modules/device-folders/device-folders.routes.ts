import { Type } from 'typebox';
import {
  CreateFolderRequest,
  DeviceFolder,
  ErrorResponse,
  FolderPage,
  IdParams,
  ListFoldersQuery,
  UpdateFolderRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { DeviceFoldersService } from './device-folders.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['device folders'];

export function deviceFolderRoutes(app: App, folders: DeviceFoldersService): void {
  app.get('/api/v1/device-folders', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'List the folders you may browse (children of one folder, or all)',
      querystring: ListFoldersQuery,
      response: { 200: FolderPage, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const { parentId } = req.query;
      if (typeof parentId === 'number') await rights.require({ type: 'device-folder', id: parentId }, 'browse', 'query.parentId');
      return folders.listFolders(req.query, await rights.scope('device'));
    },
  });

  app.post('/api/v1/device-folders', {
    config: { access: 'authenticated', changesTree: 'device' },
    schema: {
      tags,
      summary: 'Create a folder (needs write on the parent)',
      body: CreateFolderRequest,
      response: { 201: DeviceFolder, ...errors },
    },
    handler: async (req, reply) => {
      await rightsOf(req).requireDestination('device', req.body.parentId ?? null, 'write', 'body.parentId');
      return reply.code(201).send(await folders.createFolder(auditContext(req), req.body));
    },
  });

  app.get('/api/v1/device-folders/:id', {
    config: { access: 'authenticated' },
    schema: { tags, summary: 'One folder (needs browse)', params: IdParams, response: { 200: DeviceFolder, ...errors } },
    handler: async (req) => {
      const rights = rightsOf(req);
      await rights.require({ type: 'device-folder', id: req.params.id }, 'browse');
      return folders.getFolder(req.params.id, await rights.scope('device'));
    },
  });

  app.patch('/api/v1/device-folders/:id', {
    config: { access: 'authenticated', changesTree: 'device' },
    schema: {
      tags,
      summary: 'Rename (needs write) and/or move a folder (needs move, and write on the new parent)',
      params: IdParams,
      body: UpdateFolderRequest,
      response: { 200: DeviceFolder, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const ref = { type: 'device-folder', id: req.params.id } as const;
      if (req.body.name !== undefined) await rights.require(ref, 'write');
      if (req.body.parentId !== undefined) {
        await rights.require(ref, 'move');
        await rights.requireDestination('device', req.body.parentId, 'write', 'body.parentId');
      }
      // An empty change still names the folder it was asked about.
      if (req.body.name === undefined && req.body.parentId === undefined) await rights.require(ref, 'write');
      return folders.updateFolder(auditContext(req), req.params.id, req.body);
    },
  });

  app.delete('/api/v1/device-folders/:id', {
    config: { access: 'authenticated', changesTree: 'device' },
    schema: { tags, summary: 'Delete an empty folder (needs write on it)', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await rightsOf(req).require({ type: 'device-folder', id: req.params.id }, 'write');
      await folders.deleteFolder(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
}
