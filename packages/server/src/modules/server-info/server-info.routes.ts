import { Type } from 'typebox';
import { ErrorCode, type ErrorBody } from '@openums/protocol';
import { rightsOf } from '../access/request-rights.js';
import type { App } from '../../lib/fastify.js';
import { fingerprint } from '../../tls/pki.js';
import { VERSION } from '../../lib/version.js';

export interface ServerIdentity {
  serverId: string;
  installationId: string;
  dialect: string;
  webCaPem: string | null;
}

export function serverInfoRoutes(app: App, identity: ServerIdentity): void {
  // Public on purpose: a browser or agent fetches it to trust or pin the server before it can log in.
  app.get('/ca.crt', {
    config: { access: 'public' },
    schema: { tags: ['server'], summary: 'The web CA certificate (PEM) to trust or pin' },
    handler: async (_req, reply) => {
      if (!identity.webCaPem)
        return reply.code(404).send({ error: { code: ErrorCode.RouteNotFound, message: 'This server has no web CA' } } satisfies ErrorBody);
      return reply
        .type('application/x-pem-file')
        .header('content-disposition', 'attachment; filename="openums-web-ca.crt"')
        .header('x-certificate-fingerprint', fingerprint(identity.webCaPem))
        .send(identity.webCaPem);
    },
  });

  app.get('/api/v1/server', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['server'],
      summary: 'Identity of this server process and installation',
      response: {
        200: Type.Object({
          serverId: Type.String(),
          installationId: Type.String(),
          version: Type.String(),
          database: Type.String(),
          webCaFingerprint: Type.Union([Type.String(), Type.Null()]),
        }),
      },
    },
    handler: async (req) => {
      rightsOf(req).anyAdministrator('server identity');
      return {
        serverId: identity.serverId,
        installationId: identity.installationId,
        version: VERSION,
        database: identity.dialect,
        webCaFingerprint: identity.webCaPem ? fingerprint(identity.webCaPem) : null,
      };
    },
  });
}
