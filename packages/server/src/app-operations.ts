import type { Config } from './config/schema.js';
import type { DatabaseHandle } from './db/database.js';
import type { SettingsRepository } from './db/settings.repository.js';
import type { Clock } from './lib/clock.js';
import type { App } from './lib/fastify.js';
import type { LogLevels } from './lib/log-levels.js';
import { loggingModule } from './modules/logging/logging.routes.js';
import { supportInfoRoutes } from './modules/support/support-info.js';
import { adminTasksModule } from './modules/admin-tasks/admin-tasks.routes.js';
import type { AuditLog } from './modules/audit/audit-log.js';
import type { CommandsService } from './modules/commands/commands.service.js';
import type { DeviceConfigurationService } from './modules/device-configuration/device-configuration.service.js';
import type { ProfilesService } from './modules/profiles/profiles.service.js';
import type { RightsSource } from './modules/auth/access.js';
import type { DevicesService } from './modules/devices/devices.service.js';
import type { MailModule } from './modules/mail/mail.routes.js';
import { notificationsModule } from './modules/notifications/notifications.routes.js';
import type { ServersService } from './modules/servers/servers.service.js';
import type { DeviceCa } from './tls/device-ca.js';
import { wakeOnLanModule } from './modules/wake-on-lan/wake-on-lan.routes.js';
import type { CommunicationLog } from './app-comm-log.js';

export { communicationLog } from './app-comm-log.js';

type Singletons = { add(task: { name: string; intervalMs: number; run(): Promise<unknown> }): void };

/**
 * Operations (issue 13): wake-on-LAN (it makes the `wakeup` command work), the notification
 * centre, administrative tasks and run-time log levels, with their singleton work. Built after the cluster, since
 * their periodic work runs under its leases.
 */
export function operationsModule(
  app: App,
  p: {
    database: DatabaseHandle;
    config: Config;
    settings: SettingsRepository;
    commands: CommandsService;
    /** The profiles module's services (assigning profiles to a view's devices is a task). */
    profileModule: { profiles: ProfilesService; configuration: DeviceConfigurationService };
    devices: DevicesService;
    audit: AuditLog;
    clock: Clock;
    logging: LogLevels;
    singletons: Singletons;
    servers: ServersService;
    mail: MailModule;
    /** The device communication log (built before the gateway, which records through it). */
    commLog: CommunicationLog;
    /** Object rights: a view task acts with its creator's. */
    rights: RightsSource;
  },
  deviceCa: () => DeviceCa | null,
): void {
  const { database, config, settings, commands, audit, clock, singletons } = p;
  const log = p.logging.area('operations');
  loggingModule(app, { db: database.db, settings, levels: p.logging, audit });
  p.commLog.install(app, singletons);
  supportInfoRoutes(app, { database, config, settings, servers: p.servers, mail: p.mail.settings, clock });
  const mailer = () => p.mail.mailer;
  wakeOnLanModule({ db: database.db, settings, commands, configuration: p.profileModule.configuration, audit, log }).registerRoutes(app);
  const sources = { dataDir: config.dataDir, deviceCaPem: () => deviceCa()?.certPem ?? null, skewWarnings: () => p.servers.skewWarnings() };
  const notifications = notificationsModule({ db: database.db, clock, mailer, singletons, log, sources });
  notifications.registerRoutes(app);
  adminTasksModule({
    database,
    databaseUrl: config.databaseUrl,
    clock,
    devices: p.devices,
    mailer,
    audit,
    singletons,
    log,
    // One notification centre: the reminders of missing tasks go through the module's own service.
    notifications: notifications.service,
    profiles: p.profileModule.profiles,
    commands,
    rights: p.rights,
  }).registerRoutes(app);
}
