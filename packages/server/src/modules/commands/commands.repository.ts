import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { CommandsTable } from '../../db/types.js';

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
    this.db.transaction().execute(async (trx) => {
      const ids: number[] = [];
      for (let i = 0; i < rows.length; i += 500) {
        const out = await trx.insertInto('commands').values(rows.slice(i, i + 500)).returning('id').execute();
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

  updateCommands = async (batch: Array<[number, CommandPatch]>): Promise<void> => {
    await this.db.transaction().execute(async (trx) => {
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
        .where('id', 'in', rows.map((r) => r.id))
        .where('state', 'in', OPEN_STATES)
        .execute();
    }
    return rows.map((r) => ({ id: Number(r.id), device_id: Number(r.device_id) }));
  };

  /** Device ids of a folder (and its sub-folders), for folder-wide commands. */
  listDeviceIdsInFolder = async (folderId: number, recursive: boolean): Promise<number[]> => {
    const rows = recursive
      ? await sql<{ id: number }>`
          with recursive sub(id) as (
            select id from device_folders where id = ${folderId}
            union all select f.id from device_folders f join sub on f.parent_id = sub.id
          ) select d.id from devices d where d.folder_id in (select id from sub) order by d.id`.execute(this.db).then((r) => r.rows)
      : await this.db.selectFrom('devices').select('id').where('folder_id', '=', folderId).orderBy('id').execute();
    return rows.map((r) => Number(r.id));
  };

  listExistingDeviceIds = async (ids: number[]): Promise<Set<number>> => {
    const out = new Set<number>();
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await this.db.selectFrom('devices').select('id').where('id', 'in', ids.slice(i, i + 1000)).execute();
      for (const r of rows) out.add(Number(r.id));
    }
    return out;
  };
}
