import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { installAccessControl, type RegisteredRoute } from './modules/auth/access.js';
import { DEFAULT_LIMITS, LoginLimiter } from './modules/auth/login-limiter.js';
import { systemClock } from './lib/clock.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandler } from './lib/error-handler.js';
import type { App } from './lib/fastify.js';
import { createSerializerCompiler, createValidatorCompiler, installTextSafety } from './lib/validation.js';
import { DeviceFoldersRepository } from './modules/device-folders/device-folders.repository.js';
import { deviceFolderRoutes } from './modules/device-folders/device-folders.routes.js';
import { DeviceFoldersService } from './modules/device-folders/device-folders.service.js';
import { DevicesRepository } from './modules/devices/devices.repository.js';
import { deviceRoutes } from './modules/devices/devices.routes.js';
import { viewRoutes } from './modules/views/views.routes.js';
import { searchRoutes } from './modules/search/search.routes.js';
import { DevicesService } from './modules/devices/devices.service.js';
import { HealthService } from './modules/monitoring/health.service.js';
import { Metrics } from './lib/metrics.js';
import { monitoringRoutes } from './modules/monitoring/monitoring.routes.js';
import { SettingsRepository } from './db/settings.repository.js';
import { serverInfoRoutes, type ServerIdentity } from './modules/server-info/server-info.routes.js';
import { clusterSettingsRoutes, ClusterSettingsService } from './modules/cluster-settings/cluster-settings.routes.js';
import { mailModule } from './modules/mail/mail.routes.js';
import { namingModule } from './modules/naming/naming.module.js';
import { defaultFolderRulesModule } from './modules/default-folder-rules/default-folder-rules.routes.js';
import { communicationLog, operationsModule } from './app-operations.js';
import { LogLevels } from './lib/log-levels.js';
import { jobsModule } from './modules/jobs/jobs.routes.js';
import { AppError } from './lib/errors.js';
import { ErrorCode } from '@openums/protocol';
import { webRoutes } from './modules/web/web.routes.js';
import type { Server as TlsServer } from 'node:tls';
import { EventBus } from './lib/event-bus.js';
import { SecretBox } from './lib/secret-box.js';
import { DeviceRegistry } from './gateway/device-registry.js';
import { DeviceGateway } from './gateway/gateway.js';
import { PresenceService } from './gateway/presence.js';
import { PresenceRepository } from './modules/devices/presence.repository.js';
import { DeviceCa } from './tls/device-ca.js';
import { CommandsRepository } from './modules/commands/commands.repository.js';
import { CommandsService } from './modules/commands/commands.service.js';
import { commandRoutes } from './modules/commands/commands.routes.js';
import { EnrollmentKeysRepository } from './modules/enrollment/enrollment-keys.repository.js';
import { EnrollmentKeysService } from './modules/enrollment/enrollment-keys.service.js';
import { enrollmentKeyRoutes } from './modules/enrollment/enrollment-keys.routes.js';
import { EstEnrollmentService } from './modules/enrollment/est-enrollment.service.js';
import { estRoutes } from './modules/enrollment/est.routes.js';
import { eventRoutes } from './modules/events/events.routes.js';
import { ProfilesRepository } from './modules/profiles/profiles.repository.js';
import { ProfilesService } from './modules/profiles/profiles.service.js';
import { profileRoutes } from './modules/profiles/profiles.routes.js';
import { ProfileFoldersService } from './modules/profiles/profile-folders.service.js';
import { DeviceConfigurationService } from './modules/device-configuration/device-configuration.service.js';
import { deviceConfigurationRoutes } from './modules/device-configuration/device-configuration.routes.js';
import { ProfileTransferService } from './modules/profiles/profile-transfer.service.js';
import { ConfigurationSnapshotRepository } from './modules/configuration-delivery/configuration-snapshot.repository.js';
import { ConfigurationDeliveryService } from './modules/configuration-delivery/configuration-delivery.service.js';
import { ConfigurationChanges } from './modules/configuration-delivery/configuration-changes.js';
import { DeliveryStateRepository } from './modules/configuration-delivery/delivery-state.repository.js';
import { IdempotencyRepository } from './modules/idempotency/idempotency.repository.js';
import { IdempotencyService } from './modules/idempotency/idempotency.service.js';
import type { SharedTicketKeys } from './tls/shared-ticket-keys.js';
import type { SharedWebCert } from './tls/shared-web-cert.js';
import { certificateNames } from './tls/web-cert-names.js';
import { noPeers } from './channel/device-channel.js';
import { LocalBus, type ClusterBus } from './cluster/bus.js';
import { BusPeers } from './cluster/peers.js';
import { relayEvent, type ClusterWakeups } from './cluster/wakeups.js';
import { composeCluster, startSharedWebCert } from './app-cluster.js';
import { installHttpBasics, installNotFound, installShutdown, installStartupGate } from './app-http.js';
import type { AppDeps } from './app-deps.js';
import type { SingletonTasks } from './cluster/leases.js';
import type { ServersService } from './modules/servers/servers.service.js';
import { serverRoutes } from './modules/servers/servers.routes.js';
import type { AuditLog } from './modules/audit/audit-log.js';
import type { AuthService } from './modules/auth/auth.service.js';
import { composeAdministration } from './app-administration.js';
import { deviceAttributesModule } from './modules/device-attributes/device-attributes.routes.js';
import { deviceIdentifier, httpsServerOptions, startHttpsIdentity } from './app-tls.js';

