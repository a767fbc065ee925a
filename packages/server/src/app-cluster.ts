import type { AppDeps } from './app-deps.js';
import type { ClusterBus } from './cluster/bus.js';
import { LeasesRepository, SingletonTasks } from './cluster/leases.js';
import { ClusterWakeups, type WakeupTargets } from './cluster/wakeups.js';
import type { SettingsRepository } from './db/settings.repository.js';
import { TableUpkeep } from './db/table-upkeep.js';
import type { DeviceRegistry } from './gateway/device-registry.js';
import type { Clock } from './lib/clock.js';
import type { EventBus } from './lib/event-bus.js';
import type { App } from './lib/fastify.js';
import type { Logger } from './lib/logger.js';
import type { SecretBox } from './lib/secret-box.js';
import type { AuthService } from './modules/auth/auth.service.js';
import type { LoginLimiter } from './modules/auth/login-limiter.js';
import type { ClusterSettingsService } from './modules/cluster-settings/cluster-settings.service.js';
import type { CommandsService } from './modules/commands/commands.service.js';
import type { ConfigurationDeliveryService } from './modules/configuration-delivery/configuration-delivery.service.js';
import { IDEMPOTENCY_PURGE_MS, type IdempotencyService } from './modules/idempotency/idempotency.service.js';
import { ServersRepository } from './modules/servers/servers.repository.js';
import { ServersService } from './modules/servers/servers.service.js';
import { SharedTicketKeys } from './tls/shared-ticket-keys.js';
import { SharedWebCert } from './tls/shared-web-cert.js';
import type { CertNames } from './tls/web-cert-names.js';
import { desiredNames, writeWebCertFiles } from './tls/web-identity.js';
import type { KeyAndCert } from './tls/pki.js';
import type { Db } from './db/database.js';
import type { AuditLog } from './modules/audit/audit-log.js';

/**
 * Composition of the cluster parts (part of buildApp): the server registry, the singleton work
 * of the installation under leases, and the receiving side of the bus with its catch-up.
 */
export function composeCluster(p: {
  deps: AppDeps;
  app: App;
  bus: ClusterBus;
  registry: DeviceRegistry;
  events: EventBus;
  clock: Clock;
  log: Logger | null;
  services: {
    commands: CommandsService;
    auth: AuthService;
    idempotency: IdempotencyService;
    delivery: ConfigurationDeliveryService;
    clusterSettings: ClusterSettingsService;
    limiters: LoginLimiter[];
    access: WakeupTargets['access'];
    attributes: WakeupTargets['attributes'];
    audit: AuditLog;
  };
  queries: WakeupTargets['queries'];
  ticketKeys: () => SharedTicketKeys | null;
  webCert: () => SharedWebCert | null;
}) {
  const { deps, clock, log } = p;
  const { config, database } = deps;
  const { commands, auth, idempotency, delivery, clusterSettings, limiters, access, attributes, audit } = p.services;
  const servers = new ServersService(
    new ServersRepository(database.db, database.dialect),
    {
      id: deps.serverId,
      worker: deps.worker ?? 0,
      port: () => {
        const a = deps.https ? p.app.server.address() : null;
        return typeof a === 'object' && a ? a.port : config.port;
      },
      database: database.describe,
      dialect: database.dialect,
      tlsNames: (({ dnsNames, ipAddresses }) => [...dnsNames, ...ipAddresses])(desiredNames(config.tls.extraNames)),
    },
    () => p.registry.size(),
    p.events,
    clock,
    log,
    config.cluster.beatSeconds * 1000,
    deps.wallClock,
    audit,
  );
  // Periodic work that must run once per cluster, each under its own lease.
  const leaseMs = config.cluster.leaseSeconds * 1000;
  const singletons = new SingletonTasks(new LeasesRepository(database.db), deps.serverId, clock, log, {
    ttlMs: leaseMs,
    tickMs: Math.min(5000, Math.max(1000, Math.floor(leaseMs / 4))),
  });
  singletons.add({ name: 'stale-servers', intervalMs: config.cluster.beatSeconds * 1000, run: () => servers.reapDead() });
  singletons.add({ name: 'command-expiry', intervalMs: 30_000, run: () => commands.expire() });
  singletons.add({ name: 'session-purge', intervalMs: 60 * 60_000, run: () => auth.purgeExpiredSessions() });
  singletons.add({ name: 'idempotency-purge', intervalMs: IDEMPOTENCY_PURGE_MS, run: () => idempotency.purge() });
  singletons.add({ name: 'table-upkeep', intervalMs: 60_000, run: new TableUpkeep(database.db, database.dialect, log).run });
  singletons.add({ name: 'rate-limit-purge', intervalMs: 10 * 60_000, run: () => Promise.all(limiters.map((l) => l.purge())) });
  const wakeups = new ClusterWakeups(
    p.bus,
    {
      channels: p.registry,
      events: p.events,
      commands,
      delivery,
      sessions: auth,
      access,
      attributes,
      clusterSettings,
      ticketKeys: { reload: async () => p.ticketKeys()?.reload() ?? false },
      webCert: { reload: async () => p.webCert()?.reload() ?? false },
      queries: p.queries,
    },
    clock,
    log,
    config.cluster.catchUpSeconds * 1000,
  );
  return { servers, singletons, wakeups };
}

/** The installation's TLS ticket keys, applied to the HTTPS server and rotated weekly by one process. */
export async function startSharedTicketKeys(p: {
  settings: SettingsRepository;
  box: SecretBox;
  clock: Clock;
  log: Logger | null;
  seed: Buffer;
  apply: (keys: Buffer) => void;
  singletons: SingletonTasks;
  bus: ClusterBus;
}): Promise<SharedTicketKeys> {
  const keys = new SharedTicketKeys(p.settings, p.box, p.clock, p.apply, p.log);
  await keys.load(p.seed);
  p.singletons.add({
    name: 'ticket-key-rotation',
    intervalMs: 3600_000,
    run: async () => {
      if (await keys.rotateIfOld()) p.bus.publish({ t: 'ticket-keys' });
    },
  });
  return keys;
}

/**
 * The installation's web certificate (tls/shared-web-cert.ts): adopted or issued at start, checked
 * by one process every minute (new names, near expiry), announced to the others by generation.
 */
export async function startSharedWebCert(p: {
  settings: SettingsRepository;
  box: SecretBox;
  clock: Clock;
  log: Logger | null;
  /** The web CA of the data directory and this host's own certificate (the seed). */
  ca: KeyAndCert;
  local: KeyAndCert;
  wanted: (db?: Db) => Promise<CertNames>;
  apply: (web: KeyAndCert) => void;
  dataDir: string;
  singletons: SingletonTasks;
  bus: ClusterBus;
}): Promise<{ cert: SharedWebCert; ensureCovers(): Promise<void> }> {
  const cert = new SharedWebCert(
    p.settings,
    p.box,
    p.clock,
    p.ca,
    p.wanted,
    (web, generation) => {
      p.apply(web);
      // The supervisor, the next start and the join token read the files.
      writeWebCertFiles(p.dataDir, web);
      p.log?.info({ generation }, 'web certificate of the cluster in use');
    },
    p.log,
  );
  const announce = () => p.bus.publish({ t: 'web-cert', generation: cert.generation });
  if (await cert.start(p.local)) announce();
  const ensureCovers = async () => {
    if (await cert.ensureCovers()) announce();
  };
  p.singletons.add({ name: 'web-certificate', intervalMs: 60_000, run: ensureCovers });
  return { cert, ensureCovers };
}
