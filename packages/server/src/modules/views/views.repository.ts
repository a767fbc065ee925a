import type { RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import { devicesWithPresence } from '../devices/device-rows.js';

export class ViewsRepository {
  constructor(readonly db: Db) {}

  /** How many devices meet `where` (criteria and access condition on unqualified columns). */
  countMatchingDevices = async (where: RawBuilder<boolean>): Promise<number> => {
    const r = await devicesWithPresence(this.db)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(where)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
}
