import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { transaction } from '../../db/transaction.js';

export interface UserRow {
  id: number;
  username: string;
  role: string;
  password_hash: string;
  disabled: number;
}

/** The account behind a session or an API token, as authentication needs it. */
export interface AccountState {
  id: number;
  username: string;
  role: string;
  superuser: boolean;
  disabled: boolean;
  /** The account's own general rights (JSON names, unchecked). */
  generalRights: string[];
}

export interface SessionWithUser {
  sessionId: number;
  /** SHA-256 (hex) of the session's CSRF token. */
  csrfTokenHash: string;
  expiresAt: number;
  user: { id: number; username: string; role: string };
}

export interface ApiTokenWithUser {
  tokenId: number;
  tokenHash: string;
  expiresAt: number | null;
  revokedAt: number | null;
  account: AccountState;
}

const ACCOUNT_COLUMNS = [
  'users.id as uid',
  'users.username',
  'users.role',
  'users.superuser',
  'users.disabled',
  'users.general_rights',
] as const;

function toAccount(row: { uid: number; username: string; role: string; superuser: number; disabled: number; general_rights: string }) {
  return {
    id: Number(row.uid),
    username: row.username,
    role: row.role,
    superuser: Number(row.superuser) === 1,
    disabled: Number(row.disabled) === 1,
    generalRights: parseRights(row.general_rights),
  };
}

export function parseRights(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export class AuthRepository {
  /** Public so a use case can begin the transaction it passes down (login, logout). */
  constructor(readonly db: Db) {}

  countUsers = async (): Promise<number> => {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  createUser = async (u: { username: string; passwordHash: string; role: string; now: number; superuser?: boolean }): Promise<number> => {
    const superuser = u.superuser ?? u.role === 'superuser';
    const row = await this.db
      .insertInto('users')
      .values({
        username: u.username,
        password_hash: u.passwordHash,
        role: u.role,
        superuser: superuser ? 1 : 0,
        created_at: u.now,
        updated_at: u.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  };

  /** A local account (no LDAP domain) by its user name. */
  findUserByUsername = (username: string): Promise<UserRow | undefined> =>
    this.db
      .selectFrom('users')
      .select(['id', 'username', 'role', 'password_hash', 'disabled'])
      .where('username', '=', username)
      .where('domain', 'is', null)
      .executeTakeFirst();

  createSession = async (
    s: { tokenHash: string; csrfTokenHash: string; userId: number; now: number; expiresAt: number },
    db: Db = this.db,
  ) => {
    await db
      .insertInto('sessions')
      .values({ token_hash: s.tokenHash, csrf_token_hash: s.csrfTokenHash, user_id: s.userId, created_at: s.now, expires_at: s.expiresAt })
      .execute();
  };

  findSessionByTokenHash = async (tokenHash: string): Promise<(SessionWithUser & { account: AccountState }) | undefined> => {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id as sid', 'sessions.csrf_token_hash', 'sessions.expires_at', ...ACCOUNT_COLUMNS])
      .where('sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    const account = toAccount(row);
    return {
      sessionId: Number(row.sid),
      csrfTokenHash: row.csrf_token_hash,
      expiresAt: Number(row.expires_at),
      user: { id: account.id, username: account.username, role: account.role },
      account,
    };
  };

  findApiTokenByPrefix = async (prefix: string): Promise<ApiTokenWithUser | undefined> => {
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.id as tid', 'api_tokens.token_hash', 'api_tokens.expires_at', 'api_tokens.revoked_at', ...ACCOUNT_COLUMNS])
      .where('api_tokens.prefix', '=', prefix)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      tokenId: Number(row.tid),
      tokenHash: row.token_hash,
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
      revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
      account: toAccount(row),
    };
  };

  /** General rights of every group the account is in, directly or through nested groups. */
  listGroupRights = async (userId: number): Promise<string[]> => {
    // `union` (not `union all`) stops on a loop, should one ever exist.
    const r = await sql<{ general_rights: string }>`
      with recursive g(id) as (
        select group_id from admin_group_members where member_admin_id = ${userId}
        union
        select m.group_id from admin_group_members m join g on m.member_group_id = g.id
      )
      select general_rights from admin_groups where id in (select id from g)`.execute(this.db);
    return r.rows.flatMap((row) => parseRights(row.general_rights));
  };

  listSessionIdsOfUsers = async (userIds: number[]): Promise<number[]> =>
    userIds.length
      ? (await this.db.selectFrom('sessions').select('id').where('user_id', 'in', userIds).execute()).map((r) => Number(r.id))
      : [];

  deleteSessionsOfUser = async (userId: number, exceptSessionId?: number): Promise<number[]> => {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptSessionId !== undefined) q = q.where('id', '<>', exceptSessionId);
    return (await q.returning('id').execute()).map((r) => Number(r.id));
  };

  /** Records when tokens were last used (collected in memory, written in one transaction). */
  touchApiTokens = async (batch: Array<[number, number]>): Promise<void> => {
    await transaction(this.db, async (trx) => {
      for (const [id, at] of batch) await trx.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    });
  };

  /** Whether a session was deleted. */
  deleteSessionByTokenHash = async (tokenHash: string, db: Db = this.db): Promise<boolean> => {
    const r = await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  };

  deleteExpiredSessions = async (now: number): Promise<number> => {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  };
}
