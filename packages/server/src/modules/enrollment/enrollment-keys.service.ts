import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  type CreateEnrollmentKeysRequest,
  type EnrollmentKey,
  type EnrollmentSettings,
} from '@openums/protocol';
import { AppError, notFound } from '../../lib/errors.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import type { Db } from '../../db/database.js';
import { BatchWriter } from '../../lib/batch-writer.js';
import type { DeviceFoldersService } from '../device-folders/device-folders.service.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import type { EnrollmentKeyRow, EnrollmentKeysRepository } from './enrollment-keys.repository.js';
import { csvCell } from '../../lib/csv.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';
import { transaction } from '../../db/transaction.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Key format `oek_<lookup>_<secret>`: the lookup finds the row, only the secret's hash is stored. */
const KEY_PATTERN = /^oek_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export type KeyCheck = { ok: true; key: EnrollmentKeyRow } | { ok: false; reason: string };

export class EnrollmentKeysService {
  /** Uses of unlimited keys, counted in memory and added in batches (see `use`). */
  private readonly unlimitedUses: BatchWriter<number, { n: number; last: number }>;

  constructor(
    private readonly repo: EnrollmentKeysRepository,
    private readonly folders: DeviceFoldersService,
    private readonly settings: SettingsRepository,
    private readonly clock: Clock,
    /** Creations, changes and deletions of keys and the enrollment settings are recorded in their transaction. */
    private readonly audit: AuditLog,
  ) {
    this.unlimitedUses = new BatchWriter('enrollment-key-uses', (b) => this.repo.addUses(b), 1000, null);
  }

  start(): void {
    this.unlimitedUses.start();
  }
  stop(): Promise<void> {
    return this.unlimitedUses.stop();
  }

  async createKeys(by: AuditContext, input: CreateEnrollmentKeysRequest) {
    const now = this.clock.now();
    const folderId = input.folderId ?? null;
    if (folderId !== null) await this.folders.requireFolder(folderId, 'folderId');
    const expiresAt = input.expiresAt ? Date.parse(input.expiresAt) : null;
    if (expiresAt !== null && expiresAt <= now) {
      throw new AppError(ErrorCode.ValidationFailed, 'expiresAt must be in the future', { field: 'expiresAt' });
    }
    if (input.type === 'mass' && input.unitIds) {
      throw new AppError(ErrorCode.ValidationFailed, 'unitIds binds one-time keys; a mass key cannot be bound', { field: 'unitIds' });
    }
    if (input.type === 'one-time' && input.maxUses !== undefined && input.maxUses !== 1) {
      throw new AppError(ErrorCode.ValidationFailed, 'a one-time key has exactly one use', { field: 'maxUses' });
    }
    const unitIds: Array<string | null> =
      input.type === 'one-time' ? (input.unitIds ?? Array.from({ length: input.count ?? 1 }, () => null)) : [null];
    const generated = unitIds.map((unitId) => {
      const lookup = Array.from(randomBytes(16), (b) => ALNUM[b % ALNUM.length]).join('');
      const secret = randomBytes(32).toString('base64url');
      return { unitId, lookup, secret: `oek_${lookup}_${secret}`, hash: sha256(secret) };
    });
    const rows = await transaction(this.repo.db, async (trx) => {
      const ids = await this.repo.insertKeys(
        generated.map((g) => ({
          type: input.type,
          lookup: g.lookup,
          secret_hash: g.hash,
          unit_id: g.unitId,
          folder_id: folderId,
          max_uses: input.type === 'one-time' ? 1 : (input.maxUses ?? null),
          uses: 0,
          expires_at: expiresAt,
          disabled: 0,
          comment: input.comment ?? null,
          created_at: now,
          last_used_at: null,
        })),
        trx,
      );
      const created: EnrollmentKeyRow[] = [];
      for (const id of ids) created.push((await this.repo.findKeyById(id, trx))!);
      // The entries show the keys as lists do (prefix, never the secret).
      await this.audit.recordMany(
        trx,
        created.map((k) => ({ by, action: 'enrollment-key.create', object: keyObject(k), after: this.toApi(k) })),
      );
      return created;
    });
    return { keys: rows.map((r, i) => ({ ...this.toApi(r), secret: generated[i]!.secret })) };
  }

  async listKeys(q: { limit?: number; cursor?: string }) {
    await this.flushUses();
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const afterId = q.cursor ? (decodeCursor(q.cursor, 'enrollment-keys', ['number'])[0] as number) : null;
    const rows = await this.repo.listKeys({ limit: limit + 1, afterId });
    const { page, nextCursor } = toPage(rows, limit, 'enrollment-keys', (r) => [r.id]);
    return { items: page.map((r) => this.toApi(r)), nextCursor };
  }

  async setDisabled(by: AuditContext, id: number, disabled: boolean): Promise<EnrollmentKey> {
    return transaction(this.repo.db, async (trx) => {
      const before = await this.repo.findKeyById(id, trx);
      if (!before || !(await this.repo.setDisabled(id, disabled, trx)))
        throw notFound(ErrorCode.EnrollmentKeyNotFound, 'Enrollment key', id);
      const after = this.toApi((await this.repo.findKeyById(id, trx))!);
      const edit = changedFields({ disabled: before.disabled === 1 }, { disabled: after.disabled });
      await this.audit.record(trx, { by, action: 'enrollment-key.update', object: keyObject(before), ...edit });
      return after;
    });
  }

