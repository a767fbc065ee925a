import type { Db } from '../../db/database.js';

export interface UserRow {
  id: number;
  username: string;
  role: string;
  password_hash: string;
}

export interface SessionWithUser {
  sessionId: number;
  /** SHA-256 (hex) of the session's CSRF token. */
  csrfTokenHash: string;
  expiresAt: number;
  user: { id: number; username: string; role: string };
}

export class AuthRepository {
  constructor(private readonly db: Db) {}

  countUsers = async (): Promise<number> => {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  createUser = async (u: { username: string; passwordHash: string; role: string; now: number }): Promise<number> => {
    const row = await this.db
      .insertInto('users')
      .values({ username: u.username, password_hash: u.passwordHash, role: u.role, created_at: u.now, updated_at: u.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  };

  findUserByUsername = (username: string): Promise<UserRow | undefined> =>
    this.db.selectFrom('users').select(['id', 'username', 'role', 'password_hash']).where('username', '=', username).executeTakeFirst();

  createSession = async (s: { tokenHash: string; csrfTokenHash: string; userId: number; now: number; expiresAt: number }) => {
    await this.db
      .insertInto('sessions')
      .values({ token_hash: s.tokenHash, csrf_token_hash: s.csrfTokenHash, user_id: s.userId, created_at: s.now, expires_at: s.expiresAt })
      .execute();
  };

  findSessionByTokenHash = async (tokenHash: string): Promise<SessionWithUser | undefined> => {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id as sid', 'sessions.csrf_token_hash', 'sessions.expires_at', 'users.id as uid', 'users.username', 'users.role'])
      .where('sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      sessionId: Number(row.sid),
      csrfTokenHash: row.csrf_token_hash,
      expiresAt: Number(row.expires_at),
      user: { id: Number(row.uid), username: row.username, role: row.role },
    };
  };

  deleteSessionByTokenHash = async (tokenHash: string): Promise<void> => {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  };

  deleteExpiredSessions = async (now: number): Promise<number> => {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  };
}
