import type { Db } from './database.js';
import { transaction } from './transaction.js';

/** Installation-wide key/value settings stored in the database (shared by a cluster). */
export class SettingsRepository {
  constructor(private readonly db: Db) {}

  findSetting = async (key: string, db: Db = this.db): Promise<string | undefined> =>
    (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;

  putSetting = async (key: string, value: string, db: Db = this.db): Promise<void> => {
    await db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  };

  /** Stores `value` unless the key exists; returns what is stored (first writer wins). */
  insertSettingIfAbsent = async (key: string, value: string): Promise<string> => {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.findSetting(key))!;
  };

  /**
   * Read-modify-write of an existing setting, one caller at a time across every process: a
   * no-op update locks the row (PostgreSQL; SQLite transactions hold the write lock from their
   * start), so a second caller reads what the first one wrote. `change` gets the transaction for
   * its own reads and returns the new value, or null to leave it; it may run more than once (db/transaction.ts).
   */
  changeSettingLocked = async <T>(
    key: string,
    change: (current: string | undefined, trx: Db) => Promise<{ value: string | null; result: T }>,
  ): Promise<T> =>
    transaction(this.db, async (trx) => {
      await trx
        .updateTable('settings')
        .set((eb) => ({ value: eb.ref('value') }))
        .where('key', '=', key)
        .execute();
      const { value, result } = await change(await this.findSetting(key, trx), trx);
      if (value !== null) await this.putSetting(key, value, trx);
      return result;
    });
}
