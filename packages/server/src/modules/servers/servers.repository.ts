import type { Db } from '../../db/database.js';
import { databaseNowMs, type DialectName } from '../../db/dialect.js';
import type { ServersTable } from '../../db/types.js';
import { transaction } from '../../db/transaction.js';

export type ServerRow = ServersTable;

/** The registry of server processes (table `servers`); beats are stamped with the database's clock. */
export class ServersRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
  ) {}

  /** The database's clock (epoch ms). */
  databaseNow = async (): Promise<number> => {
    const r = await this.db.selectNoFrom(databaseNowMs(this.dialect).as('now')).executeTakeFirstOrThrow();
    return Number(r.now);
  };

  /** Registers (or re-registers, after a restart) a process as running, beating now. */
  register = async (row: Omit<ServerRow, 'last_beat' | 'status'>): Promise<void> => {
    const now = databaseNowMs(this.dialect);
    await this.db
      .insertInto('servers')
      .values({ ...row, last_beat: now, status: 'running' })
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...row, last_beat: now, status: 'running' }))
      .execute();
  };

  /** A beat; false when the row is gone or was declared dead meanwhile (the process must re-register). */
  beat = async (id: string, devicesConnected: number, clockOffsetMs: number): Promise<boolean> => {
    const r = await this.db
      .updateTable('servers')
      .set({ last_beat: databaseNowMs(this.dialect), devices_connected: devicesConnected, clock_offset_ms: clockOffsetMs })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  };

  /** Every registered process (a cluster has a handful; bounded anyway). */
  list = async (limit = 1000): Promise<ServerRow[]> =>
    (await this.db.selectFrom('servers').selectAll().orderBy('host').orderBy('worker').orderBy('id').limit(limit).execute()).map(norm);

  /** What every registered process (running or dead, until removed) wants the shared web certificate to name. */
  listCertificateNames = async (db: Db = this.db): Promise<Array<Pick<ServerRow, 'host' | 'addresses' | 'tls_names'>>> =>
    db.selectFrom('servers').select(['host', 'addresses', 'tls_names']).orderBy('id').limit(1000).execute();

  findById = async (id: string): Promise<ServerRow | undefined> => {
    const r = await this.db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirst();
    return r && norm(r);
  };

  /** Running processes whose last beat is older than `silentMs` by the database's clock. */
  listSilent = async (silentMs: number): Promise<string[]> => {
    const rows = await this.db
      .selectFrom('servers')
      .select('id')
      .where('status', '=', 'running')
      .where((eb) => eb('last_beat', '<', eb(databaseNowMs(this.dialect), '-', silentMs)))
      .execute();
    return rows.map((r) => r.id);
  };

  /**
   * Declares a silent process dead in one transaction: its row, its devices (offline) and its
   * leases. Guarded by the silence condition, so a process that beat meanwhile stays running.
   * Returns the devices it had online, or null when it was not (or no longer) silent.
   */
  // The dead process may be starting again and resetting the same device rows: a deadlock, after
  // which transaction() runs this again.
  declareDead = async (id: string, silentMs: number, now: number): Promise<number[] | null> =>
    transaction(this.db, async (trx) => {
      const r = await trx
        .updateTable('servers')
        .set({ status: 'dead', devices_connected: 0 })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where((eb) => eb('last_beat', '<', eb(databaseNowMs(this.dialect), '-', silentMs)))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return null;
      // Rows locked in id order first, as presence batches do (PostgreSQL): the same order, no cycle.
      if (this.dialect === 'postgres')
        await trx
          .selectFrom('device_presence')
          .select('device_id')
          .where('online', '=', 1)
          .where('connected_server', '=', id)
          .orderBy('device_id')
          .forUpdate()
          .execute();
      const devices = await trx
        .updateTable('device_presence')
        .set({ online: 0, connected_server: null, last_contact: now })
        .where('online', '=', 1)
        .where('connected_server', '=', id)
        .returning('device_id')
        .execute();
      await trx.deleteFrom('leases').where('holder', '=', id).execute();
      return devices.map((d) => Number(d.device_id));
    });

  /** A process that stops cleanly: dead at once, its leases released. */
  markStopped = async (id: string): Promise<void> => {
    await transaction(this.db, async (trx) => {
      await trx.updateTable('servers').set({ status: 'dead', devices_connected: 0 }).where('id', '=', id).execute();
      await trx.deleteFrom('leases').where('holder', '=', id).execute();
    });
  };

  /** Removes a dead entry; 'running' when it is not dead, 'missing' when there is none. */
  /** `alsoInTrx` runs in the same transaction when an entry was removed (the audit entry). */
  removeDead = async (id: string, alsoInTrx?: (trx: Db) => Promise<void>): Promise<'removed' | 'running' | 'missing'> => {
    const removed = await transaction(this.db, async (trx) => {
      const r = await trx.deleteFrom('servers').where('id', '=', id).where('status', '=', 'dead').executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return false;
      await alsoInTrx?.(trx);
      return true;
    });
    if (removed) return 'removed';
    return (await this.findById(id)) ? 'running' : 'missing';
  };
}

function norm(r: ServerRow): ServerRow {
  return {
    ...r,
    pid: Number(r.pid),
    worker: Number(r.worker),
    port: Number(r.port),
    started_at: Number(r.started_at),
    last_beat: Number(r.last_beat),
    devices_connected: Number(r.devices_connected),
    clock_offset_ms: Number(r.clock_offset_ms),
  };
}
