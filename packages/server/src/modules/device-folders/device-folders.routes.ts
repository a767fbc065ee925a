import { Type } from 'typebox';
import {
  CreateFolderRequest,
  DeviceFolder,
  ErrorResponse,
  FolderPage,
  IdParams,
  ListFoldersQuery,
  Permission,
  UpdateFolderRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { auditContext } from '../audit/audit-context.js';
import type { DeviceFoldersService } from './device-folders.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['device folders'];

export function deviceFolderRoutes(app: App, folders: DeviceFoldersService): void {
  app.get('/api/v1/device-folders', {
    config: { access: Permission.DevicesRead },
    schema: {
      tags,
      summary: 'List folders (children of one folder, or all)',
      querystring: ListFoldersQuery,
      response: { 200: FolderPage, ...errors },
    },
    handler: (req) => folders.listFolders(req.query),
  });

  app.post('/api/v1/device-folders', {
    config: { access: Permission.FoldersWrite },
    schema: { tags, summary: 'Create a folder', body: CreateFolderRequest, response: { 201: DeviceFolder, ...errors } },
    handler: async (req, reply) => reply.code(201).send(await folders.createFolder(auditContext(req), req.body)),
  });

  app.get('/api/v1/device-folders/:id', {
    config: { access: Permission.DevicesRead },
    schema: { tags, summary: 'One folder', params: IdParams, response: { 200: DeviceFolder, ...errors } },
    handler: (req) => folders.getFolder(req.params.id),
  });

  app.patch('/api/v1/device-folders/:id', {
    config: { access: Permission.FoldersWrite },
    schema: {
      tags,
      summary: 'Rename and/or move a folder',
      params: IdParams,
      body: UpdateFolderRequest,
      response: { 200: DeviceFolder, ...errors },
    },
    handler: (req) => folders.updateFolder(auditContext(req), req.params.id, req.body),
  });

  app.delete('/api/v1/device-folders/:id', {
    config: { access: Permission.FoldersWrite },
    schema: { tags, summary: 'Delete an empty folder', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await folders.deleteFolder(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
}
