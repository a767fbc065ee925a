import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, ROLE_PERMISSIONS, type Permission } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';
import type { LoginLimiter } from './login-limiter.js';
import type { AuthRepository, SessionWithUser } from './auth.repository.js';

export interface AuthenticatedSession extends SessionWithUser {
  permissions: ReadonlySet<Permission>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Sessions are re-read from the database at most this often per process. */
const SESSION_CACHE_MS = 5_000;
const SESSION_CACHE_MAX = 10_000;

export class AuthService {
  private readonly cache = new Map<string, { session: AuthenticatedSession | null; until: number }>();
  // Verifying against a real hash when the user does not exist keeps timing from telling.
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly repo: AuthRepository,
    private readonly limiter: LoginLimiter,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number,
    /** Tells the other server processes, which drop the sessions from their caches at once. */
    private readonly onSessionsEnded: (sessionIds: number[]) => void = () => undefined,
  ) {}

  /** Creates the first administrator when there is none; returns the password if generated. */
  async ensureInitialAdmin(configuredPassword: string | undefined): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.repo.countUsers()) > 0) return { created: false };
    const password = configuredPassword || generatePassword();
    await this.repo.createUser({ username: 'admin', passwordHash: await hashPassword(password), role: 'superuser', now: this.clock.now() });
    return configuredPassword ? { created: true } : { created: true, generatedPassword: password };
  }

  async login(username: string, password: string, clientAddress: string) {
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
    const user = await this.repo.findUserByUsername(username);
    const ok = user
      ? await verifyPassword(password, user.password_hash)
      : (await verifyPassword(password, await (this.dummyHash ??= hashPassword(randomBytes(8).toString('hex')))), false);
    if (!user || !ok) {
      for (const k of keys) await this.limiter.fail(k);
      throw new AppError(ErrorCode.InvalidCredentials, 'Wrong user name or password');
    }
    for (const k of keys) await this.limiter.succeed(k);
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + this.sessionTtlMs;
    // Like the session token, the CSRF token is stored only as a hash: a leaked database or
    // backup gives neither. The browser gets the plain token (cookie and body) once, here.
    await this.repo.createSession({ tokenHash: sha256(token), csrfTokenHash: sha256(csrfToken), userId: user.id, now, expiresAt });
    return { token, csrfToken, expiresAt, user: { id: user.id, username: user.username, role: user.role } };
  }

  /** The session a token belongs to, or null when unknown or expired. */
  async authenticate(token: string): Promise<AuthenticatedSession | null> {
    const now = this.clock.now();
    const hash = sha256(token);
    const cached = this.cache.get(hash);
    let session: AuthenticatedSession | null;
    if (cached && cached.until > now) {
      session = cached.session;
    } else {
      const found = await this.repo.findSessionByTokenHash(hash);
      session = found ? { ...found, permissions: new Set(ROLE_PERMISSIONS[found.user.role] ?? []) } : null;
      if (this.cache.size >= SESSION_CACHE_MAX) this.cache.clear();
      this.cache.set(hash, { session, until: now + SESSION_CACHE_MS });
    }
    if (!session || session.expiresAt <= now) return null;
    return session;
  }

  /** Whether `candidate` is the session's CSRF token; compared by hash, in constant time. */
  csrfMatches(session: SessionWithUser, candidate: unknown): boolean {
    if (typeof candidate !== 'string' || candidate.length === 0) return false;
    const expected = Buffer.from(session.csrfTokenHash, 'hex');
    const actual = createHash('sha256').update(candidate).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  async logout(token: string): Promise<void> {
    const hash = sha256(token);
    const cached = this.cache.get(hash)?.session;
    this.cache.delete(hash);
    await this.repo.deleteSessionByTokenHash(hash);
    if (cached) this.onSessionsEnded([cached.sessionId]);
  }

  /** Sessions ended on another process: drop them from this process's cache. */
  forget(sessionIds: readonly number[]): void {
    const ids = new Set(sessionIds);
    for (const [hash, entry] of this.cache) if (entry.session && ids.has(entry.session.sessionId)) this.cache.delete(hash);
  }

  purgeExpiredSessions(): Promise<number> {
    return this.repo.deleteExpiredSessions(this.clock.now());
  }
}
