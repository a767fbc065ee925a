import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ALL_GENERAL_RIGHTS, ErrorCode, type GeneralRight } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';
import type { LoginLimiter } from './login-limiter.js';
import type { AccountState, AuthRepository, SessionWithUser, UserRow } from './auth.repository.js';
import { parseApiToken } from './api-token-format.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DirectoryLogin } from './directory-login.js';
import { transaction } from '../../db/transaction.js';

export interface AuthenticatedSession extends SessionWithUser {
  superuser: boolean;
  /** Own and group general rights (all of them for a superuser). */
  generalRights: readonly GeneralRight[];
  /** Set when the request carries an API token rather than a login session. */
  tokenId: number | null;
}

interface CacheEntry {
  session: AuthenticatedSession | null;
  disabled: boolean;
  revokedAt: number | null;
  until: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Sessions and tokens are re-read from the database at most this often per process. */
const SESSION_CACHE_MS = 5_000;
const SESSION_CACHE_MAX = 10_000;
/** Token use times are written at most this often (per process), not once per request. */
const TOKEN_TOUCH_MS = 60_000;

export class AuthService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly touches = new Map<number, number>();
  private lastTouchFlush = 0;
  // Verifying against a real hash when the user does not exist keeps timing from telling.
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly repo: AuthRepository,
    private readonly limiter: LoginLimiter,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number,
    /** Logins, failed logins and logouts are recorded (a session with its entry, in one transaction). */
    private readonly audit: Pick<AuditLog, 'record'>,
    /** Tells the other server processes, which drop the sessions from their caches at once. */
    private readonly onSessionsEnded: (sessionIds: number[]) => void = () => undefined,
    /** Tells the other processes that these accounts changed (rights, disabled, tokens). */
    private readonly onAccountsChanged: (userIds: number[]) => void = () => undefined,
    /** Directory (LDAP) logins; local accounts only when absent. */
    private readonly directory: DirectoryLogin | null = null,
  ) {}

  /** Creates the first administrator (a superuser) when there is none; returns the password if generated. */
  async ensureInitialAdmin(configuredPassword: string | undefined): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.repo.countUsers()) > 0) return { created: false };
    const password = configuredPassword || generatePassword();
    await this.repo.createUser({
      username: 'admin',
      passwordHash: await hashPassword(password),
      role: 'superuser',
      superuser: true,
      now: this.clock.now(),
    });
    return configuredPassword ? { created: true } : { created: true, generatedPassword: password };
  }

  async login(username: string, password: string, clientAddress: string) {
    // Rate-limited attempts are refused before any password is checked and are not recorded:
    // a flood would otherwise write one entry per request (the limiter's own rows record it).
    const keys = [`ip:${clientAddress}`, `user:${username.toLowerCase()}`];
    const wait = Math.max(...(await Promise.all(keys.map((k) => this.limiter.retryAfter(k)))));
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError(
        ErrorCode.RateLimited,
        `Too many failed logins; try again in ${seconds} s`,
        { retryAfterSeconds: seconds },
        {
          'retry-after': String(seconds),
        },
      );
    }
    // A name that points into a configured directory domain is checked there, never locally.
    const target = this.directory ? await this.directory.match(username) : null;
    const user = target !== null ? await this.directoryUser(target, password, keys) : await this.repo.findUserByUsername(username);
    const ok = user
      ? target !== null || (await verifyPassword(password, user.password_hash))
      : (await verifyPassword(password, await (this.dummyHash ??= hashPassword(randomBytes(8).toString('hex')))), false);
    const address: AuditContext = { actor: null, address: clientAddress };
    // The name tried is recorded, never the password.
    const failed = (reason: string, id: number | null) =>
      this.audit.record(this.repo.db, {
        by: address,
        action: 'auth.login-failed',
        object: { type: 'admin', id, name: username },
        after: { reason },
        result: 'failure',
      });
    if (!user || !ok) {
      for (const k of keys) await this.limiter.fail(k);
      await failed(user ? 'wrong-password' : 'unknown-user', user ? Number(user.id) : null);
      throw new AppError(ErrorCode.InvalidCredentials, 'Wrong user name or password');
    }
    for (const k of keys) await this.limiter.succeed(k);
    // Only after the password: a guess does not learn whether an account exists or is disabled.
    if (Number(user.disabled) === 1) {
      await failed('account-disabled', Number(user.id));
      throw new AppError(ErrorCode.AccountDisabled, 'This account is disabled');
    }
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + this.sessionTtlMs;
    // Like the session token, the CSRF token is stored only as a hash: a leaked database or
    // backup gives neither. The browser gets the plain token (cookie and body) once, here.
    await transaction(this.repo.db, async (trx) => {
      await this.repo.createSession({ tokenHash: sha256(token), csrfTokenHash: sha256(csrfToken), userId: user.id, now, expiresAt }, trx);
      await this.audit.record(trx, {
        by: { actor: { id: Number(user.id), name: user.username, via: 'session', tokenId: null }, address: clientAddress },
        action: 'auth.login',
        object: { type: 'admin', id: Number(user.id), name: user.username },
      });
    });
    return { token, csrfToken, expiresAt, user: { id: user.id, username: user.username, role: user.role } };
  }

  /**
   * A directory login: the directory checks the password (a wrong one counts towards the same
   * blocks as local ones). The account as the local path continues with it.
   */
  private async directoryUser(target: unknown, password: string, keys: string[]): Promise<UserRow> {
    const r = await this.directory!.authenticate(target, password);
    if (r.status === 'bad-password') {
      for (const k of keys) await this.limiter.fail(k);
      throw new AppError(ErrorCode.InvalidCredentials, 'Wrong user name or password');
    }
    // Only after the password, like a disabled local account.
    if (r.status === 'not-imported' || r.status === 'disabled') {
      for (const k of keys) await this.limiter.succeed(k);
      if (r.status === 'not-imported' && r.changedUserId !== null) this.accountsChanged([r.changedUserId]);
      throw r.status === 'disabled'
        ? new AppError(ErrorCode.AccountDisabled, 'This account is disabled in the directory')
        : new AppError(ErrorCode.LdapNotImported, 'Neither this directory account nor any of its groups is imported');
    }
    // Group memberships follow the directory: cached sessions of the account see them at once.
    if (r.changed) this.accountsChanged([r.user.id]);
    return { ...r.user, password_hash: '', disabled: r.disabled ? 1 : 0 };
  }

  /**
   * The session or API token a bearer/cookie token belongs to, or null when unknown or expired.
   * Throws ACCOUNT_DISABLED, TOKEN_REVOKED, TOKEN_EXPIRED for a known credential that may not be used.
   */
  async authenticate(token: string): Promise<AuthenticatedSession | null> {
    const now = this.clock.now();
    const hash = sha256(token);
    let entry = this.cache.get(hash);
    if (!entry || entry.until <= now) {
      entry = { ...(await this.load(token, hash)), until: now + SESSION_CACHE_MS };
      if (this.cache.size >= SESSION_CACHE_MAX) this.cache.clear();
      this.cache.set(hash, entry);
    }
    const { session } = entry;
    if (!session) return null;
    if (session.tokenId !== null) {
      if (entry.revokedAt !== null) throw new AppError(ErrorCode.TokenRevoked, 'This API token was revoked');
      if (session.expiresAt <= now) throw new AppError(ErrorCode.TokenExpired, 'This API token has expired');
    } else if (session.expiresAt <= now) {
      return null;
    }
    if (entry.disabled) throw new AppError(ErrorCode.AccountDisabled, 'This account is disabled');
    if (session.tokenId !== null) await this.touch(session.tokenId, now);
    return session;
  }

  private async load(token: string, hash: string): Promise<Omit<CacheEntry, 'until'>> {
    const api = parseApiToken(token);
    if (api) {
      const found = await this.repo.findApiTokenByPrefix(api.prefix);
      if (!found || !hashEquals(found.tokenHash, hash)) return { session: null, disabled: false, revokedAt: null };
      const session = await this.withRights(found.account, {
        sessionId: 0,
        csrfTokenHash: '',
        expiresAt: found.expiresAt ?? Number.MAX_SAFE_INTEGER,
        tokenId: found.tokenId,
      });
      return { session, disabled: found.account.disabled, revokedAt: found.revokedAt };
    }
    const found = await this.repo.findSessionByTokenHash(hash);
    if (!found) return { session: null, disabled: false, revokedAt: null };
    const session = await this.withRights(found.account, { ...found, tokenId: null });
    return { session, disabled: found.account.disabled, revokedAt: null };
  }

  private async withRights(
    account: AccountState,
    s: { sessionId: number; csrfTokenHash: string; expiresAt: number; tokenId: number | null },
  ): Promise<AuthenticatedSession> {
    const held = new Set(
      account.superuser ? ALL_GENERAL_RIGHTS : [...account.generalRights, ...(await this.repo.listGroupRights(account.id))],
    );
    // In the catalogue's order; names the catalogue no longer has are ignored.
    const generalRights = ALL_GENERAL_RIGHTS.filter((r) => held.has(r));
    return {
      sessionId: s.sessionId,
      csrfTokenHash: s.csrfTokenHash,
      expiresAt: s.expiresAt,
      user: { id: account.id, username: account.username, role: account.role },
      superuser: account.superuser,
      generalRights,
      tokenId: s.tokenId,
    };
  }

  private async touch(tokenId: number, now: number): Promise<void> {
    this.touches.set(tokenId, now);
    if (now - this.lastTouchFlush >= TOKEN_TOUCH_MS) await this.flushTokenUses();
  }

  /** Writes the collected token use times (also before a token list and at shutdown). */
  async flushTokenUses(): Promise<void> {
    this.lastTouchFlush = this.clock.now();
    if (!this.touches.size) return;
    const batch = [...this.touches];
    this.touches.clear();
    await this.repo.touchApiTokens(batch);
  }

  /** Whether `candidate` is the session's CSRF token; compared by hash, in constant time. */
  csrfMatches(session: SessionWithUser, candidate: unknown): boolean {
    if (typeof candidate !== 'string' || candidate.length === 0) return false;
    const expected = Buffer.from(session.csrfTokenHash, 'hex');
    const actual = createHash('sha256').update(candidate).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  async logout(token: string, by: AuditContext): Promise<void> {
    const hash = sha256(token);
    const cached = this.cache.get(hash)?.session;
    this.cache.delete(hash);
    // An API token is not ended by logout; it is revoked through its own route.
    if (cached?.tokenId) return;
    await transaction(this.repo.db, async (trx) => {
      if (!(await this.repo.deleteSessionByTokenHash(hash, trx))) return;
      const actor = by.actor;
      await this.audit.record(trx, {
        by,
        action: 'auth.logout',
        object: actor ? { type: 'admin', id: actor.id, name: actor.name } : null,
      });
    });
    if (cached) this.onSessionsEnded([cached.sessionId]);
  }

  /** Sessions ended on another process: drop them from this process's cache. */
  forget(sessionIds: readonly number[]): void {
    const ids = new Set(sessionIds);
    for (const [hash, entry] of this.cache) if (entry.session && ids.has(entry.session.sessionId)) this.cache.delete(hash);
  }

  /** Accounts changed (here or on another process): their next request re-reads them from the database. */
  forgetAccounts(userIds: readonly number[]): void {
    const ids = new Set(userIds);
    for (const [hash, entry] of this.cache) if (entry.session && ids.has(entry.session.user.id)) this.cache.delete(hash);
  }

  /** Call after committing a change to accounts (rights, disabled, group membership, tokens). */
  accountsChanged(userIds: readonly number[]): void {
    if (!userIds.length) return;
    this.forgetAccounts(userIds);
    this.onAccountsChanged([...userIds]);
  }

  /** Call after deleting sessions in the database (password reset, re-enabled account). */
  sessionsEnded(sessionIds: readonly number[]): void {
    if (!sessionIds.length) return;
    this.forget(sessionIds);
    this.onSessionsEnded([...sessionIds]);
  }

  purgeExpiredSessions(): Promise<number> {
    return this.repo.deleteExpiredSessions(this.clock.now());
  }
}

function hashEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
