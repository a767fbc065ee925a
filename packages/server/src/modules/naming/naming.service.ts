import { DEFAULT_NAMING_SETTINGS, ErrorCode, type NamingSettings, type RenameAllRequest, type RenameAllResponse } from '@openums/protocol';
import type { RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { AppError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { Logger } from '../../lib/logger.js';
import { SYSTEM_CONTEXT, type AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ConfigurationChanges, ConfigurationMarker } from '../configuration-delivery/configuration-changes.js';
import type { ProfilesRepository } from '../profiles/profiles.repository.js';
import { checkNamingSettings, conventionName, networkNameError, networkNameProblem, numberOfName } from './naming-rules.js';
import type { NamingRepository, RenameRow } from './naming.repository.js';
import { transaction } from '../../db/transaction.js';

const KEY = 'device_naming';
/** Other processes see a saved change within this time (the settings are re-read at most this often). */
const CACHE_MS = 5_000;
/** Devices per transaction of "rename all": 100,000 devices are 200 short transactions. */
const RENAME_BATCH = 500;
const HOSTNAME_PARAMETER = 'network.dns.hostname';

/**
 * Naming conventions ("Device network settings" of the reference): the name of a new device,
 * "rename (and renumber) all devices", and keeping the device name and the network name in step.
 */
export class NamingService {
  private cache: { at: number; value: NamingSettings } | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly repo: NamingRepository,
    private readonly settings: SettingsRepository,
    private readonly own: Pick<ProfilesRepository, 'findOwnConfiguration' | 'putOwnConfiguration'>,
    private readonly configuration: ConfigurationChanges,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly audit: Pick<AuditLog, 'record' | 'recordMany'>,
    private readonly log: Logger | null,
  ) {}

  async getNamingSettings(db?: Db): Promise<NamingSettings> {
    const raw = await this.settings.findSetting(KEY, db);
    const value = raw ? { ...DEFAULT_NAMING_SETTINGS, ...(JSON.parse(raw) as Partial<NamingSettings>) } : DEFAULT_NAMING_SETTINGS;
    this.cache = { at: this.clock.now(), value };
    return value;
  }

  async updateNamingSettings(by: AuditContext, input: NamingSettings): Promise<NamingSettings> {
    checkNamingSettings(input);
    const next: NamingSettings = { ...input };
    await this.settings.changeSettingLocked(KEY, async (_current, trx) => {
      const before = await this.getNamingSettings(trx);
      await this.audit.record(trx, { by, action: 'settings.update', object: { type: 'settings', name: 'naming' }, before, after: next });
      return { value: JSON.stringify(next), result: undefined };
    });
    this.cache = { at: this.clock.now(), value: next };
    return next;
  }

  /** The settings as this process last read them (at most CACHE_MS old; a stale read triggers a reload). */
  private cachedSettings(): NamingSettings {
    const c = this.cache;
    if ((!c || this.clock.now() - c.at > CACHE_MS) && !this.refreshing) {
      this.refreshing = this.getNamingSettings()
        .then(() => undefined)
        .catch((err: unknown) => this.log?.warn({ err: (err as Error).message }, 'naming settings not re-read'))
        .finally(() => (this.refreshing = null));
    }
    return c?.value ?? DEFAULT_NAMING_SETTINGS;
  }

  /** Loads the settings before the first device connects (start-up). */
  async load(): Promise<void> {
    await this.getNamingSettings();
  }

  // ── new devices ─────────────────────────────────────────────────────────────

  /** The name of a device created now (enrollment, inventory record, import without a name); in the creating transaction. */
  async nameNewDevice(mac: string, trx: Db, settings?: NamingSettings): Promise<string> {
    const s = settings ?? (await this.getNamingSettings(trx));
    const number = s.enabled && s.identifier === 'sequential' ? await this.repo.reserveNumbers(1, trx) : 0;
    return conventionName(s, mac, number);
  }

  /** Names for several new devices at once (an import): one reservation of numbers, in order. */
  async nameNewDevices(macs: readonly string[], trx: Db, settings?: NamingSettings): Promise<string[]> {
    const s = settings ?? (await this.getNamingSettings(trx));
    if (!macs.length) return [];
    const last = s.enabled && s.identifier === 'sequential' ? await this.repo.reserveNumbers(macs.length, trx) : macs.length;
    return macs.map((mac, i) => conventionName(s, mac, last - macs.length + 1 + i));
  }

  /**
   * A name given or changed by a person or a file (rename, import): refused when "adjust network
   * name" is on and it cannot be a network name. `field` is named in the error.
   */
  async checkName(name: string, field: string): Promise<void> {
    const s = await this.getNamingSettings();
    if (!s.adjustNetworkName) return;
    const problem = networkNameProblem(name);
    if (problem) throw networkNameError(name, field, problem);
  }

  /**
   * The device is called `name` now: with "adjust network name" on, its own configuration gets
   * the network name and the device is marked for delivery (`mark`), in the rename's transaction.
   * A name that cannot be a network name is left out here (callers that can refuse check first).
   */
  async renamed(trx: Db, mark: ConfigurationMarker | null, deviceId: number, name: string, s?: NamingSettings): Promise<void> {
    const settings = s ?? (await this.getNamingSettings(trx));
    if (!settings.adjustNetworkName || networkNameProblem(name)) return;
    const row = await this.own.findOwnConfiguration(deviceId, trx);
    const own = row ? (JSON.parse(row.settings) as Record<string, unknown>) : {};
    if (own[HOSTNAME_PARAMETER] === name) return;
    own[HOSTNAME_PARAMETER] = name;
    await this.own.putOwnConfiguration(deviceId, JSON.stringify(own), this.clock.now(), trx);
    await mark?.devices([deviceId]);
  }

  /** A device created in `trx` (enrollment): its network name follows the setting. */
  async newDeviceNamed(deviceId: number, name: string, trx: Db): Promise<void> {
    // nameNewDevice read the settings in this transaction a moment ago: no second read when the option is off.
    const s = this.cache?.value ?? (await this.getNamingSettings(trx));
    if (!s.adjustNetworkName) return;
    // Inside the enrollment's transaction: marked with it, woken by nothing (not connected yet).
    await this.configuration.markWithin(trx, (mark) => this.renamed(trx, mark, deviceId, name, s));
  }

  // ── the device reports its network name ─────────────────────────────────────

  /**
   * Called by presence with every reported host name. With "adjust name when the network name
   * changes" on, this stores the network name itself (true: presence leaves it out of its
   * batch) and renames the device when the name differs from the one stored before.
   */
  networkNameReported(deviceId: number, hostname: string): boolean {
    if (!this.cachedSettings().adjustNameFromNetworkName) return false;
    void this.adoptNetworkName(deviceId, hostname).catch((err: unknown) =>
      this.log?.error({ err, deviceId }, 'reported network name not adopted'),
    );
    return true;
  }

  private async adoptNetworkName(deviceId: number, hostname: string): Promise<void> {
    const name = hostname.trim().slice(0, 128);
    if (!name) return;
    const renamed = await transaction(this.repo.db, async (trx) => {
      const old = await this.repo.adoptNetworkName(deviceId, name, trx);
      if (old === null) return false;
      await this.audit.record(trx, {
        by: SYSTEM_CONTEXT,
        action: 'device.update',
        object: { type: 'device', id: deviceId, name },
        before: { name: old },
        after: { name, reason: 'network name reported by the device' },
      });
      return true;
    });
    if (renamed) this.events.publish({ type: 'device.changed', deviceId });
  }

  // ── rename all ──────────────────────────────────────────────────────────────

  /**
   * "Rename all devices" / "rename and renumber all devices" over the devices `writable`
   * selects (null = all). Preview: one page in id order, nothing changes. Apply: batches of
   * RENAME_BATCH devices, each its own transaction through the same steps as an administrator's
   * rename (audit entry per device, network name, delivery, live event).
   */
  async renameAll(by: AuditContext, req: RenameAllRequest, writable: RawBuilder<boolean> | null): Promise<RenameAllResponse> {
    const s = await this.getNamingSettings();
    if (!s.enabled) throw new AppError(ErrorCode.FeatureDisabled, 'The naming convention is off; switch it on first', { field: 'enabled' });
    const total = await this.repo.countDevices(writable);
    const kind = `rename:${req.renumber ? 'renumber' : 'rename'}`;
    if (req.dryRun) {
      let afterId = 0;
      let next = req.renumber ? 1 : (await this.repo.findLastNumber()) + 1;
      if (req.cursor) [afterId, next] = decodeCursor(req.cursor, kind, ['number', 'number']) as [number, number];
      const limit = req.limit ?? 100;
      const rows = await this.repo.listDevicesAfter(afterId, limit + 1, writable);
      const page = rows.slice(0, limit);
      const planned = plan(s, page, req.renumber, next);
      const last = page[page.length - 1];
      return {
        dryRun: true,
        total,
        items: page.map((r, i) => ({ id: r.id, oldName: r.name, newName: planned.names[i]!, changed: planned.names[i] !== r.name })),
        nextCursor: rows.length > limit && last ? encodeCursor(kind, [last.id, planned.next]) : null,
        renamed: 0,
      };
    }
    let afterId = 0;
    let next = 1;
    let renamed = 0;
    for (;;) {
      const { changed, lastId, count } = await this.configuration.change(async (trx, mark) => {
        const batch = await this.repo.listDevicesAfter(afterId, RENAME_BATCH, writable, trx);
        if (!batch.length) return { changed: [] as number[], lastId: afterId, count: 0 };
        let first = next;
        if (!req.renumber && s.identifier === 'sequential') {
          const needed = plan(s, batch, false, 1).fresh;
          first = needed ? (await this.repo.reserveNumbers(needed, trx)) - needed + 1 : 0;
        }
        const { names } = plan(s, batch, req.renumber, first);
        const out: number[] = [];
        const entries = [];
        const renames = batch.map((row, i) => ({ id: row.id, name: names[i]! })).filter((r, i) => r.name !== batch[i]!.name);
        await this.repo.renameDevices(renames, trx);
        for (let i = 0; i < batch.length; i++) {
          const row = batch[i]!;
          const name = names[i]!;
          if (name === row.name) continue;
          await this.renamed(trx, mark, row.id, name, s);
          out.push(row.id);
          entries.push({
            by,
            action: 'device.update',
            object: { type: 'device', id: row.id, name },
            before: { name: row.name },
            after: { name },
          });
        }
        await this.audit.recordMany(trx, entries);
        if (req.renumber) await this.repo.setLastNumber(next + batch.length - 1, trx);
        return { changed: out, lastId: batch[batch.length - 1]!.id, count: batch.length };
      });
      for (const deviceId of changed) this.events.publish({ type: 'device.changed', deviceId });
      renamed += changed.length;
      if (!count) break;
      afterId = lastId;
      next += count;
    }
    return { dryRun: false, total, items: [], nextCursor: null, renamed };
  }
}

/**
 * New names for `rows` (id order). Renumber: `next`, `next + 1`, … in order. Rename with the
 * sequential identifier: a name already by the convention keeps its number, the others take
 * `next`, `next + 1`, … (`fresh` says how many). MAC: prefix + MAC.
 */
function plan(
  s: NamingSettings,
  rows: readonly RenameRow[],
  renumber: boolean,
  next: number,
): { names: string[]; next: number; fresh: number } {
  let n = next;
  let fresh = 0;
  const names = rows.map((r) => {
    if (s.identifier === 'mac') return conventionName(s, r.mac, 0);
    if (!renumber) {
      const kept = numberOfName(s, r.name);
      if (kept !== null) return r.name;
      fresh++;
    }
    return conventionName(s, r.mac, n++);
  });
  return { names, next: n, fresh };
}
