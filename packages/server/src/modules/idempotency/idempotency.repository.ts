import type { Db } from '../../db/database.js';

export interface StoredAnswer {
  route: string;
  requestHash: string;
  status: number;
  response: string;
  createdAt: number;
}

export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  findAnswer = async (principal: string, key: string, notBefore: number): Promise<StoredAnswer | undefined> => {
    const r = await this.db
      .selectFrom('idempotency_keys')
      .select(['route', 'request_hash', 'status', 'response', 'created_at'])
      .where('principal', '=', principal)
      .where('idempotency_key', '=', key)
      .where('created_at', '>=', notBefore)
      .executeTakeFirst();
    return (
      r && { route: r.route, requestHash: r.request_hash, status: Number(r.status), response: r.response, createdAt: Number(r.created_at) }
    );
  };

  /**
   * Stores an answer in the change's transaction. False when the key is taken: a concurrent
   * request with the same key committed first (PostgreSQL waits for it), or an expired entry
   * was not purged yet (it is replaced).
   */
  insertAnswer = async (
    trx: Db,
    row: {
      principal: string;
      key: string;
      route: string;
      requestHash: string;
      status: number;
      response: string;
      createdAt: number;
      notBefore: number;
    },
  ): Promise<boolean> => {
    await trx
      .deleteFrom('idempotency_keys')
      .where('principal', '=', row.principal)
      .where('idempotency_key', '=', row.key)
      .where('created_at', '<', row.notBefore)
      .execute();
    const r = await trx
      .insertInto('idempotency_keys')
      .values({
        principal: row.principal,
        idempotency_key: row.key,
        route: row.route,
        request_hash: row.requestHash,
        status: row.status,
        response: row.response,
        created_at: row.createdAt,
      })
      .onConflict((oc) => oc.columns(['principal', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  };

  deleteAnswersBefore = async (before: number): Promise<number> =>
    Number((await this.db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst()).numDeletedRows);
}
