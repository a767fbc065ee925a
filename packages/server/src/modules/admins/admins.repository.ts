import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { exclusiveWriteLock, type DialectName } from '../../db/dialect.js';
import type { ApiTokensTable } from '../../db/types.js';
import { transaction } from '../../db/transaction.js';

export interface AdminRow {
  id: number;
  username: string;
  domain: string | null;
  superuser: number;
  disabled: number;
  general_rights: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
}

export type ApiTokenRow = Omit<ApiTokensTable, 'id'> & { id: number };

const ADMIN_COLUMNS = [
  'id',
  'username',
  'domain',
  'superuser',
  'disabled',
  'general_rights',
  'password_hash',
  'created_at',
  'updated_at',
] as const;

/** Administrator accounts (table `users`), their password history and API tokens. */
export class AdminsRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
  ) {}

  /** Runs `fn` in a transaction in which account changes of other callers wait (last-superuser checks); `fn` may run more than once (db/transaction.ts). */
  inAccountsTransaction = <T>(fn: (trx: Db) => Promise<T>): Promise<T> =>
    transaction(this.db, async (trx) => {
      const lock = exclusiveWriteLock(this.dialect, 'users');
      if (lock) await lock.execute(trx);
      return fn(trx);
    });

  listAdmins = async (q: { limit: number; afterId: number | null }): Promise<AdminRow[]> => {
    let query = this.db.selectFrom('users').select(ADMIN_COLUMNS).orderBy('id').limit(q.limit);
    if (q.afterId !== null) query = query.where('id', '>', q.afterId);
    return (await query.execute()) as AdminRow[];
  };

  findAdminById = async (id: number, db: Db = this.db): Promise<AdminRow | undefined> =>
    (await db.selectFrom('users').select(ADMIN_COLUMNS).where('id', '=', id).executeTakeFirst()) as AdminRow | undefined;

  insertAdmin = async (
    a: { username: string; domain: string | null; passwordHash: string; superuser: boolean; generalRights: string[]; now: number },
    db: Db = this.db,
  ): Promise<number> => {
    const row = await db
      .insertInto('users')
      .values({
        username: a.username,
        domain: a.domain,
        password_hash: a.passwordHash,
        role: a.superuser ? 'superuser' : 'viewer',
        superuser: a.superuser ? 1 : 0,
        general_rights: JSON.stringify(a.generalRights),
        created_at: a.now,
        updated_at: a.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  };

  updateAdmin = async (
    id: number,
    c: { username?: string; superuser?: boolean; disabled?: boolean; generalRights?: string[]; now: number },
    db: Db = this.db,
  ): Promise<void> => {
    await db
      .updateTable('users')
      .set({
        updated_at: c.now,
        ...(c.username !== undefined ? { username: c.username } : {}),
        ...(c.superuser !== undefined ? { superuser: c.superuser ? 1 : 0, role: c.superuser ? 'superuser' : 'viewer' } : {}),
        ...(c.disabled !== undefined ? { disabled: c.disabled ? 1 : 0 } : {}),
        ...(c.generalRights !== undefined ? { general_rights: JSON.stringify(c.generalRights) } : {}),
      })
      .where('id', '=', id)
      .execute();
  };

  /** Its entries in access lists go with it (no foreign key); call inside a transaction. */
  deleteAdmin = async (id: number, db: Db = this.db): Promise<void> => {
    await db.deleteFrom('users').where('id', '=', id).execute();
    await db.deleteFrom('access_entries').where('principal_type', '=', 'admin').where('principal_id', '=', id).execute();
  };

  /** Enabled superusers other than `exceptId`. */
  countOtherActiveSuperusers = async (exceptId: number, db: Db = this.db): Promise<number> => {
    const r = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('superuser', '=', 1)
      .where('disabled', '=', 0)
      .where('id', '<>', exceptId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };

  /** The newest `limit` earlier password hashes of an account. */
  listPasswordHistory = async (userId: number, limit: number): Promise<string[]> =>
    limit <= 0
      ? []
      : (
          await this.db
            .selectFrom('admin_password_history')
            .select('password_hash')
            .where('user_id', '=', userId)
            .orderBy('id', 'desc')
            .limit(limit)
            .execute()
        ).map((r) => r.password_hash);

  /** Sets a new password, moving the old hash into the history (keeping the newest `keep`); in the caller's transaction. */
  replacePassword = async (userId: number, oldHash: string, newHash: string, keep: number, now: number, trx: Db): Promise<void> => {
    await trx.insertInto('admin_password_history').values({ user_id: userId, password_hash: oldHash, created_at: now }).execute();
    await trx.updateTable('users').set({ password_hash: newHash, updated_at: now }).where('id', '=', userId).execute();
    const kept = trx
      .selectFrom('admin_password_history')
      .select('id')
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .limit(Math.max(keep, 1));
    await trx.deleteFrom('admin_password_history').where('user_id', '=', userId).where('id', 'not in', kept).execute();
  };

  insertApiToken = async (
    t: {
      userId: number;
      name: string;
      prefix: string;
      tokenHash: string;
      now: number;
      expiresAt: number | null;
    },
    db: Db = this.db,
  ) => {
    const row = await db
      .insertInto('api_tokens')
      .values({ user_id: t.userId, name: t.name, prefix: t.prefix, token_hash: t.tokenHash, created_at: t.now, expires_at: t.expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  };

  listApiTokens = async (userId: number): Promise<ApiTokenRow[]> =>
    (await this.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').execute()) as ApiTokenRow[];

  findApiToken = async (userId: number, tokenId: number, db: Db = this.db): Promise<ApiTokenRow | undefined> =>
    (await db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).where('id', '=', tokenId).executeTakeFirst()) as
      ApiTokenRow | undefined;

  revokeApiToken = async (tokenId: number, now: number, db: Db = this.db): Promise<void> => {
    await db
      .updateTable('api_tokens')
      .set({ revoked_at: sql<number>`coalesce(revoked_at, ${now})` })
      .where('id', '=', tokenId)
      .execute();
  };
}
