import { createHash } from 'node:crypto';
import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  type Admin,
  type ApiToken,
  type CreateAdminRequest,
  type CreateApiTokenRequest,
  type CreatedApiToken,
  type UpdateAdminRequest,
} from '@openums/protocol';
import { isUniqueViolation } from '../../db/dialect.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { parseRights, type AuthRepository } from '../auth/auth.repository.js';
import type { AuthService } from '../auth/auth.service.js';
import type { LoginLimiter } from '../auth/login-limiter.js';
import { newApiToken } from '../auth/api-token-format.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import type { AdminRow, AdminsRepository, ApiTokenRow } from './admins.repository.js';
import type { PasswordPolicyService } from './password-policy.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** Active tokens one account may hold. */
const MAX_TOKENS = 100;

/** The acting administrator (from the request's session or token). */
export interface Actor {
  userId: number;
  sessionId: number;
}

export class AdminsService {
  constructor(
    private readonly repo: AdminsRepository,
    private readonly authRepo: AuthRepository,
    private readonly auth: AuthService,
    private readonly policy: PasswordPolicyService,
    private readonly limiter: LoginLimiter,
    private readonly clock: Clock,
    /** Every change to accounts, passwords and tokens is recorded in its transaction. */
    private readonly audit: AuditLog,
  ) {}

  async listAdmins(q: { limit?: number; cursor?: string }) {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const afterId = q.cursor ? (decodeCursor(q.cursor, 'admins', ['number'])[0] as number) : null;
    const rows = await this.repo.listAdmins({ limit: limit + 1, afterId });
    const { page, nextCursor } = toPage(rows, limit, 'admins', (r) => [r.id]);
    return { items: page.map(toAdmin), nextCursor };
  }

  async getAdmin(id: number): Promise<Admin> {
    return toAdmin(await this.requireAdmin(id));
  }

  async createAdmin(by: AuditContext, req: CreateAdminRequest): Promise<Admin> {
    await this.policy.check(req.password, []);
    const passwordHash = await hashPassword(req.password);
    try {
      const id = await this.repo.inAccountsTransaction(async (trx) => {
        const newId = await this.repo.insertAdmin(
          {
            username: req.username,
            domain: null,
            passwordHash,
            superuser: req.superuser,
            generalRights: req.generalRights ?? [],
            now: this.clock.now(),
          },
          trx,
        );
        const row = (await this.repo.findAdminById(newId, trx))!;
        await this.audit.record(trx, { by, action: 'admin.create', object: adminObject(row), after: accountOf(row) });
        return newId;
      });
      return this.getAdmin(id);
    } catch (err) {
      if (isUniqueViolation(err)) throw usernameTaken(req.username);
      throw err;
    }
  }

