import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import type { Clock } from '../../lib/clock.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { App } from '../../lib/fastify.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ConfigurationChanges } from '../configuration-delivery/configuration-changes.js';
import type { DeviceFoldersRepository } from '../device-folders/device-folders.repository.js';
import type { DevicesRepository } from '../devices/devices.repository.js';
import type { ProfilesRepository } from '../profiles/profiles.repository.js';
import { DeviceImportService } from '../device-import/device-import.service.js';
import { deviceImportRoutes } from '../device-import/device-import.routes.js';
import { NamingRepository } from './naming.repository.js';
import { namingRoutes } from './naming.routes.js';
import { NamingService } from './naming.service.js';

/** Where naming hooks into the paths that name devices (the device service's rename, presence's reports). */
export interface NamingHooks {
  devices: { naming: Pick<NamingService, 'nameNewDevice' | 'checkName' | 'renamed'> | null };
  presence: { networkNames: Pick<NamingService, 'networkNameReported'> | null };
}

/**
 * Naming conventions and device import, built and their routes registered with one call from
 * app.ts. The device service renames through `naming`; presence hands reported network names
 * to it; enrollment asks it for the name of a new device.
 */
export function namingModule(
  app: App,
  db: Db,
  p: {
    settings: SettingsRepository;
    devicesRepo: DevicesRepository;
    foldersRepo: DeviceFoldersRepository;
    profilesRepo: ProfilesRepository;
    configuration: ConfigurationChanges;
    events: EventBus;
    clock: Clock;
    audit: AuditLog;
    log: Logger | null;
  },
  hooks: NamingHooks,
): NamingService {
  const naming = new NamingService(
    new NamingRepository(db),
    p.settings,
    p.profilesRepo,
    p.configuration,
    p.events,
    p.clock,
    p.audit,
    p.log,
  );
  hooks.devices.naming = naming;
  hooks.presence.networkNames = naming;
  const imports = new DeviceImportService(
    db,
    p.devicesRepo,
    p.foldersRepo,
    p.profilesRepo,
    naming,
    p.configuration,
    p.events,
    p.clock,
    p.audit,
  );
  namingRoutes(app, naming);
  deviceImportRoutes(app, imports);
  return naming;
}
