import { Type } from 'typebox';
import {
  CreateViewFolderRequest,
  CreateViewRequest,
  Cursor,
  ErrorResponse,
  EvaluateViewResponse,
  IdParams,
  ListDevicesQuery,
  ListViewsQuery,
  PageLimit,
  UpdateViewFolderRequest,
  UpdateViewRequest,
  View,
  ViewFolder,
  ViewFolderPage,
  ViewPage,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { auditContext } from '../audit/audit-context.js';
import { rightsOf } from '../access/request-rights.js';
import type { SavedViewsService } from './saved-views.service.js';
import type { ViewsService } from './views.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const tags = ['views'];
const config = { access: 'authenticated' } as const;
const viewRef = (id: number) => ({ type: 'view', id }) as const;
const folderRef = (id: number) => ({ type: 'view-folder', id }) as const;
const PageQuery = Type.Object({ limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) }, { additionalProperties: false });

/** Saved views and view folders (issue 12 item 1); rights as docs/views.md "Rights" lists them. */
export function savedViewRoutes(app: App, saved: SavedViewsService, views: ViewsService): void {
  app.get('/api/v1/view-folders', {
    config,
    schema: {
      tags,
      summary: 'View folders you may browse (flat, by id; parentId builds the tree)',
      querystring: PageQuery,
      response: { 200: ViewFolderPage, ...errors },
    },
    handler: async (req) => saved.listFolders(req.query, (await rightsOf(req).scope('view')).folders),
  });
  app.post('/api/v1/view-folders', {
    config: { ...config, changesTree: 'view' },
    schema: {
      tags,
      summary: 'Create a view folder (needs write on the parent)',
      body: CreateViewFolderRequest,
      response: { 201: ViewFolder, ...errors },
    },
    handler: async (req, reply) => {
      await rightsOf(req).requireDestination('view', req.body.parentId ?? null, 'write', 'body.parentId');
      return reply.code(201).send(await saved.createFolder(auditContext(req), req.body));
    },
  });
  app.patch('/api/v1/view-folders/:id', {
    config: { ...config, changesTree: 'view' },
    schema: {
      tags,
      summary: 'Rename (needs write) or move (needs move, and write on the new parent) a view folder',
      params: IdParams,
      body: UpdateViewFolderRequest,
      response: { 200: ViewFolder, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      if (req.body.name !== undefined || req.body.parentId === undefined) await rights.require(folderRef(req.params.id), 'write');
      if (req.body.parentId !== undefined) {
        await rights.require(folderRef(req.params.id), 'move');
        await rights.requireDestination('view', req.body.parentId, 'write', 'body.parentId');
      }
      return saved.updateFolder(auditContext(req), req.params.id, req.body);
    },
  });
  app.delete('/api/v1/view-folders/:id', {
    config: { ...config, changesTree: 'view' },
    schema: { tags, summary: 'Delete an empty view folder (needs write)', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await rightsOf(req).require(folderRef(req.params.id), 'write');
      await saved.deleteFolder(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/views', {
    config,
    schema: {
      tags,
      summary: 'Saved views you may browse, by id; folderId narrows to one folder',
      querystring: ListViewsQuery,
      response: { 200: ViewPage, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const { folderId } = req.query;
      if (typeof folderId === 'number') await rights.require(folderRef(folderId), 'browse', 'query.folderId');
      const folder = folderId === undefined ? undefined : folderId === 'root' ? null : folderId;
      return saved.listViews(req.query, await rights.objectsIn('view', folder, false));
    },
  });
  app.post('/api/v1/views', {
    config,
    schema: {
      tags,
      summary: 'Save criteria as a view (needs write on the folder; criteria checked as evaluate checks them)',
      body: CreateViewRequest,
      response: { 201: View, ...errors },
    },
    handler: async (req, reply) => {
      await rightsOf(req).requireDestination('view', req.body.folderId ?? null, 'write', 'body.folderId');
      return reply.code(201).send(await saved.createView(auditContext(req), req.body));
    },
  });
  app.get('/api/v1/views/:id', {
    config,
    schema: { tags, summary: 'One saved view (needs read)', params: IdParams, response: { 200: View, ...errors } },
    handler: async (req) => {
      await rightsOf(req).require(viewRef(req.params.id), 'read');
      return saved.getView(req.params.id);
    },
  });
  app.patch('/api/v1/views/:id', {
    config: { ...config, changesTree: 'view' },
    schema: {
      tags,
      summary: 'Change a view (needs write) or move it (needs move, and write on the folder)',
      params: IdParams,
      body: UpdateViewRequest,
      response: { 200: View, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const { folderId, ...rest } = req.body;
      if (Object.keys(rest).length || folderId === undefined) await rights.require(viewRef(req.params.id), 'write');
      if (folderId !== undefined) {
        await rights.require(viewRef(req.params.id), 'move');
        await rights.requireDestination('view', folderId, 'write', 'body.folderId');
      }
      return saved.updateView(auditContext(req), req.params.id, req.body);
    },
  });
  app.delete('/api/v1/views/:id', {
    config: { ...config, changesTree: 'view' },
    schema: { tags, summary: 'Delete a saved view (needs write)', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await rightsOf(req).require(viewRef(req.params.id), 'write');
      await saved.deleteView(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.get('/api/v1/views/:id/devices', {
    config,
    schema: {
      tags,
      summary: "The devices you may browse that meet a saved view's criteria now (needs read on the view); the query of GET /devices",
      params: IdParams,
      querystring: ListDevicesQuery,
      response: { 200: EvaluateViewResponse, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      await rights.require(viewRef(req.params.id), 'read');
      const criteria = await saved.criteriaOf(req.params.id);
      // Only devices the administrator may browse are counted and listed (ADR 0006).
      return views.evaluate(criteria, req.query, (await rights.scope('device')).objects);
    },
  });
}
