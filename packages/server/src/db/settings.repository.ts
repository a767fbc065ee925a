import type { Db } from './database.js';

/** Installation-wide key/value settings stored in the database (shared by a cluster). */
export class SettingsRepository {
  constructor(private readonly db: Db) {}

  findSetting = async (key: string): Promise<string | undefined> =>
    (await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;

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
}