  async updateAdmin(actor: Actor, by: AuditContext, id: number, req: UpdateAdminRequest): Promise<Admin> {
    if (id === actor.userId && req.disabled === true) throw new AppError(ErrorCode.OwnAccount, 'You cannot disable your own account');
    let reenabled = false;
    try {
      await this.repo.inAccountsTransaction(async (trx) => {
        const before = await this.repo.findAdminById(id, trx);
        if (!before) throw notFound(ErrorCode.AdminNotFound, 'Administrator', id);
        const losesSuperuser = before.superuser === 1 && before.disabled === 0 && (req.superuser === false || req.disabled === true);
        if (losesSuperuser && (await this.repo.countOtherActiveSuperusers(id, trx)) === 0) {
          throw new AppError(ErrorCode.LastSuperuser, 'This is the last enabled superuser; make another superuser first');
        }
        reenabled = before.disabled === 1 && req.disabled === false;
        await this.repo.updateAdmin(id, { ...req, now: this.clock.now() }, trx);
        const after = (await this.repo.findAdminById(id, trx))!;
        // Rights, superuser and disabled changes are here with their before and after.
        const edit = changedFields(accountOf(before), accountOf(after));
        await this.audit.record(trx, { by, action: 'admin.update', object: adminObject(after), ...edit });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw usernameTaken(req.username ?? '');
      throw err;
    }
    // Sessions from before the account was disabled do not come back with it.
    if (reenabled) this.auth.sessionsEnded(await this.authRepo.deleteSessionsOfUser(id));
    this.auth.accountsChanged([id]);
    return this.getAdmin(id);
  }

  async deleteAdmin(actor: Actor, by: AuditContext, id: number): Promise<void> {
    if (id === actor.userId) throw new AppError(ErrorCode.OwnAccount, 'You cannot delete your own account');
    const sessions = await this.authRepo.listSessionIdsOfUsers([id]);
    await this.repo.inAccountsTransaction(async (trx) => {
      const before = await this.repo.findAdminById(id, trx);
      if (!before) throw notFound(ErrorCode.AdminNotFound, 'Administrator', id);
      if (before.superuser === 1 && before.disabled === 0 && (await this.repo.countOtherActiveSuperusers(id, trx)) === 0) {
        throw new AppError(ErrorCode.LastSuperuser, 'This is the last enabled superuser; make another superuser first');
      }
      await this.repo.deleteAdmin(id, trx);
      await this.audit.record(trx, { by, action: 'admin.delete', object: adminObject(before), before: accountOf(before) });
    });
    this.auth.sessionsEnded(sessions);
    this.auth.accountsChanged([id]);
  }

  /** A manager sets a new password; the account's sessions end (the caller's own session stays). */
  async resetPassword(actor: Actor, by: AuditContext, id: number, password: string): Promise<void> {
    const admin = await this.requireAdmin(id);
    await this.setPassword(admin, password, by, 'admin.password-reset');
    this.auth.sessionsEnded(await this.authRepo.deleteSessionsOfUser(id, id === actor.userId ? actor.sessionId : undefined));
  }

  /** An administrator changes their own password; their other sessions end. */
  async changeOwnPassword(actor: Actor, by: AuditContext, oldPassword: string, newPassword: string): Promise<void> {
    const admin = await this.requireAdmin(actor.userId);
    const key = `password:${admin.id}`;
    const wait = await this.limiter.retryAfter(key);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError(
        ErrorCode.RateLimited,
        `Too many wrong passwords; try again in ${seconds} s`,
        { retryAfterSeconds: seconds },
        {
          'retry-after': String(seconds),
        },
      );
    }
    if (!(await verifyPassword(oldPassword, admin.password_hash))) {
      await this.limiter.fail(key);
      throw new AppError(ErrorCode.WrongPassword, 'The current password is wrong');
    }
    await this.limiter.succeed(key);
    await this.setPassword(admin, newPassword, by, 'auth.password-change');
    this.auth.sessionsEnded(await this.authRepo.deleteSessionsOfUser(admin.id, actor.sessionId || undefined));
  }

  /** The entry names the account, never a password or hash. */
  private async setPassword(admin: AdminRow, password: string, by: AuditContext, action: string): Promise<void> {
    const policy = await this.policy.getPolicy();
    const history = await this.repo.listPasswordHistory(admin.id, policy.reuseCount - 1);
    await this.policy.check(password, [admin.password_hash, ...history], policy);
    const hash = await hashPassword(password);
    await this.repo.inAccountsTransaction(async (trx) => {
      await this.repo.replacePassword(admin.id, admin.password_hash, hash, Math.max(policy.reuseCount - 1, 1), this.clock.now(), trx);
      await this.audit.record(trx, { by, action, object: adminObject(admin) });
    });
  }

  async createToken(by: AuditContext, id: number, req: CreateApiTokenRequest): Promise<CreatedApiToken> {
    const admin = await this.requireAdmin(id);
    const now = this.clock.now();
    const expiresAt = req.expiresAt ? Date.parse(req.expiresAt) : null;
    if (expiresAt !== null && !(expiresAt > now)) {
      throw new AppError(ErrorCode.ValidationFailed, 'expiresAt must be in the future', { field: 'body.expiresAt' });
    }
    const active = (await this.repo.listApiTokens(id)).filter((t) => status(t, now) === 'active').length;
    if (active >= MAX_TOKENS) throw new AppError(ErrorCode.ValidationFailed, `An account may hold at most ${MAX_TOKENS} active tokens`);
    const { token, prefix } = newApiToken();
    const tokenHash = createHash('sha256').update(token).digest('hex');
    const row = await this.repo.inAccountsTransaction(async (trx) => {
      const tokenId = await this.repo.insertApiToken({ userId: id, name: req.name, prefix, tokenHash, now, expiresAt }, trx);
      const created = (await this.repo.findApiToken(id, tokenId, trx))!;
      // The token itself is shown once to the caller, never recorded (toToken has only its prefix).
      await this.audit.record(trx, { by, action: 'api-token.create', object: tokenObject(created, admin), after: toToken(created, now) });
      return created;
    });
    return { ...toToken(row, now), token };
  }

  async listTokens(id: number): Promise<{ items: ApiToken[] }> {
    await this.requireAdmin(id);
    await this.auth.flushTokenUses();
    const now = this.clock.now();
    return { items: (await this.repo.listApiTokens(id)).map((t) => toToken(t, now)) };
  }

  async revokeToken(by: AuditContext, id: number, tokenId: number): Promise<void> {
    const admin = await this.requireAdmin(id);
    const now = this.clock.now();
    await this.repo.inAccountsTransaction(async (trx) => {
      const before = await this.repo.findApiToken(id, tokenId, trx);
      if (!before) throw notFound(ErrorCode.ApiTokenNotFound, 'API token', tokenId);
      await this.repo.revokeApiToken(tokenId, now, trx);
      const after = (await this.repo.findApiToken(id, tokenId, trx))!;
      await this.audit.record(trx, {
        by,
        action: 'api-token.revoke',
        object: tokenObject(before, admin),
        before: toToken(before, now),
        after: toToken(after, now),
      });
    });
    this.auth.accountsChanged([id]);
  }

  private async requireAdmin(id: number): Promise<AdminRow> {
    const admin = await this.repo.findAdminById(id);
    if (!admin) throw notFound(ErrorCode.AdminNotFound, 'Administrator', id);
    return admin;
  }
}

const usernameTaken = (username: string) =>
  new AppError(ErrorCode.UsernameTaken, `The user name ${JSON.stringify(username.slice(0, 128))} is taken`, { field: 'body.username' });

const adminObject = (r: AdminRow) => ({ type: 'admin', id: Number(r.id), name: r.username });
/** A token is named after its account: "alice: deploy script". */
const tokenObject = (t: ApiTokenRow, owner: AdminRow) => ({ type: 'api-token', id: Number(t.id), name: `${owner.username}: ${t.name}` });

/** What an audit entry shows of an account (no password hash, no timestamps). */
function accountOf(r: AdminRow): Record<string, unknown> {
  const { username, domain, superuser, disabled, generalRights } = toAdmin(r);
  return { username, domain, superuser, disabled, generalRights };
}

function toAdmin(r: AdminRow): Admin {
  return {
    id: Number(r.id),
    username: r.username,
    domain: r.domain,
    superuser: Number(r.superuser) === 1,
    disabled: Number(r.disabled) === 1,
    generalRights: parseRights(r.general_rights),
    createdAt: iso(Number(r.created_at))!,
    updatedAt: iso(Number(r.updated_at))!,
  };
}

function status(t: ApiTokenRow, now: number): 'active' | 'expired' | 'revoked' {
  if (t.revoked_at !== null) return 'revoked';
  if (t.expires_at !== null && Number(t.expires_at) <= now) return 'expired';
  return 'active';
}

function toToken(t: ApiTokenRow, now: number): ApiToken {
  return {
    id: Number(t.id),
    name: t.name,
    prefix: `oat_${t.prefix}`,
    expiresAt: iso(t.expires_at === null ? null : Number(t.expires_at)),
    lastUsedAt: iso(t.last_used_at === null ? null : Number(t.last_used_at)),
    revokedAt: iso(t.revoked_at === null ? null : Number(t.revoked_at)),
    createdAt: iso(Number(t.created_at))!,
    status: status(t, now),
  };
}
