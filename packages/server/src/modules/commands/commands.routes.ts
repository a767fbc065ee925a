import { AppError, notFound } from '../../lib/errors.js';
import {
  Command,
  ErrorCode,
  CommandPage,
  ErrorResponse,
  IdParams,
  ListCommandsQuery,
  COMMAND_RIGHT,
  SendCommandRequest,
  SendCommandResponse,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { auditContext } from '../audit/audit-context.js';
import { rightsOf } from '../access/request-rights.js';
import type { CommandsService } from './commands.service.js';
import { IdempotencyHeaders, type IdempotencyService } from '../idempotency/idempotency.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['commands'];

export function commandRoutes(app: App, commands: CommandsService, idempotency: IdempotencyService): void {
  app.post('/api/v1/devices/commands', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: "Send a command to devices or to every device of a folder; devices without the command's right are answered in `refused`",
      headers: IdempotencyHeaders,
      body: SendCommandRequest,
      response: { 201: SendCommandResponse, ...errors },
    },
    handler: async (req, reply) => {
      const rights = rightsOf(req);
      const right = COMMAND_RIGHT[req.body.command];
      // Decided before the idempotency check: a replayed answer is given only to whom the rights allow it now.
      const { folderId, deviceIds } = req.body;
      if (folderId !== undefined) await rights.require({ type: 'device-folder', id: folderId }, 'browse', 'body.folderId');
      const sorted = deviceIds && folderId === undefined ? await rights.partition('device', deviceIds, right) : null;
      await idempotency.handle(req, reply, 201, (record) =>
        commands.sendCommand(
          req.body,
          req.auth?.user.username ?? null,
          record,
          async (ids) => sorted ?? rights.partition('device', ids, right),
          auditContext(req),
        ),
      );
    },
  });
  app.get('/api/v1/commands/:id', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'One command and its state (needs read on its device)',
      params: IdParams,
      response: { 200: Command, ...errors },
    },
    handler: async (req) => {
      const command = await commands.getCommand(req.params.id);
      try {
        await rightsOf(req).require({ type: 'device', id: command.deviceId }, 'read');
      } catch (err) {
        // A command of a device you may not see does not exist for you.
        if (err instanceof AppError && err.code === ErrorCode.DeviceNotFound)
          throw notFound(ErrorCode.CommandNotFound, 'Command', req.params.id);
        throw err;
      }
      return command;
    },
  });
  app.get('/api/v1/devices/:id/commands', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: "A device's command history, newest first (needs read)",
      params: IdParams,
      querystring: ListCommandsQuery,
      response: { 200: CommandPage, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require({ type: 'device', id: req.params.id }, 'read');
      return commands.listDeviceCommands(req.params.id, req.query);
    },
  });
}
