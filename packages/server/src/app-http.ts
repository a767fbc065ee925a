import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { ErrorCode, type ErrorBody } from '@openums/protocol';
import { AppError } from './lib/errors.js';
import type { App } from './lib/fastify.js';
import type { Metrics } from './lib/metrics.js';
import { PRODUCT_NAME, VERSION } from './lib/version.js';

/** Part of buildApp: security headers, request metrics and the OpenAPI document (at /api/docs). */
export async function installHttpBasics(app: App, metrics: Metrics, https: boolean): Promise<void> {
  // Callback-style hooks: no promise and microtask per request and hook (see auth/access.ts).
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    if (https) reply.header('strict-transport-security', 'max-age=31536000');
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: `${PRODUCT_NAME} REST API`, version: VERSION },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'openums_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  await app.register(async (docs) => {
    // Routes of the documentation UI are public; marked here because the plugin cannot say it.
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), access: 'public' };
    });
    await docs.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  });
}

/** Routes that answer while the server is still starting. */
const AVAILABLE_DURING_INIT = new Set(['/ums/check-status', '/info', '/metrics']);

/** Until `markReady()`, only the monitoring routes answer; the rest get 503 with Retry-After. */
export function installStartupGate(app: App): { markReady(): void } {
  let ready = false;
  app.addHook('onRequest', (req, reply, done) => {
    if (!ready && !AVAILABLE_DURING_INIT.has(req.routeOptions.url ?? '')) {
      reply.header('retry-after', '5');
      return done(new AppError(ErrorCode.ServiceUnavailable, 'The server is starting; try again in a few seconds'));
    }
    done();
  });
  return { markReady: () => void (ready = true) };
}

/** Unknown routes answer in the API's error envelope. */
export function installNotFound(app: App): void {
  app.setNotFoundHandler({}, (req, reply) => {
    reply.code(404).send({ error: { code: ErrorCode.RouteNotFound, message: `No route ${req.method} ${req.url}` } } satisfies ErrorBody);
  });
}

/**
 * Shutdown: the device gateway drains before the server closes (its channels end cleanly), then
 * the services stop one after the other, in the order given (wake-ups and leases first, the bus
 * last, so nothing is announced to a bus that is gone).
 */
export function installShutdown(app: App, gateway: { shutdown(): Promise<void> }, services: ReadonlyArray<{ stop(): unknown }>): void {
  app.addHook('preClose', async () => {
    await gateway.shutdown();
  });
  app.addHook('onClose', async () => {
    for (const s of services) await s.stop();
  });
}
