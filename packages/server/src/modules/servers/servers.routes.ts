import { Type } from 'typebox';
import { ServerListResponse, GeneralRight } from '@openums/protocol';
import { rightsOf } from '../access/request-rights.js';
import type { App } from '../../lib/fastify.js';
import type { ServersService } from './servers.service.js';
import { auditContext } from '../audit/audit-context.js';

export function serverRoutes(app: App, servers: ServersService): void {
  app.get('/api/v1/servers', {
    config: { access: 'authenticated' },
    schema: { tags: ['servers'], summary: 'Server processes of the cluster', response: { 200: ServerListResponse } },
    handler: async (req) => {
      // Every administrator sees the servers' state (the dashboard shows it); changes need Servers.
      rightsOf(req).anyAdministrator('server status');
      return { items: await servers.list() };
    },
  });

  app.delete('/api/v1/servers/:id', {
    config: { access: { general: GeneralRight.Servers } },
    schema: {
      tags: ['servers'],
      summary: 'Remove the entry of a dead server process',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
    },
    handler: async (req, reply) => {
      await servers.remove(req.params.id, auditContext(req));
      return reply.code(204).send();
    },
  });
}
