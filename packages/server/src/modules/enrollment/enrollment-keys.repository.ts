import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { EnrollmentKeysTable } from '../../db/types.js';
import { transaction } from '../../db/transaction.js';

export type EnrollmentKeyRow = Selectable<EnrollmentKeysTable> & { id: number };

export class EnrollmentKeysRepository {
  /** Public so a use case can begin the transaction it passes down. */
  constructor(readonly db: Db) {}

  insertKeys = async (rows: Insertable<EnrollmentKeysTable>[], db: Db = this.db): Promise<number[]> => {
    const out = await db.insertInto('enrollment_keys').values(rows).returning('id').execute();
    return out.map((r) => Number(r.id));
  };

  findKeyById = async (id: number, db: Db = this.db): Promise<EnrollmentKeyRow | undefined> =>
    (await db.selectFrom('enrollment_keys').selectAll().where('id', '=', id).executeTakeFirst()) as EnrollmentKeyRow | undefined;

  findKeyByLookup = async (lookup: string, db: Db = this.db): Promise<EnrollmentKeyRow | undefined> =>
    (await db.selectFrom('enrollment_keys').selectAll().where('lookup', '=', lookup).executeTakeFirst()) as EnrollmentKeyRow | undefined;

  listKeys = async (q: { limit: number; afterId: number | null }): Promise<EnrollmentKeyRow[]> => {
    let query = this.db.selectFrom('enrollment_keys').selectAll().orderBy('id', 'desc').limit(q.limit);
    if (q.afterId !== null) query = query.where('id', '<', q.afterId);
    return (await query.execute()) as EnrollmentKeyRow[];
  };

  setDisabled = async (id: number, disabled: boolean, db: Db = this.db): Promise<boolean> => {
    const r = await db
      .updateTable('enrollment_keys')
      .set({ disabled: disabled ? 1 : 0 })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  };

  deleteKey = async (id: number, db: Db = this.db): Promise<boolean> => {
    const r = await db.deleteFrom('enrollment_keys').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  };

  /** Adds uses counted in memory (keys without a maximum), one statement per key. */
  addUses = async (batch: Array<[number, { n: number; last: number }]>): Promise<void> => {
    await transaction(this.db, async (trx) => {
      for (const [id, { n, last }] of batch) {
        await trx
          .updateTable('enrollment_keys')
          .set((eb) => ({ uses: eb('uses', '+', n), last_used_at: last }))
          .where('id', '=', id)
          .execute();
      }
    });
  };

  /** Uses the key once, atomically: false when another enrollment took the last use first. */
  consumeKey = async (id: number, now: number, db: Db = this.db): Promise<boolean> => {
    const r = await db
      .updateTable('enrollment_keys')
      .set((eb) => ({ uses: eb('uses', '+', 1), last_used_at: now }))
      .where('id', '=', id)
      .where('disabled', '=', 0)
      .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  };
}