  async deleteKey(by: AuditContext, id: number): Promise<void> {
    await transaction(this.repo.db, async (trx) => {
      const before = await this.repo.findKeyById(id, trx);
      if (!before || !(await this.repo.deleteKey(id, trx))) throw notFound(ErrorCode.EnrollmentKeyNotFound, 'Enrollment key', id);
      await this.audit.record(trx, { by, action: 'enrollment-key.delete', object: keyObject(before), before: this.toApi(before) });
    });
  }

  async exportCsv(): Promise<string> {
    await this.flushUses();
    const lines = ['id,type,prefix,status,unit_id,folder_id,uses,max_uses,expires_at,created_at,last_used_at,comment'];
    let afterId: number | null = null;
    for (;;) {
      const rows = await this.repo.listKeys({ limit: 1000, afterId });
      for (const r of rows) {
        const k = this.toApi(r);
        lines.push(
          [k.id, k.type, k.prefix, k.status, k.unitId, k.folderId, k.uses, k.maxUses, k.expiresAt, k.createdAt, k.lastUsedAt, k.comment]
            .map(csvCell)
            .join(','),
        );
      }
      if (rows.length < 1000) break;
      afterId = rows[rows.length - 1]!.id;
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  /** Checks a presented key for an enrollment of `unitId`, without using it up. */
  async checkKey(presented: string, unitId: string, db?: Db): Promise<KeyCheck> {
    const m = KEY_PATTERN.exec(presented);
    if (!m) return { ok: false, reason: 'malformed key' };
    const key = await this.repo.findKeyByLookup(m[1]!, db);
    const expected = Buffer.from(key?.secret_hash ?? '0'.repeat(64), 'hex');
    const matches = timingSafeEqual(Buffer.from(sha256(m[2]!), 'hex'), expected);
    if (!key || !matches) return { ok: false, reason: 'unknown key' };
    const status = this.status(key);
    if (status !== 'usable') return { ok: false, reason: `key is ${status}` };
    if (key.unit_id && key.unit_id.toUpperCase() !== unitId.toUpperCase()) return { ok: false, reason: 'key is bound to another unit id' };
    return { ok: true, key };
  }

  /**
   * Counts one use of a key. Keys with a maximum are used up atomically inside the enrollment's
   * transaction. Unlimited mass keys are counted in memory and written within a second: their
   * count only informs, and a row lock on the key would serialise every enrollment of a
   * mass rollout behind it (measured on PostgreSQL: ~40 enrollments/s).
   */
  async use(key: EnrollmentKeyRow, db?: Db): Promise<boolean> {
    if (key.max_uses !== null) return this.repo.consumeKey(key.id, this.clock.now(), db);
    return true;
  }

  /** After the enrollment committed: counts the use of an unlimited key. */
  countUnlimitedUse(key: EnrollmentKeyRow): void {
    if (key.max_uses !== null) return;
    const pending = this.unlimitedUses.peek(key.id);
    this.unlimitedUses.update(key.id, { n: (pending?.n ?? 0) + 1, last: this.clock.now() });
  }

  /** Writes counted uses now (tests, shutdown). */
  flushUses = (): Promise<void> => this.unlimitedUses.flush();

  async getSettings(): Promise<EnrollmentSettings> {
    return parseEnrollmentSettings(await this.settings.findSetting('enrollment'));
  }

  async putSettings(by: AuditContext, s: EnrollmentSettings): Promise<EnrollmentSettings> {
    if (s.autoRegistrationFolderId !== null) await this.folders.requireFolder(s.autoRegistrationFolderId, 'autoRegistrationFolderId');
    await this.settings.changeSettingLocked('enrollment', async (current, trx) => {
      const object = { type: 'settings', name: 'enrollment' };
      await this.audit.record(trx, { by, action: 'settings.update', object, before: parseEnrollmentSettings(current), after: s });
      return { value: JSON.stringify(s), result: undefined };
    });
    return s;
  }

  private status(k: EnrollmentKeyRow): 'usable' | 'used' | 'expired' | 'disabled' {
    if (k.disabled) return 'disabled';
    if (k.expires_at !== null && Number(k.expires_at) <= this.clock.now()) return 'expired';
    if (k.max_uses !== null && k.uses >= k.max_uses) return 'used';
    return 'usable';
  }

  private toApi(r: EnrollmentKeyRow): EnrollmentKey {
    return {
      id: Number(r.id),
      type: r.type,
      prefix: `oek_${r.lookup.slice(0, 6)}…`,
      unitId: r.unit_id,
      folderId: r.folder_id === null ? null : Number(r.folder_id),
      maxUses: r.max_uses,
      uses: r.uses,
      expiresAt: toIso(r.expires_at),
      disabled: r.disabled === 1,
      status: this.status(r),
      comment: r.comment,
      createdAt: toIso(r.created_at)!,
      lastUsedAt: toIso(r.last_used_at),
    };
  }
}

/** An enrollment key in the audit log: its type and the prefix lists show. */
const keyObject = (k: EnrollmentKeyRow) => ({ type: 'enrollment-key', id: Number(k.id), name: `${k.type} oek_${k.lookup.slice(0, 6)}…` });

function parseEnrollmentSettings(raw: string | undefined): EnrollmentSettings {
  const parsed = raw ? (JSON.parse(raw) as EnrollmentSettings) : null;
  return { autoRegistration: parsed?.autoRegistration ?? false, autoRegistrationFolderId: parsed?.autoRegistrationFolderId ?? null };
}
