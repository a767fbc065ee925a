import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';

/** The last sequential number handed out (a row of the settings table, shared by a cluster). */
const SEQUENCE_KEY = 'device_naming_sequence';

export interface RenameRow {
  id: number;
  mac: string;
  name: string;
}

/** SQL of the naming conventions: the sequence counter and the device columns a rename touches. */
export class NamingRepository {
  constructor(readonly db: Db) {}

  /**
   * Reserves `count` numbers and returns the last one (the first is `last - count + 1`). The
   * counter is one row updated in the caller's transaction: PostgreSQL locks the row until
   * commit, SQLite's write transaction is exclusive — two enrollments never get the same number,
   * on any process.
   */
  reserveNumbers = async (count: number, trx: Db): Promise<number> => {
    await trx
      .insertInto('settings')
      .values({ key: SEQUENCE_KEY, value: '0' })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const r = await trx
      .updateTable('settings')
      .set({ value: sql<string>`cast(cast(value as bigint) + ${count} as text)` })
      .where('key', '=', SEQUENCE_KEY)
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(r.value);
  };

  /** The last number handed out (0: none yet). */
  findLastNumber = async (db: Db = this.db): Promise<number> => {
    const r = await db.selectFrom('settings').select('value').where('key', '=', SEQUENCE_KEY).executeTakeFirst();
    return r ? Number(r.value) : 0;
  };

  /** After a renumbering: the next new device continues after `last`. */
  setLastNumber = async (last: number, trx: Db): Promise<void> => {
    await trx
      .insertInto('settings')
      .values({ key: SEQUENCE_KEY, value: String(last) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(last) }))
      .execute();
  };

  /** A batch of devices in id order after `afterId`, limited to `visible` (null = all). */
  listDevicesAfter = async (
    afterId: number,
    limit: number,
    visible: RawBuilder<boolean> | null,
    db: Db = this.db,
  ): Promise<RenameRow[]> => {
    let q = db.selectFrom('devices').select(['id', 'mac', 'name']).where('id', '>', afterId);
    if (visible) q = q.where(visible);
    const rows = await q.orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: Number(r.id), mac: r.mac, name: r.name }));
  };

  /** How many devices come before `id` (inclusive: false) within `visible`: the position for renumbering. */
  countDevices = async (visible: RawBuilder<boolean> | null, beforeId: number | null = null): Promise<number> => {
    let q = this.db.selectFrom('devices').select((eb) => eb.fn.countAll<number | string>().as('n'));
    if (visible) q = q.where(visible);
    if (beforeId !== null) q = q.where('id', '<', beforeId);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };

  /** New names for a batch of devices: one statement (CASE by id), not one round trip per device. */
  renameDevices = async (renames: ReadonlyArray<{ id: number; name: string }>, trx: Db): Promise<void> => {
    if (!renames.length) return;
    const caseOf = (value: (r: { id: number; name: string }) => string) =>
      sql<string>`case id ${sql.join(
        renames.map((r) => sql`when ${r.id} then ${value(r)}`),
        sql` `,
      )} end`;
    await trx
      .updateTable('devices')
      .set({ name: caseOf((r) => r.name), name_lc: caseOf((r) => r.name.toLowerCase()) })
      .where(
        'id',
        'in',
        renames.map((r) => r.id),
      )
      .execute();
  };

  /**
   * The device reported `networkName`: stored, and when it differs from the one stored before
   * (not the first one ever), also taken as the device's name. One conditional statement, so two reports never both win.
   * Returns the old name when the name changed.
   */
  adoptNetworkName = async (id: number, networkName: string, trx: Db): Promise<string | null> => {
    const before = await trx.selectFrom('devices').select(['name', 'network_name']).where('id', '=', id).executeTakeFirst();
    if (!before || before.network_name === networkName) return null;
    if (before.network_name === null) {
      // The first name ever reported is no change of name: stored only.
      await trx.updateTable('devices').set({ network_name: networkName }).where('id', '=', id).where('network_name', 'is', null).execute();
      return null;
    }
    const r = await trx
      .updateTable('devices')
      .set({ network_name: networkName, name: networkName, name_lc: networkName.toLowerCase() })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('network_name', 'is', null), eb('network_name', '!=', networkName)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0 && before.name !== networkName ? before.name : null;
  };
}
