import { ErrorCode, ErrorResponse, GeneralRight, WakeOnLanSettings } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { AppError } from '../../lib/errors.js';
import type { App } from '../../lib/fastify.js';
import type { Logger } from '../../lib/logger.js';
import { rightsOf } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { DeviceConfigurationService } from '../device-configuration/device-configuration.service.js';
import { WakeOnLanService } from './wake-on-lan.service.js';
import { UdpPacketSender, type PacketSender } from './wol-sender.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['wake-on-lan'];
const access = { access: { general: GeneralRight.GlobalSettings } } as const;

/** Builds wake-on-LAN, makes `wakeup` commands use it; app.ts registers its routes with one call. */
export function wakeOnLanModule(p: {
  db: Db;
  settings: SettingsRepository;
  commands: CommandsService;
  configuration: Pick<DeviceConfigurationService, 'setOwnParameter'>;
  audit: Pick<AuditLog, 'record'>;
  log: Logger | null;
  sender?: PacketSender;
}) {
  const sender = p.sender ?? new UdpPacketSender();
  const service = new WakeOnLanService(p.db, p.settings, p.configuration, p.audit, sender, p.log);
  p.commands.setWaker(service);
  return { service, sender, registerRoutes: (app: App) => wakeOnLanRoutes(app, service) };
}

export function wakeOnLanRoutes(app: App, wol: WakeOnLanService): void {
  app.get('/api/v1/settings/wake-on-lan', {
    config: access,
    schema: {
      tags,
      summary: 'Where magic packets go when a device is woken, and which devices relay them as proxies',
      response: { 200: WakeOnLanSettings, ...errors },
    },
    handler: () => wol.getSettings(),
  });
  app.put('/api/v1/settings/wake-on-lan', {
    config: access,
    schema: {
      tags,
      summary:
        'Replace the wake-on-LAN settings; devices added to (removed from) the dedicated proxies get (lose) system.remotemanager.wol_proxy.enabled — needs editConfiguration on them',
      body: WakeOnLanSettings,
      response: { 200: WakeOnLanSettings, ...errors },
    },
    handler: (req) =>
      wol.updateSettings(auditContext(req), req.body, async (deviceIds) => {
        if (!deviceIds.length) return;
        const p = await rightsOf(req).partition('device', deviceIds, 'editConfiguration');
        const field = 'body.dedicatedProxyIds';
        if (p.unknown.length)
          throw new AppError(ErrorCode.DeviceNotFound, `${field} names devices that do not exist: ${p.unknown.join(', ')}`, { field });
        if (p.refused.length) {
          throw new AppError(
            ErrorCode.Forbidden,
            `The editConfiguration right on devices ${p.refused.join(', ')} is required to make or unmake them proxies`,
            {
              field,
            },
          );
        }
      }),
  });
}
