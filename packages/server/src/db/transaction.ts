import type { Kysely, Transaction } from 'kysely';
import { isTransactionConflict } from './errors.js';

/** Attempts in all before a conflict reaches the caller (then 503 DATABASE_CONFLICT on a request). */
const ATTEMPTS = 4;

/**
 * Runs `work` in one transaction. On PostgreSQL a deadlock or a serialization failure rolls the
 * whole transaction back (ADR 0013): the loser of such a lock cycle is run again from the start,
 * after a short random pause, instead of failing its request or batch — the other transaction
 * has committed or gone by then.
 *
 * The contract of `work`: everything it does goes through `trx`, or is reset at its start. Values
 * it collects in variables of its caller (ids, counters, entries for after the commit) must be
 * created inside it, so that a second run does not see the first run's leftovers. SQLite has one
 * writer at a time and never reports either error, so there `work` runs exactly once.
 */
export async function transaction<DB, T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      if (!isTransactionConflict(err) || attempt >= ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * attempt));
    }
  }
}
