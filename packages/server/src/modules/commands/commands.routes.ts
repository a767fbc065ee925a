import {
  Command,
  CommandPage,
  ErrorResponse,
  IdParams,
  ListCommandsQuery,
  Permission,
  SendCommandRequest,
  SendCommandResponse,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { CommandsService } from './commands.service.js';
import { IdempotencyHeaders, type IdempotencyService } from '../idempotency/idempotency.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['commands'];

export function commandRoutes(app: App, commands: CommandsService, idempotency: IdempotencyService): void {
  app.post('/api/v1/devices/commands', {
    config: { access: Permission.CommandsSend },
    schema: {
      tags,
      summary: 'Send a command to devices or to every device of a folder',
      headers: IdempotencyHeaders,
      body: SendCommandRequest,
      response: { 201: SendCommandResponse, ...errors },
    },
    handler: async (req, reply) => {
      await idempotency.handle(req, reply, 201, (record) => commands.sendCommand(req.body, req.auth?.user.username ?? null, record));
    },
  });
  app.get('/api/v1/commands/:id', {
    config: { access: Permission.DevicesRead },
    schema: { tags, summary: 'One command and its state', params: IdParams, response: { 200: Command, ...errors } },
    handler: (req) => commands.getCommand(req.params.id),
  });
  app.get('/api/v1/devices/:id/commands', {
    config: { access: Permission.DevicesRead },
    schema: {
      tags,
      summary: "A device's command history, newest first",
      params: IdParams,
      querystring: ListCommandsQuery,
      response: { 200: CommandPage, ...errors },
    },
    handler: (req) => commands.listDeviceCommands(req.params.id, req.query),
  });
}
