import {
  COMM_LOG_DEFAULT_RETENTION_DAYS,
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  type CommLogCleared,
  type CommLogEntry,
  type CommLogPage,
  type CommLogSettings,
  type CommLogSwitch,
  type CommLogSwitchState,
  type ListCommLogQuery,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { isForeignKeyViolation } from '../../db/dialect.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommLogRecorder } from './comm-log-recorder.js';
import type { CommLogRow, DeviceCommLogRepository } from './device-comm-log.repository.js';

const SETTINGS_KEY = 'device_comm_log';
const SORT = 'device-comm-log';
const DAY_MS = 86_400_000;
/** Rows per delete of the purge: short statements, a busy server keeps answering. */
const PURGE_BATCH = 5000;

export const DEFAULT_COMM_LOG_SETTINGS: CommLogSettings = { retentionDays: COMM_LOG_DEFAULT_RETENTION_DAYS };

/**
 * The device communication log's use cases: the switch per device (stored, so every process of
 * the cluster follows it), reading and clearing a device's entries, the retention setting and
 * its purge. Writing entries is the recorder's (the hot path).
 */
export class DeviceCommLogService {
  constructor(
    private readonly repo: DeviceCommLogRepository,
    private readonly recorder: CommLogRecorder,
    private readonly settings: SettingsRepository,
    private readonly clock: Clock,
    private readonly audit: Pick<AuditLog, 'record'>,
    /** Tells the other processes which devices' switches changed (ids only, after the commit). */
    private readonly announce: (deviceIds: number[]) => void,
    private readonly log: Logger | null = null,
  ) {}

  async getSwitch(deviceId: number): Promise<CommLogSwitchState> {
    await this.requireDevice(deviceId);
    return toState(await this.repo.findSwitch(deviceId));
  }

  async setSwitch(deviceId: number, next: CommLogSwitch, by: AuditContext): Promise<CommLogSwitchState> {
    let state: CommLogSwitchState;
    try {
      state = await this.repo.transaction(async (trx) => {
        const name = await this.requireDevice(deviceId, trx);
        const current = await this.repo.findSwitch(deviceId, trx);
        if (next.enabled) await this.repo.upsertSwitch(deviceId, next.payload, this.clock.now(), trx);
        else await this.repo.deleteSwitch(deviceId, trx);
        const before = { enabled: current !== undefined, payload: current?.payload ?? false };
        const after = { enabled: next.enabled, payload: next.enabled && next.payload };
        if (before.enabled !== after.enabled || before.payload !== after.payload) {
          await this.audit.record(trx, { by, action: 'device.comm-log', object: { type: 'device', id: deviceId, name }, before, after });
        }
        return toState(await this.repo.findSwitch(deviceId, trx));
      });
    } catch (err) {
      // The device was deleted between the check and the write.
      if (isForeignKeyViolation(err)) throw notFound(deviceId);
      throw err;
    }
    this.recorder.apply(deviceId, state.enabled ? state.payload : undefined);
    this.announce([deviceId]);
    return state;
  }

  async listEntries(deviceId: number, q: ListCommLogQuery): Promise<CommLogPage> {
    await this.requireDevice(deviceId);
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const before = q.cursor ? (decodeCursor(q.cursor, SORT, ['number'])[0] as number) : null;
    const rows = await this.repo.listEntries(deviceId, before, limit + 1);
    const { page, nextCursor } = toPage(rows, limit, SORT, (r) => [r.id]);
    return { ...toState(await this.repo.findSwitch(deviceId)), items: page.map(toEntry), nextCursor };
  }

  async clearEntries(deviceId: number, by: AuditContext): Promise<CommLogCleared> {
    await this.requireDevice(deviceId);
    // Entries still waiting in memory would reappear after the clear.
    await this.recorder.flush();
    const deleted = await this.repo.transaction(async (trx) => {
      const name = await this.requireDevice(deviceId, trx);
      const n = await this.repo.deleteEntries(deviceId, trx);
      await this.audit.record(trx, {
        by,
        action: 'device.comm-log-clear',
        object: { type: 'device', id: deviceId, name },
        after: { deleted: n },
      });
      return n;
    });
    return { deleted };
  }

  async getSettings(): Promise<CommLogSettings> {
    return parseSettings(await this.settings.findSetting(SETTINGS_KEY));
  }

  async updateSettings(by: AuditContext, next: CommLogSettings): Promise<CommLogSettings> {
    await this.settings.changeSettingLocked(SETTINGS_KEY, async (current, trx) => {
      const before = parseSettings(current);
      await this.audit.record(trx, {
        by,
        action: 'settings.update',
        object: { type: 'settings', name: 'device-comm-log' },
        before,
        after: next,
      });
      return { value: JSON.stringify(next), result: undefined };
    });
    return next;
  }

  /** Entries past the retention and entries of deleted devices, a batch per statement. Returns how many. */
  async purge(): Promise<number> {
    const { retentionDays } = await this.getSettings();
    const cutoff = this.clock.now() - retentionDays * DAY_MS;
    let total = 0;
    for (const step of [() => this.repo.purgeOlderThan(cutoff, PURGE_BATCH), () => this.repo.purgeOrphans(PURGE_BATCH)]) {
      for (;;) {
        const n = await step();
        total += n;
        if (n < PURGE_BATCH) break;
      }
    }
    if (total) this.log?.info({ deleted: total, retentionDays }, 'device communication log entries purged');
    return total;
  }

  /** Another process changed these devices' switches: read them again. */
  async reloadSwitches(deviceIds: readonly number[]): Promise<void> {
    const on = new Map((await this.repo.listSwitches(deviceIds)).map((s) => [s.deviceId, s.payload]));
    for (const id of deviceIds) this.recorder.apply(id, on.get(id));
  }

  /** Every switch from the database (start-up, and the periodic catch-up for lost wake-ups). */
  async reloadAllSwitches(): Promise<void> {
    this.recorder.replaceAll(await this.repo.listSwitches());
  }

  private async requireDevice(deviceId: number, trx?: Db): Promise<string> {
    const name = await this.repo.findDeviceName(deviceId, trx);
    if (name === undefined) throw notFound(deviceId);
    return name;
  }
}

const notFound = (deviceId: number) => new AppError(ErrorCode.DeviceNotFound, `Device ${deviceId} does not exist`, { field: 'params.id' });

function toState(s: { payload: boolean; since: number } | undefined): CommLogSwitchState {
  return s ? { enabled: true, payload: s.payload, since: toIso(s.since) } : { enabled: false, payload: false, since: null };
}

function toEntry(r: CommLogRow): CommLogEntry {
  return {
    id: r.id,
    at: toIso(r.at) ?? new Date(0).toISOString(),
    direction: r.direction === 'out' ? 'out' : 'in',
    type: r.type,
    size: r.size,
    ...(r.payload !== null ? { payload: r.payload, truncated: r.truncated === 1 } : {}),
  };
}

function parseSettings(raw: string | undefined): CommLogSettings {
  if (!raw) return DEFAULT_COMM_LOG_SETTINGS;
  try {
    return { ...DEFAULT_COMM_LOG_SETTINGS, ...(JSON.parse(raw) as Partial<CommLogSettings>) };
  } catch {
    return DEFAULT_COMM_LOG_SETTINGS;
  }
}
