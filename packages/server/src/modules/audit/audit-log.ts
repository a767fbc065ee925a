import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  type AuditEntry,
  type AuditFilterQuery,
  type AuditPage,
  type AuditSettings,
  type ListAuditLogQuery,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { csvLine } from '../../lib/csv.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditContext } from './audit-context.js';
import { snapshotJson } from './audit-mask.js';
import type { AuditFilter, AuditInsert, AuditRepository, AuditRow } from './audit.repository.js';

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = { retentionDays: 365 };
const SETTINGS_KEY = 'audit_log';
const SORT = 'audit-log';
/** Rows per query of the CSV export and per delete of the purge. */
const EXPORT_PAGE = 1000;
const PURGE_BATCH = 1000;
/** Entries per multi-row insert: 14 columns each, well below SQLite's parameter limit. */
const INSERT_CHUNK = 200;
const DAY_MS = 86_400_000;

/** One change to record. `before`/`after` are masked by the one masker before they are stored. */
export interface AuditRecord {
  by: AuditContext;
  /** Stable dotted name: `device.update`, `auth.login-failed`, `access.update` … */
  action: string;
  object?: { type: string; id?: number | null; name?: string | null } | null;
  before?: unknown;
  after?: unknown;
  result?: 'success' | 'failure';
}

const CSV_HEADER = [
  'id',
  'at',
  'actor_id',
  'actor_name',
  'via',
  'token_id',
  'address',
  'action',
  'object_type',
  'object_id',
  'object_name',
  'result',
  'before',
  'after',
];

const clip = (s: string | null | undefined, max: number) => (s == null ? null : s.slice(0, max));

/**
 * The audit log. Every change records itself with `record(trx, entry)` inside its own
 * transaction, so the entry exists exactly when the change does. Read by administrators with
 * the loggingAndAudit right; entries older than the retention are purged by one process.
 */
export class AuditLog {
  constructor(
    private readonly repo: AuditRepository,
    private readonly settings: SettingsRepository,
    private readonly clock: Clock,
    private readonly log: Logger | null = null,
  ) {}

  /** Writes the entry with `db` — pass the change's transaction. */
  async record(db: Db, e: AuditRecord): Promise<void> {
    await this.repo.insertEntries([this.toRow(e)], db);
  }

  private toRow(e: AuditRecord): AuditInsert {
    const actor = e.by.actor;
    return {
      at: this.clock.now(),
      actor_id: actor?.id ?? null,
      actor_name: clip(actor?.name, 300),
      via: actor?.via ?? null,
      token_id: actor?.tokenId ?? null,
      address: clip(e.by.address, 64),
      action: e.action,
      object_type: e.object?.type ?? null,
      object_id: e.object?.id ?? null,
      object_name: clip(e.object?.name, 300),
      before_json: snapshotJson(e.before),
      after_json: snapshotJson(e.after),
      result: e.result ?? 'success',
    };
  }

