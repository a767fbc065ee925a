import type { ClusterBus } from './cluster/bus.js';
import type { Db } from './db/database.js';
import type { SettingsRepository } from './db/settings.repository.js';
import type { Clock } from './lib/clock.js';
import type { App } from './lib/fastify.js';
import type { Logger } from './lib/logger.js';
import type { AuditLog } from './modules/audit/audit-log.js';
import { CommLogRecorder, type RecorderOptions } from './modules/device-comm-log/comm-log-recorder.js';
import { DeviceCommLogRepository } from './modules/device-comm-log/device-comm-log.repository.js';
import { deviceCommLogRoutes } from './modules/device-comm-log/device-comm-log.routes.js';
import { DeviceCommLogService } from './modules/device-comm-log/device-comm-log.service.js';

/** How often every process re-reads all switches when it shares the database (a lost wake-up only delays). */
const CATCH_UP_MS = 30_000;
const PURGE_EVERY_MS = 60 * 60_000;

type Singletons = { add(task: { name: string; intervalMs: number; run(): Promise<unknown> }): void };

/**
 * The device communication log, composed: the recorder (the gateway's tap, built before the
 * gateway), the service, and — once the routes are installed — the switches loaded when the app is
 * ready, followed through the cluster bus (`comm-log` wake-ups, ids only) and a periodic
 * catch-up, and the retention purge as singleton work.
 */
export function communicationLog(
  p: { db: Db; settings: SettingsRepository; bus: ClusterBus; clock: Clock; audit: AuditLog; log: Logger | null },
  opts: RecorderOptions = {},
) {
  const repo = new DeviceCommLogRepository(p.db);
  const recorder = new CommLogRecorder(repo, p.clock, p.log, opts);
  const announce = (deviceIds: number[]) => p.bus.publish({ t: 'comm-log', deviceIds });
  const service = new DeviceCommLogService(repo, recorder, p.settings, p.clock, p.audit, announce, p.log);
  return {
    tap: recorder,
    service,
    install(app: App, singletons: Singletons): void {
      deviceCommLogRoutes(app, service);
      singletons.add({ name: 'device-comm-log-purge', intervalMs: PURGE_EVERY_MS, run: () => service.purge() });
      let loaded = false;
      const failed = (err: unknown) => {
        // A server listens before it migrates the database: until the first load, a missing table is expected.
        if (loaded) p.log?.warn({ err }, 'device communication log switches not read; retrying');
        else p.log?.debug({ err }, 'device communication log switches not read yet');
      };
      const reloadAll = () =>
        service
          .reloadAllSwitches()
          .then(() => void (loaded = true))
          .catch(failed);
      let unsubscribe: (() => void) | null = null;
      let timer: NodeJS.Timeout | null = null;
      let retry: NodeJS.Timeout | null = null;
      let closed = false;
      app.addHook('onReady', async () => {
        recorder.start();
        unsubscribe = p.bus.subscribe((m) => {
          if (m.t === 'comm-log') void service.reloadSwitches(m.deviceIds).catch(failed);
        });
        await reloadAll();
        // Until the first load succeeds (the migrations run right after listening), try every 2 s.
        const again = () => {
          retry = loaded || closed ? null : setTimeout(() => void reloadAll().then(again), 2000);
          retry?.unref();
        };
        again();
        timer = setInterval(() => void reloadAll(), p.bus.transport === 'local' ? 5 * CATCH_UP_MS : CATCH_UP_MS);
        timer.unref();
      });
      app.addHook('onClose', async () => {
        closed = true;
        unsubscribe?.();
        if (timer) clearInterval(timer);
        if (retry) clearTimeout(retry);
        await recorder.stop().catch(() => undefined);
      });
    },
  };
}

export type CommunicationLog = ReturnType<typeof communicationLog>;
