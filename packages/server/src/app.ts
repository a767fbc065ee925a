import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config/schema.js';
import type { DatabaseHandle } from './db/database.js';
import { installAccessControl } from './auth/access.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { systemClock, type Clock } from './lib/clock.js';
import { installErrorHandler } from './lib/error-handler.js';
import type { App } from './lib/fastify.js';
import type { Logger } from './lib/logger.js';
import { createValidatorCompiler } from './lib/validation.js';
import { PRODUCT_NAME, VERSION } from './lib/version.js';
import { AuthRepository } from './modules/auth/auth.repository.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { AuthService } from './modules/auth/auth.service.js';
import { DeviceFoldersRepository } from './modules/device-folders/device-folders.repository.js';
import { deviceFolderRoutes } from './modules/device-folders/device-folders.routes.js';
import { DeviceFoldersService } from './modules/device-folders/device-folders.service.js';
import { DevicesRepository } from './modules/devices/devices.repository.js';
import { deviceRoutes } from './modules/devices/devices.routes.js';
import { DevicesService } from './modules/devices/devices.service.js';
import { HealthService } from './modules/monitoring/health.service.js';
import { Metrics } from './modules/monitoring/metrics.js';
import { monitoringRoutes } from './modules/monitoring/monitoring.routes.js';
import { SettingsRepository } from './modules/server-info/settings.repository.js';
import { serverInfoRoutes, type ServerIdentity } from './modules/server-info/server-info.routes.js';
import { AppError } from './lib/errors.js';
import { ErrorCode } from '@openums/protocol';
import { webRoutes } from './modules/web/web.routes.js';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  serverId: string;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  /** TLS for the HTTPS port; absent in in-process tests that use `inject`. */
  https?: { key: string; cert: string; ca: string; minVersion: 'TLSv1.2' | 'TLSv1.3' };
  webCaPem?: string | null;
  /** Password for the first administrator; generated when absent. */
  adminPassword?: string | undefined;
}

export interface BuiltApp {
  app: App;
  health: HealthService;
  auth: AuthService;
  metrics: Metrics;
  identity: ServerIdentity;
  /**
   * Brings the database up to date and creates the first administrator, then marks the
   * server ready. Until then only the monitoring routes answer; the rest get 503.
   */
  prepare(): Promise<{ migrations: string[]; generatedAdminPassword?: string }>;
}

/** Routes that answer while the server is still starting. */
const AVAILABLE_DURING_INIT = new Set(['/ums/check-status', '/info', '/metrics']);

/** Builds the whole server as one Fastify app; main.ts only starts it, tests inject into it. */
export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const clock = deps.clock ?? systemClock;
  const { config, database } = deps;
  const metrics = deps.metrics ?? new Metrics();

  const options: FastifyServerOptions & { https?: unknown } = {
    bodyLimit: 1024 * 1024,
    genReqId: () => randomUUID(),
    // Per-request log lines would dominate at 1,000 req/s; /metrics has the numbers, errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
  };
  if (deps.https) {
    options.https = {
      key: deps.https.key,
      cert: deps.https.cert,
      minVersion: deps.https.minVersion,
      // Devices present client certificates on the same port; browsers must not be prompted.
      requestCert: false,
    };
  }
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setValidatorCompiler(createValidatorCompiler());
  installErrorHandler(app);
  // The API speaks JSON only; anything else is answered with 415.
  app.removeContentTypeParser('text/plain');

  const settings = new SettingsRepository(database.db);
  const identity: ServerIdentity = { serverId: deps.serverId, installationId: '', dialect: database.dialect, webCaPem: deps.webCaPem ?? null };

  const auth = new AuthService(new AuthRepository(database.db), new LoginLimiter(clock), clock, config.session.ttlHours * 3_600_000);
  const folders = new DeviceFoldersService(new DeviceFoldersRepository(database.db, database.dialect), clock);
  const devices = new DevicesService(new DevicesRepository(database.db), folders, clock);
  const health = new HealthService(
    { database: () => database.ping(), devicePort: () => !deps.https || app.server.listening },
    clock,
  );

  let ready = false;
  app.addHook('onRequest', async (req, reply) => {
    if (!ready && !AVAILABLE_DURING_INIT.has(req.routeOptions.url ?? '')) {
      reply.header('retry-after', '5');
      throw new AppError(ErrorCode.ServiceUnavailable, 'The server is starting; try again in a few seconds');
    }
  });
  await app.register(fastifyCookie);
  installAccessControl(app, auth);
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    if (deps.https) reply.header('strict-transport-security', 'max-age=31536000');
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
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

  authRoutes(app, auth, config.session.ttlHours * 3_600_000);
  deviceFolderRoutes(app, folders);
  deviceRoutes(app, devices);
  monitoringRoutes(app, health, metrics);
  serverInfoRoutes(app, identity);
  await webRoutes(app, config.webRoot);

  app.setNotFoundHandler({}, (req, reply) => {
    reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${req.method} ${req.url}` } });
  });

  const prepare = async () => {
    const migrations = await database.migrate();
    identity.installationId = await settings.insertSettingIfAbsent('installation_id', randomUUID());
    const admin = await auth.ensureInitialAdmin(deps.adminPassword);
    ready = true;
    health.markReady();
    return { migrations, ...(admin.generatedPassword ? { generatedAdminPassword: admin.generatedPassword } : {}) };
  };

  return { app, health, auth, metrics, identity, prepare };
}
