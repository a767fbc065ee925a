import type { Db } from '../../db/database.js';
import { retryOnDeadlock } from '../../db/errors.js';
import type { DevicePatch } from './devices.repository.js';

/** Online state, last contact and reported facts of devices, written in batches by the presence service. */
export class PresenceRepository {
  constructor(private readonly db: Db) {}

  /** Devices left online by this server (or by none) go offline; returns how many. */
  resetOnlineDevices = async (serverId: string): Promise<number> => {
    // The lease holder may be declaring this process's previous incarnation dead at this very
    // moment (servers.repository declareDead): the same rows in another order, a deadlock.
    const r = await retryOnDeadlock(() =>
      this.db
        .updateTable('devices')
        .set({ online: 0, connected_server: null })
        .where('online', '=', 1)
        .where((eb) => eb.or([eb('connected_server', '=', serverId), eb('connected_server', 'is', null)]))
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows);
  };

  /**
   * One transaction: the devices in `touched` get `lastContact` in one statement (the heartbeat
   * bulk), the other patches are written row by row.
   */
  updatePresence = async (
    touched: readonly number[],
    lastContact: number,
    patches: ReadonlyArray<readonly [number, DevicePatch]>,
    serverId: string,
  ): Promise<void> => {
    await this.db.transaction().execute(async (trx) => {
      if (touched.length) await trx.updateTable('devices').set({ last_contact: lastContact }).where('id', 'in', touched).execute();
      for (const [id, patch] of patches) {
        let q = trx.updateTable('devices').set(patch).where('id', '=', id);
        // Offline only if still marked as connected here: the device may have moved to another
        // server process meanwhile, whose "online" must not be overwritten by this late "offline".
        // (A row naming a process that is no longer running is stale, e.g. after a fail-over: ours to fix.)
        if (patch.online === 0) {
          q = q.where((eb) =>
            eb.or([
              eb('connected_server', '=', serverId),
              eb('connected_server', 'is', null),
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('servers')
                    .select('servers.id')
                    .whereRef('servers.id', '=', 'devices.connected_server')
                    .where('servers.status', '=', 'running'),
                ),
              ),
            ]),
          );
        }
        await q.execute();
      }
    });
  };
}
