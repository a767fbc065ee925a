import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { CommandsTable } from '../../db/types.js';
import { heldByServer } from '../devices/device-rows.js';
import { transaction } from '../../db/transaction.js';

export type CommandRow = Selectable<CommandsTable> & { id: number };
export type CommandPatch = Updateable<CommandsTable>;

const OPEN_STATES = ['queued', 'sent', 'acknowledged'];

export class CommandsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts in chunks (bound-parameter limits) inside one transaction, then runs `alsoInTrx`
   * (e.g. storing the answer for an Idempotency-Key) before the commit; returns ids in order.
   */
  insertCommands = (rows: Insertable<CommandsTable>[], alsoInTrx?: (trx: Db, ids: number[]) => Promise<void>): Promise<number[]> =>
    transaction(this.db, async (trx) => {
      const ids: number[] = [];
      for (let i = 0; i < rows.length; i += 500) {
        const out = await trx
          .insertInto('commands')
          .values(rows.slice(i, i + 500))
          .returning('id')
          .execute();
        ids.push(...out.map((r) => Number(r.id)));
      }
      await alsoInTrx?.(trx, ids);
      return ids;
    });

  findCommandById = async (id: number): Promise<CommandRow | undefined> =>
    (await this.db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst()) as CommandRow | undefined;

  listCommandsForDevice = async (deviceId: number, limit: number, beforeId: number | null): Promise<CommandRow[]> => {
    let q = this.db.selectFrom('commands').selectAll().where('device_id', '=', deviceId).orderBy('id', 'desc').limit(limit);
    if (beforeId !== null) q = q.where('id', '<', beforeId);
    return (await q.execute()) as CommandRow[];
  };

  /** Undelivered or unfinished commands of a device that have not expired, oldest first. */
  listOpenCommandsForDevice = async (deviceId: number, now: number): Promise<CommandRow[]> =>
    (await this.db
      .selectFrom('commands')
      .selectAll()
      .where('device_id', '=', deviceId)
      .where('state', 'in', OPEN_STATES)
      .where('expires_at', '>', now)
      .orderBy('id')
      .limit(100)
      .execute()) as CommandRow[];

  /** Which of these devices have an open, unexpired command (most have none: nothing more to read). */
  devicesWithOpenCommands = async (deviceIds: readonly number[], now: number): Promise<Set<number>> => {
    if (!deviceIds.length) return new Set();
    const rows = await this.db
      .selectFrom('commands')
      .select('device_id')
      .distinct()
      .where('device_id', 'in', deviceIds)
      .where('state', 'in', OPEN_STATES)
      .where('expires_at', '>', now)
      .execute();
    return new Set(rows.map((r) => Number(r.device_id)));
  };

  /**
   * Catch-up for lost wake-ups: devices connected to `serverId` (by the presence rows) that have a
   * queued, unexpired command. Starts from the queued commands (few, through commands_state_expiry)
   * and looks each device up by key: it runs every few seconds on every process, so it must not
   * walk the process's online devices (14,000 per worker at 100,000 devices).
   */
  /**
   * Devices held by `serverId` with a command queued at or after `since` and not expired: the
   * catch-up's read (cluster/wakeups.ts), from the recent commands (commands_queued_created) with
   * the presence checked per command — commands queued for offline devices are not walked.
   */
  listDevicesWithQueuedCommands = async (serverId: string, now: number, since: number, limit: number): Promise<number[]> => {
    const rows = await this.db
      .selectFrom('commands')
      .select('commands.device_id')
      .distinct()
      .where('commands.state', '=', 'queued')
      .where('commands.created_at', '>=', since)
      .where('commands.expires_at', '>', now)
      .where(heldByServer('commands.device_id', serverId))
      .limit(limit)
      .execute();
    return rows.map((r) => Number(r.device_id));
  };

  updateCommands = async (batch: Array<[number, CommandPatch]>): Promise<void> => {
    await transaction(this.db, async (trx) => {
      for (const [id, patch] of batch) await trx.updateTable('commands').set(patch).where('id', '=', id).execute();
    });
  };

  /** Marks commands that were not finished before their expiry; returns them. */
  expireCommands = async (now: number): Promise<Array<{ id: number; device_id: number }>> => {
    const rows = await this.db
      .selectFrom('commands')
      .select(['id', 'device_id'])
      .where('state', 'in', OPEN_STATES)
      .where('expires_at', '<=', now)
      .limit(5000)
      .execute();
    if (rows.length) {
      await this.db
        .updateTable('commands')
        .set({ state: 'expired', finished_at: now, message: 'expired before the device finished it' })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .where('state', 'in', OPEN_STATES)
        .execute();
    }
    return rows.map((r) => ({ id: Number(r.id), device_id: Number(r.device_id) }));
  };
}