  /** Several entries in one statement per chunk (a move of many devices), with `db` as `record`. */
  async recordMany(db: Db, entries: readonly AuditRecord[]): Promise<void> {
    for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
      await this.repo.insertEntries(
        entries.slice(i, i + INSERT_CHUNK).map((e) => this.toRow(e)),
        db,
      );
    }
  }

  async listEntries(q: ListAuditLogQuery): Promise<AuditPage> {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const before = q.cursor ? (decodeCursor(q.cursor, SORT, ['number', 'number']) as [number, number]) : null;
    const rows = await this.repo.listEntries(toFilter(q), before, limit + 1);
    const { page, nextCursor } = toPage(rows, limit, SORT, (r) => [r.at, r.id]);
    return { items: page.map(toEntry), nextCursor };
  }

  /**
   * Every matching entry as CSV lines, newest first, read a page at a time as they are sent.
   * The filters are checked and the first page read before anything is sent, so a bad filter
   * or an unavailable database is answered as an error, not as a cut-off file.
   */
  async exportCsv(q: AuditFilterQuery): Promise<AsyncIterable<string>> {
    const filter = toFilter(q);
    const first = await this.repo.listEntries(filter, null, EXPORT_PAGE);
    const repo = this.repo;
    return (async function* lines() {
      yield csvLine(CSV_HEADER);
      let rows = first;
      for (;;) {
        for (const r of rows) yield csvRow(r);
        if (rows.length < EXPORT_PAGE) return;
        const last = rows[rows.length - 1]!;
        rows = await repo.listEntries(filter, [last.at, last.id], EXPORT_PAGE);
      }
    })();
  }

  async getSettings(): Promise<AuditSettings> {
    return parseSettings(await this.settings.findSetting(SETTINGS_KEY));
  }

  async updateSettings(by: AuditContext, next: AuditSettings): Promise<AuditSettings> {
    await this.settings.changeSettingLocked(SETTINGS_KEY, async (current, trx) => {
      const before = parseSettings(current);
      await this.record(trx, { by, action: 'settings.update', object: { type: 'settings', name: 'audit-log' }, before, after: next });
      return { value: JSON.stringify(next), result: undefined };
    });
    return next;
  }

  /** Deletes entries older than the retention, a batch per statement (short locks). Returns how many. */
  async purge(): Promise<number> {
    const { retentionDays } = await this.getSettings();
    const cutoff = this.clock.now() - retentionDays * DAY_MS;
    let total = 0;
    for (;;) {
      const n = await this.repo.deleteOlderThan(cutoff, PURGE_BATCH);
      total += n;
      if (n < PURGE_BATCH) break;
    }
    if (total) this.log?.info({ deleted: total, retentionDays }, 'audit log entries past their retention deleted');
    return total;
  }
}

/**
 * Only what changed between two flat snapshots: `{ before, after }` holding the keys whose
 * values differ (compared as JSON), for an update entry that shows its edit and nothing else.
 */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const out = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[k]) === JSON.stringify(after[k])) continue;
    out.before[k] = before[k] ?? null;
    out.after[k] = after[k] ?? null;
  }
  return out;
}

function parseSettings(raw: string | undefined): AuditSettings {
  if (!raw) return DEFAULT_AUDIT_SETTINGS;
  try {
    return { ...DEFAULT_AUDIT_SETTINGS, ...(JSON.parse(raw) as Partial<AuditSettings>) };
  } catch {
    return DEFAULT_AUDIT_SETTINGS;
  }
}

function toTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new AppError(ErrorCode.ValidationFailed, `${field} is not a time`, { field: `query.${field}` });
  return t;
}

function toFilter(q: AuditFilterQuery): AuditFilter {
  const f: AuditFilter = {};
  const from = toTime(q.from, 'from');
  const to = toTime(q.to, 'to');
  if (from !== undefined) f.from = from;
  if (to !== undefined) f.to = to;
  if (q.actorId !== undefined) f.actorId = q.actorId;
  if (q.objectType !== undefined) f.objectType = q.objectType;
  if (q.objectId !== undefined) f.objectId = q.objectId;
  if (q.action !== undefined) f.action = q.action;
  return f;
}

function csvRow(r: AuditRow): string {
  const e = toEntry(r);
  const { id, at, actorId, actorName, via, tokenId, address, action, objectType, objectId, objectName, result } = e;
  const cells = [id, at, actorId, actorName, via, tokenId, address, action, objectType, objectId, objectName, result];
  return csvLine([...cells, r.before_json, r.after_json]);
}

const parse = (json: string | null): unknown => (json === null ? null : (JSON.parse(json) as unknown));

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: Number(r.id),
    at: toIso(Number(r.at)) ?? new Date(0).toISOString(),
    actorId: r.actor_id === null ? null : Number(r.actor_id),
    actorName: r.actor_name,
    via: r.via === 'session' || r.via === 'token' ? r.via : null,
    tokenId: r.token_id === null ? null : Number(r.token_id),
    address: r.address,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id === null ? null : Number(r.object_id),
    objectName: r.object_name,
    before: parse(r.before_json),
    after: parse(r.after_json),
    result: r.result === 'failure' ? 'failure' : 'success',
  };
}
