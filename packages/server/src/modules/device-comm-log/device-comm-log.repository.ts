import type { Db } from '../../db/database.js';
import type { CommLogWriter } from './comm-log-recorder.js';
import type { CommLogDb, CommLogInsert, DeviceCommLogTable } from './device-comm-log.tables.js';
import { transaction } from '../../db/transaction.js';

/** Entries per multi-row insert: 8 columns each, well below SQLite's parameter limit. */
const INSERT_CHUNK = 200;

export interface CommLogRow extends Omit<DeviceCommLogTable, 'id'> {
  id: number;
}

const num = (v: number | string) => Number(v);

/** The device communication log's SQL: the switches and the entries. */
export class DeviceCommLogRepository implements CommLogWriter {
  private readonly db: CommLogDb;

  constructor(db: Db) {
    this.db = db as unknown as CommLogDb;
  }

  private as(db: Db | undefined): CommLogDb {
    return (db ?? this.db) as unknown as CommLogDb;
  }

  /** `fn` may run more than once (db/transaction.ts). */
  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    return transaction(this.db, (trx) => fn(trx as unknown as Db));
  }

  /** The device's name, or undefined when it does not exist. */
  findDeviceName = async (deviceId: number, db?: Db): Promise<string | undefined> =>
    (await this.as(db).selectFrom('devices').select('name').where('id', '=', deviceId).executeTakeFirst())?.name;

  findSwitch = async (deviceId: number, db?: Db): Promise<{ payload: boolean; since: number } | undefined> => {
    const r = await this.as(db)
      .selectFrom('device_comm_log_switches')
      .select(['payload', 'since'])
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    return r ? { payload: Boolean(num(r.payload)), since: num(r.since) } : undefined;
  };

  /** Every switched-on device, or those of `deviceIds` that are on. */
  listSwitches = async (deviceIds?: readonly number[]): Promise<Array<{ deviceId: number; payload: boolean }>> => {
    if (deviceIds && deviceIds.length === 0) return [];
    let q = this.db.selectFrom('device_comm_log_switches').select(['device_id', 'payload']);
    if (deviceIds) q = q.where('device_id', 'in', [...deviceIds]);
    return (await q.execute()).map((r) => ({ deviceId: num(r.device_id), payload: Boolean(num(r.payload)) }));
  };

  /** Switches the log on; a log already on keeps its start time. */
  upsertSwitch = async (deviceId: number, payload: boolean, since: number, db?: Db): Promise<void> => {
    await this.as(db)
      .insertInto('device_comm_log_switches')
      .values({ device_id: deviceId, payload: payload ? 1 : 0, since })
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ payload: payload ? 1 : 0 }))
      .execute();
  };

  deleteSwitch = async (deviceId: number, db?: Db): Promise<void> => {
    await this.as(db).deleteFrom('device_comm_log_switches').where('device_id', '=', deviceId).execute();
  };

  writeEntries = async (rows: CommLogInsert[], prune: readonly number[], keep: number): Promise<void> => {
    await transaction(this.db, async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('device_comm_log')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute();
      }
      for (const deviceId of prune) {
        // The newest `keep` stay: everything at or below the id of the one after them goes.
        const cutoff = trx
          .selectFrom('device_comm_log')
          .select('id')
          .where('device_id', '=', deviceId)
          .orderBy('id', 'desc')
          .limit(1)
          .offset(keep);
        await trx.deleteFrom('device_comm_log').where('device_id', '=', deviceId).where('id', '<=', cutoff).execute();
      }
    });
  };

  /** A device's entries newest first, below `beforeId` when given. */
  listEntries = async (deviceId: number, beforeId: number | null, limit: number): Promise<CommLogRow[]> => {
    let q = this.db.selectFrom('device_comm_log').selectAll().where('device_id', '=', deviceId);
    if (beforeId !== null) q = q.where('id', '<', beforeId);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      ...r,
      id: num(r.id),
      device_id: num(r.device_id),
      at: num(r.at),
      size: num(r.size),
      truncated: num(r.truncated),
    }));
  };

  deleteEntries = async (deviceId: number, db?: Db): Promise<number> => {
    const r = await this.as(db).deleteFrom('device_comm_log').where('device_id', '=', deviceId).executeTakeFirst();
    return Number(r.numDeletedRows);
  };

  /** Deletes up to `batch` entries older than `cutoff` (one short statement); returns how many. */
  purgeOlderThan = async (cutoff: number, batch: number): Promise<number> => {
    const ids = this.db.selectFrom('device_comm_log').select('id').where('at', '<', cutoff).limit(batch);
    const r = await this.db.deleteFrom('device_comm_log').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows);
  };

  /** Deletes up to `batch` entries of devices that no longer exist; returns how many. */
  purgeOrphans = async (batch: number): Promise<number> => {
    const ids = this.db
      .selectFrom('device_comm_log as l')
      .select('l.id')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('devices as d').select('d.id').whereRef('d.id', '=', 'l.device_id'))))
      .limit(batch);
    const r = await this.db.deleteFrom('device_comm_log').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows);
  };
}
