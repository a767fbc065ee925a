import { CheckStatusResponse } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { PRODUCT_NAME, VERSION } from '../../lib/version.js';
import type { HealthService } from './health.service.js';
import type { Metrics } from '../../lib/metrics.js';

export function monitoringRoutes(app: App, health: HealthService, metrics: Metrics): void {
  app.get('/ums/check-status', {
    config: { access: 'public' },
    schema: { tags: ['monitoring'], summary: 'Server status for monitoring systems', response: { 200: CheckStatusResponse } },
    handler: async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return health.report();
    },
  });

  app.get('/info', {
    config: { access: 'public' },
    schema: { tags: ['monitoring'], summary: 'Product name and version (text)' },
    handler: async (_req, reply) => reply.type('text/plain; charset=utf-8').send(`${PRODUCT_NAME} ${VERSION}\n`),
  });

  // Public like /ums/check-status: scrapers rarely log in. Holds no device data.
  app.get('/metrics', {
    config: { access: 'public' },
    schema: { tags: ['monitoring'], summary: 'Prometheus metrics', hide: true },
    handler: async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  });
}