export type { AppDeps } from './app-deps.js';
export interface BuiltApp {
  app: App;
  health: HealthService;
  auth: AuthService;
  metrics: Metrics;
  identity: ServerIdentity;
  registry: DeviceRegistry;
  presence: PresenceService;
  commands: CommandsService;
  servers: ServersService;
  singletons: SingletonTasks;
  /** Every route with its access rule, once the app is ready. */
  routes: ReadonlyArray<RegisteredRoute>;
  /** The audit log (modules/audit): every change records itself with `audit.record(trx, entry)`. */
  audit: AuditLog;
  wakeups: ClusterWakeups;
  bus: ClusterBus;
  /**
   * Brings the database up to date and creates the first administrator, then marks the
   * server ready. Until then only the monitoring routes answer; the rest get 503.
   */
  prepare(): Promise<{ migrations: string[]; generatedAdminPassword?: string }>;
}

/**
 * Failed enrollments per client address before it is blocked for a while. Higher than for
 * logins: a whole site may enroll from behind one NAT address, and keys are 256-bit random.
 */
const ENROLL_LIMITS = { ...DEFAULT_LIMITS, maxFailures: 20 };

/** The data directory's secret key does not open the database's sealed data. */
export class SecretMismatchError extends Error {
  override name = 'SecretMismatchError';
}

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
    // Errors raised before routing or by Node's HTTP parser get the same `{ error }` envelope.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
  };
  if (deps.https) options.https = httpsServerOptions(deps.https);
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setValidatorCompiler(createValidatorCompiler()).setSerializerCompiler(createSerializerCompiler());
  installErrorHandler(app);
  installTextSafety(app);
  // The API speaks JSON only; anything else is answered with 415.
  app.removeContentTypeParser('text/plain');

  const settings = new SettingsRepository(database.db);
  const identity: ServerIdentity = {
    serverId: deps.serverId,
    installationId: '',
    dialect: database.dialect,
    webCaPem: deps.webCaPem ?? null,
  };

  const log = deps.logger ?? null;
  const logging = new LogLevels(log);
  const logIn = (area: string) => logging.area(area);
  const bus = deps.bus ?? new LocalBus();
  const alone = bus.transport === 'local';
  const peers = alone ? noPeers : new BusPeers(bus);
  const events = new EventBus(alone ? undefined : relayEvent(bus));
  const registry = new DeviceRegistry();
  const loginLimiter = new LoginLimiter(database.db, database.dialect, 'login', clock);
  const enrollLimiter = new LoginLimiter(database.db, database.dialect, 'enroll', clock, ENROLL_LIMITS);
  const administration = composeAdministration({ deps, settings, bus, clock, loginLimiter });
  const { auth, audit, objectAccess, rights } = administration;
  // Every configuration change (profiles, assignments, folders, device moves) marks the devices
  // it affects in its own transaction; delivery wakes them after the commit.
  const profilesRepo = new ProfilesRepository(database.db);
  const snapshot = new ConfigurationSnapshotRepository(database.db, settings);
  const deliveryState = new DeliveryStateRepository(database.db);
  const delivery = new ConfigurationDeliveryService(deliveryState, snapshot, registry, events, clock, logIn('delivery'), 250, peers);
  const configurationChanges = new ConfigurationChanges(database.db, deliveryState, profilesRepo, delivery, clock);
  const idempotency = new IdempotencyService(new IdempotencyRepository(database.db), clock);
  const foldersRepo = new DeviceFoldersRepository(database.db, database.dialect);
  const folders = new DeviceFoldersService(foldersRepo, clock, configurationChanges, audit);
  const devicesRepo = new DevicesRepository(database.db, database.dialect);
  const devices = new DevicesService(devicesRepo, folders, clock, events, configurationChanges, audit, database.dialect);
  const folderRules = defaultFolderRulesModule({ db: database.db, folders, devices, clock, audit, log });
  const enrollmentKeys = new EnrollmentKeysService(new EnrollmentKeysRepository(database.db), folders, settings, clock, audit);
  const commandsRepo = new CommandsRepository(database.db);
  const commands = new CommandsService(commandsRepo, devicesRepo, folders, registry, events, clock, logIn('commands'), 250, peers, audit);
  const presenceRepo = new PresenceRepository(database.db, database.dialect);
  const presence = new PresenceService(presenceRepo, deps.serverId, events, clock, metrics, log, config.gateway.presenceFlushMs);
  // The device CA lives in the database; it is loaded in prepare(), before any device request.
  let deviceCa: DeviceCa | null = null;
  const requireCa = (): DeviceCa => {
    if (!deviceCa) throw new AppError(ErrorCode.ServiceUnavailable, 'The server is starting');
    return deviceCa;
  };
  const caProxy = new Proxy({} as DeviceCa, { get: (_t, prop) => Reflect.get(requireCa(), prop, requireCa()) as unknown });
  let enrollment: EstEnrollmentService | null = null;
  let ticketKeys: SharedTicketKeys | null = null;
  let webCert: { cert: SharedWebCert; ensureCovers(): Promise<void> } | null = null;
  const identifyDevice = deviceIdentifier(config.clientCertForwarding, requireCa, devicesRepo, metrics);
  const profileFolders = new ProfileFoldersService(profilesRepo, clock, audit);
  const profiles = new ProfilesService(profilesRepo, profileFolders, settings, configurationChanges, clock, audit);
  const deviceConfiguration = new DeviceConfigurationService(
    profilesRepo,
    profiles,
    devicesRepo,
    snapshot,
    configurationChanges,
    clock,
    audit,
  );
  const profileModule = {
    profiles,
    folders: profileFolders,
    configuration: deviceConfiguration,
    transfer: new ProfileTransferService(profilesRepo, profiles, profileFolders, configurationChanges, clock, audit),
    idempotency,
  };
  const clusterSettings = new ClusterSettingsService(settings, registry, peers, log, audit, {
    clusterAddressChanged: async () => webCert?.ensureCovers(),
  });
  const attributes = deviceAttributesModule(database.db, registry, peers, clock, audit, log);
  const commLog = communicationLog({ db: database.db, settings, bus, clock, audit, log: logIn('gateway') });
  const gateway = new DeviceGateway({
    config,
    ca: caProxy,
    devices: devicesRepo,
    registry,
    peers,
    presence,
    commands,
    delivery,
    deviceConfiguration,
    attributes: attributes.service,
    folderRules: folderRules.placement,
    commLog: commLog.tap,
    serverAddress: () => clusterSettings.deviceAddress(),
    events,
    metrics,
    clock,
    log: logIn('gateway'),
  });
  const { servers, singletons, wakeups } = composeCluster({
    deps,
    app,
    bus,
    registry,
    events,
    clock,
    log,
    services: {
      commands,
      auth,
      idempotency,
      delivery,
      clusterSettings,
      limiters: [loginLimiter, enrollLimiter],
      access: objectAccess,
      attributes: attributes.service,
      audit,
    },
    queries: {
      devicesWithQueuedCommands: (now, since, limit) => commandsRepo.listDevicesWithQueuedCommands(deps.serverId, now, since, limit),
      pendingConfiguration: (since, limit) => deliveryState.listPendingOnServer(deps.serverId, since, limit),
    },
    ticketKeys: () => ticketKeys,
    webCert: () => webCert?.cert ?? null,
  });
  singletons.add({ name: 'audit-purge', intervalMs: 60 * 60_000, run: () => audit.purge() });
  const health = new HealthService(
    {
      database: () => database.ping(),
      devicePort: () => !deps.https || app.server.listening,
      warnings: () => servers.skewWarnings(),
    },
    clock,
  );

  const startup = installStartupGate(app);
  await app.register(fastifyCookie);
  const routes = installAccessControl(app, auth, identifyDevice, rights, deps.onAccessDecision);
  await installHttpBasics(app, metrics, Boolean(deps.https));
  administration.registerRoutes(app);
  deviceFolderRoutes(app, folders);
  deviceRoutes(app, devices, idempotency, { commands, profiles });
  const mail = mailModule({ settings, dataDir: config.dataDir, audit, log });
  viewRoutes(app, database, clock, audit, { commands, profiles, idempotency, mailer: () => mail.mailer });
  searchRoutes(app, database);
  monitoringRoutes(app, health, metrics);
  enrollmentKeyRoutes(app, enrollmentKeys);
  commandRoutes(app, commands, idempotency);
  serverRoutes(app, servers);
  eventRoutes(app, events);
  profileRoutes(app, profileModule);
  deviceConfigurationRoutes(app, deviceConfiguration);
  attributes.registerRoutes(app);
  folderRules.registerRoutes(app);
  clusterSettingsRoutes(app, clusterSettings);
  const namingDeps = { settings, devicesRepo, foldersRepo, profilesRepo, configuration: configurationChanges, events, clock, audit, log };
  const naming = namingModule(app, database.db, namingDeps, { devices, presence });
  mail.registerRoutes(app);
  const ops = { database, config, settings, commands, profileModule, devices, audit, clock, logging, singletons, servers, mail, rights };
  operationsModule(app, { ...ops, commLog }, () => deviceCa);
  jobsModule({ database, settings, commands, configurationChanges, administration, singletons, audit, clock, log }).registerRoutes(app);
  estRoutes(
    app,
    () => {
      if (!enrollment) throw new AppError(ErrorCode.ServiceUnavailable, 'The server is starting');
      return enrollment;
    },
    caProxy,
    metrics,
  );
  if (deps.https) gateway.attach(app.server as unknown as TlsServer);
  installShutdown(app, gateway, [
    wakeups,
    singletons,
    presence,
    { stop: () => auth.flushTokenUses().catch(() => undefined) },
    commands,
    delivery,
    enrollmentKeys,
    servers,
    bus,
  ]);
  serverInfoRoutes(app, identity);
  await webRoutes(app, config.webRoot);
  installNotFound(app);

  const prepare = async () => {
    const migrations = await database.migrate();
    identity.installationId = await settings.insertSettingIfAbsent('installation_id', randomUUID());
    const admin = await auth.ensureInitialAdmin(deps.adminPassword);
    try {
      deviceCa = await DeviceCa.load(settings, SecretBox.fromDataDir(config.dataDir));
    } catch (err) {
      if (/unable to authenticate|unsupported state/i.test((err as Error).message)) {
        // Another server set the database up with another secret key: never overwrite its sealed data.
        throw new SecretMismatchError(
          `The secret key in ${config.dataDir}/secret.key is not the one this database was set up with. ` +
            'Join this server to the installation with a join token (openums admin cluster join-token on a running server, then openums server --join-file FILE), or use the right data directory.',
        );
      }
      throw err;
    }
    enrollment = new EstEnrollmentService(
      database.db,
      devicesRepo,
      enrollmentKeys,
      deviceCa,
      enrollLimiter,
      events,
      clock,
      config.gateway.deviceCertDays,
      naming,
      folderRules.placement,
    );
    const https = deps.https
      ? await startHttpsIdentity({
          app,
          https: deps.https,
          deviceCaPem: deviceCa.certPem,
          settings,
          dataDir: config.dataDir,
          clock,
          log,
          singletons,
          bus,
        })
      : null;
    ticketKeys = https?.ticketKeys ?? null;
    const setWebCert = https?.setWebCert ?? null;
    await clusterSettings.reloadDeviceAddress('never');
    await naming.load();
    await presence.resetOnStart();
    await servers.start();
    await bus.start();
    // The installation's web certificate, once this process's names are in the registry.
    if (deps.https?.caKey && setWebCert) {
      webCert = await startSharedWebCert({
        settings,
        box: SecretBox.fromDataDir(config.dataDir),
        clock,
        log,
        ca: { certPem: deps.https.ca, keyPem: deps.https.caKey },
        local: { certPem: deps.https.cert, keyPem: deps.https.key },
        // Every server's names and the cluster address.
        wanted: async (db) =>
          certificateNames(await servers.listCertificateNames(db), (await clusterSettings.getClusterSettings(db)).clusterAddress),
        apply: setWebCert,
        dataDir: config.dataDir,
        singletons,
        bus,
      });
    }
    presence.start();
    commands.start();
    delivery.start();
    enrollmentKeys.start();
    wakeups.start();
    singletons.start();
    startup.markReady();
    health.markReady();
    return { migrations, ...(admin.generatedPassword ? { generatedAdminPassword: admin.generatedPassword } : {}) };
  };

  return { app, health, auth, metrics, identity, prepare, registry, presence, commands, servers, singletons, audit, wakeups, bus, routes };
}
