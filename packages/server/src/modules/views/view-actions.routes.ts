import {
  AssignViewProfilesRequest,
  AssignViewProfilesResponse,
  COMMAND_RIGHT,
  ErrorResponse,
  IdParams,
  MailViewRequest,
  MailViewResponse,
  SendCommandResponse,
  ViewCommandRequest,
  ViewExportQuery,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { auditContext } from '../audit/audit-context.js';
import { rightsOf } from '../access/request-rights.js';
import { IdempotencyHeaders, type IdempotencyService } from '../idempotency/idempotency.service.js';
import type { ViewActionsService } from './view-actions.service.js';
import { splitColumns } from './view-export.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const tags = ['views'];
const config = { access: 'authenticated' } as const;
const viewRef = (id: number) => ({ type: 'view', id }) as const;

/**
 * Export, mail and actions on a saved view (issue 12; docs/views.md "Export, mail and actions on
 * a view"): read on the view, and only devices the administrator may browse are reached; actions
 * decide per device (command right, assign) and answer refusals per device.
 */
export function viewActionRoutes(app: App, actions: ViewActionsService, idempotency: IdempotencyService): void {
  app.get('/api/v1/views/:id/export', {
    config,
    schema: {
      tags,
      summary: "Download the devices you may browse that meet a saved view's criteria as csv, json or xlsx (needs read on the view)",
      params: IdParams,
      querystring: ViewExportQuery,
    },
    handler: async (req, reply) => {
      const rights = rightsOf(req);
      await rights.require(viewRef(req.params.id), 'read');
      const format = req.query.format ?? 'csv';
      const visible = (await rights.scope('device')).objects;
      const ex = await actions.exportView(req.params.id, format, splitColumns(req.query.columns), 'query.columns', visible);
      return reply
        .type(ex.contentType)
        .header('content-disposition', `attachment; filename="${ex.fileName}"`)
        .header('cache-control', 'no-store')
        .send(ex.stream);
    },
  });
  app.post('/api/v1/views/:id/mail', {
    config,
    schema: {
      tags,
      summary:
        "Mail a saved view's export as an attachment (needs read on the view): VIEW_EXPORT_TOO_LARGE, MAIL_NOT_CONFIGURED, MAIL_CONNECTION_FAILED, …",
      params: IdParams,
      body: MailViewRequest,
      response: { 200: MailViewResponse, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      await rights.require(viewRef(req.params.id), 'read');
      return actions.mailView(auditContext(req), req.params.id, req.body, (await rights.scope('device')).objects);
    },
  });
  app.post('/api/v1/views/:id/commands', {
    config,
    schema: {
      tags,
      summary: "Send a command to a saved view's devices as they are now; devices without the command's right are answered in `refused`",
      params: IdParams,
      headers: IdempotencyHeaders,
      body: ViewCommandRequest,
      response: { 201: SendCommandResponse, ...errors },
    },
    handler: async (req, reply) => {
      const rights = rightsOf(req);
      await rights.require(viewRef(req.params.id), 'read');
      const right = COMMAND_RIGHT[req.body.command];
      const visible = (await rights.scope('device')).objects;
      // Decided before the idempotency check: a replayed answer is given only to whom the rights allow it now.
      await idempotency.handle(req, reply, 201, (record) =>
        actions.sendCommand(
          auditContext(req),
          req.params.id,
          req.body,
          req.auth?.user.username ?? null,
          (ids) => rights.partition('device', ids, right),
          visible,
          record,
        ),
      );
    },
  });
  app.post('/api/v1/views/:id/assign-profiles', {
    config,
    schema: {
      tags,
      summary: "Assign profiles to a saved view's devices as they are now: per device assigned, skipped (with the reason) or refused",
      params: IdParams,
      body: AssignViewProfilesRequest,
      response: { 200: AssignViewProfilesResponse, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      await rights.require(viewRef(req.params.id), 'read');
      for (const id of req.body.profileIds) await rights.require({ type: 'profile', id }, 'read', 'body.profileIds');
      return actions.assignProfiles(
        auditContext(req),
        req.params.id,
        req.body,
        (ids) => rights.partition('device', ids, 'assign'),
        (await rights.scope('device')).objects,
      );
    },
  });
}
