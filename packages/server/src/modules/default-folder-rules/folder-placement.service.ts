import {
  ErrorCode,
  type ApplyDefaultFolderRulesResponse,
  type FolderRuleMove,
  type FolderRuleOutcome,
  type SystemInfo,
  type TestDefaultFolderRulesRequest,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { SYSTEM_CONTEXT, type AuditContext } from '../audit/audit-context.js';
import type { DeviceFoldersService } from '../device-folders/device-folders.service.js';
import type { DeviceRow } from '../devices/devices.repository.js';
import type { DevicesService } from '../devices/devices.service.js';
import { matchesCriteria } from '../views/criteria-memory.js';
import type { DefaultFolderRulesRepository } from './default-folder-rules.repository.js';
import type { DefaultFolderRulesService, RuleSet } from './default-folder-rules.service.js';
import { evaluateRules, placementOf, type ResolvedTarget, type RuleDecision, type RulesOccasion } from './rule-evaluation.js';
import { attributeValuesOf, pathOf, ref, rowOf, targetPath, type Folders, type FoundTarget } from './placement-helpers.js';

/** What enrollment does with the rules (EstEnrollmentService calls it in its transaction). */
export interface EnrollmentPlacement {
  rules(): Promise<RuleSet>;
  place(rules: RuleSet, p: { facts: DeviceRow; current: number | null; member: boolean }, trx: Db): Promise<EnrollmentPlaced>;
  placeExisting(rules: RuleSet, deviceId: number, facts: Partial<DeviceRow>, trx: Db): Promise<EnrollmentPlaced>;
  recorded(deviceId: number, placed: EnrollmentPlaced, trx: Db): Promise<void>;
  recordMembership(deviceId: number, trx: Db): Promise<void>;
  finish(deviceId: number, placed: EnrollmentPlaced): Promise<void>;
}
export interface EnrollmentPlaced {
  folderId: number | null;
  pending: 1 | 2;
  /** Written down in device_folder_rules (a membership, or a taken-over record whose old row must go). */
  write?: boolean;
  later: { parentId: number | null; name: string } | null;
  /** A taken-over record changes folder: moved after the commit, the administrator's path. */
  moveTo?: number;
}

/**
 * Where the rules put devices: at enrollment (in its transaction), at the first contact and at
 * boots (batched from the device channel's hellos), on "apply now" and in the test box. Moves of
 * devices that exist go through DevicesService.moveDevices, the administrator's path, so their
 * settings are delivered anew.
 */
export class FolderPlacementService implements EnrollmentPlacement {
  private readonly queue = new Map<number, { ip: string; system: SystemInfo }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  private warned = new Set<number>();

  constructor(
    private readonly rulesService: DefaultFolderRulesService,
    private readonly repo: DefaultFolderRulesRepository,
    private readonly folders: DeviceFoldersService,
    private readonly devices: DevicesService,
    private readonly clock: Clock,
    private readonly log: Logger | null,
    private readonly flushMs = 250,
  ) {}

  rules(): Promise<RuleSet> {
    return this.rulesService.ruleSet();
  }

  // ── evaluation ──
  private decide(rules: RuleSet, row: DeviceRow, values?: ReadonlyMap<number, string>): RuleDecision | null {
    if (rules.count === 0) return null;
    const ctx = {
      now: this.clock.now(),
      parentOf: () => undefined,
      ...(rules.attributes ? { attributes: rules.attributes } : {}),
      attributeValue: (_d: number, attributeId: number) => values?.get(attributeId),
    };
    return evaluateRules(rules.roots, row.last_ip, (rule) => {
      try {
        return matchesCriteria(rule.criteria, row, ctx);
      } catch (err) {
        // A criterion that cannot be evaluated any more (a deleted attribute): the rule does not match.
        if (!this.warned.has(rule.id))
          this.log?.warn({ err, ruleId: rule.id }, 'default folder rule not evaluable; treated as not matching');
        this.warned.add(rule.id);
        return false;
      }
    });
  }

  /** `known`: folders known to exist (the rule set's, at enrollment), instead of a query. */
  private async find(target: ResolvedTarget, db?: Db, known?: ReadonlySet<number>): Promise<FoundTarget> {
    if (target.kind === 'folder') {
      const ok = known ? known.has(target.folderId) : await this.repo.findFolder(target.folderId, db);
      return { folderId: ok ? target.folderId : null, create: null, missing: !ok };
    }
    const id = await this.repo.findChildFolder(target.parentId, target.name, db);
    if (id !== undefined) return { folderId: id, create: null, missing: false };
    if (target.parentId !== null && !(known ? known.has(target.parentId) : await this.repo.findFolder(target.parentId, db)))
      return { folderId: null, create: null, missing: true };
    return { folderId: null, create: { parentId: target.parentId, name: target.name }, missing: false };
  }

  /** The per-subnet folder, created (the administrator's path, audited as the server's) unless another request just did. */
  private async ensureFolder(c: { parentId: number | null; name: string }): Promise<number> {
    const found = await this.repo.findChildFolder(c.parentId, c.name);
    if (found !== undefined) return found;
    try {
      return (await this.folders.createFolder(SYSTEM_CONTEXT, c)).id;
    } catch (err) {
      const again =
        err instanceof AppError && err.code === ErrorCode.FolderNameTaken ? await this.repo.findChildFolder(c.parentId, c.name) : undefined;
      if (again === undefined) throw err;
      return again;
    }
  }

  private async outcome(
    occasion: RulesOccasion,
    decision: RuleDecision | null,
    current: number | null,
    member: boolean,
    folders: () => Promise<Folders>,
    db?: Db,
    known?: ReadonlySet<number>,
  ): Promise<{ found: FoundTarget | null; placement: { moves: boolean; reason: string } }> {
    if (!decision)
      return { found: null, placement: placementOf({ occasion, decision, current, member, targetFolderId: null, isBelow: () => false }) };
    const found = await this.find(decision.target, db, known);
    if (found.missing) {
      this.log?.warn({ ruleId: decision.rule.id }, 'the folder of a default folder rule no longer exists; device not moved');
      return { found, placement: { moves: false, reason: `the folder of rule "${decision.rule.name}" no longer exists` } };
    }
    const map = decision.rule.leaveInSubfolder && current !== null && found.folderId !== null ? await folders() : null;
    const isBelow = (f: number, ancestor: number) => {
      for (let at = map?.get(f)?.parentId ?? null, n = 0; at !== null && n < 10_000; at = map?.get(at)?.parentId ?? null, n++)
        if (at === ancestor) return true;
      return false;
    };
    return { found, placement: placementOf({ occasion, decision, current, member, targetFolderId: found.folderId, isBelow }) };
  }

  // ── the test box ──
  async test(input: TestDefaultFolderRulesRequest): Promise<FolderRuleOutcome> {
    const rules = await this.rulesService.ruleSet(0);
    let row: DeviceRow;
    let values: Map<number, string> | undefined;
    if (input.deviceId !== undefined) {
      const found = await this.repo.findDevice(input.deviceId);
      if (!found) throw new AppError(ErrorCode.DeviceNotFound, `Device ${input.deviceId} does not exist`, { field: 'body.deviceId' });
      row = found;
      values = rules.usesAttributes ? (await this.repo.listAttributeValues([row.id])).get(row.id) : undefined;
    } else if (input.device) {
      row = rowOf(input.device, this.clock.now());
      values = attributeValuesOf(input.device, rules);
      if (row.folder_id !== null && !(await this.repo.findFolder(row.folder_id)))
        throw new AppError(ErrorCode.FolderNotFound, `body.device.folderId: folder ${row.folder_id} does not exist`, {
          field: 'body.device.folderId',
        });
    } else
      throw new AppError(ErrorCode.ValidationFailed, 'body.device (the device properties) or body.deviceId is required', {
        field: 'body.device',
      });
    const decision = this.decide(rules, row, values);
    let map: Folders | null = null;
    const folders = async () => (map ??= await this.repo.listFolders());
    const { found, placement } = await this.outcome(input.at ?? 'registration', decision, row.folder_id, row.folder_id !== null, folders);
    const all = await folders();
    return {
      path: (decision?.path ?? []).map(ref),
      decidingRule: decision ? ref(decision.rule) : null,
      targetFolderId: found?.folderId ?? null,
      targetPath: found ? targetPath(found, all) : null,
      createsFolder: found?.create?.name ?? null,
      moves: placement.moves,
      reason: placement.reason,
    };
  }

  // ── apply now ──
  /**
   * The rules applied to hand-picked devices, as at a boot but regardless of the boot option.
   * `allowed`: devices the administrator may move; `mayPlace(folderId)`: write on a destination
   * (or on the parent of a per-subnet folder to create).
   */
  async apply(
    by: AuditContext,
    ids: readonly number[],
    dryRun: boolean,
    allowed: ReadonlySet<number>,
    mayPlace: (folderId: number | null) => Promise<boolean>,
  ): Promise<ApplyDefaultFolderRulesResponse> {
    const rules = await this.rulesService.ruleSet(0);
    const rows = await this.repo.listDevices(ids);
    const values = rules.usesAttributes ? await this.repo.listAttributeValues(ids) : new Map<number, Map<number, string>>();
    let map = await this.repo.listFolders();
    const folders = async () => map;
    const items: FolderRuleMove[] = [];
    const plan: Array<{ item: FolderRuleMove; found: FoundTarget }> = [];
    for (const row of rows.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id))) {
      const decision = this.decide(rules, row, values.get(row.id));
      const { found, placement } = await this.outcome('apply', decision, row.folder_id, row.folder_id !== null, folders);
      const item: FolderRuleMove = {
        deviceId: row.id,
        deviceName: row.name,
        fromFolderId: row.folder_id,
        fromPath: row.folder_id === null ? null : pathOf(row.folder_id, map),
        toFolderId: found?.folderId ?? null,
        toPath: found ? targetPath(found, map) : null,
        decidingRule: decision ? ref(decision.rule) : null,
        moves: placement.moves,
        reason: placement.reason,
      };
      if (item.moves && !allowed.has(row.id)) Object.assign(item, { moves: false, reason: 'you may not move this device (move right)' });
      else if (item.moves && !(await mayPlace(found!.folderId ?? found!.create?.parentId ?? null)))
        Object.assign(item, { moves: false, reason: `you may not place devices in ${item.toPath} (write right)` });
      items.push(item);
      if (item.moves) plan.push({ item, found: found! });
    }
    let moved = 0;
    if (!dryRun) {
      const groups = new Map<number, number[]>();
      for (const { item, found } of plan) {
        const folderId = found.folderId ?? (await this.ensureFolder(found.create!));
        item.toFolderId = folderId;
        groups.set(folderId, [...(groups.get(folderId) ?? []), item.deviceId]);
      }
      for (const [folderId, deviceIds] of groups) moved += (await this.devices.moveDevices(deviceIds, folderId, by)).moved;
      map = await this.repo.listFolders();
      for (const { item } of plan) item.toPath = item.toFolderId === null ? null : pathOf(item.toFolderId, map);
    }
    return { dryRun, moved, items };
  }

  // ── enrollment ──
  async place(rules: RuleSet, p: { facts: DeviceRow; current: number | null; member: boolean }, trx: Db): Promise<EnrollmentPlaced> {
    const stay: EnrollmentPlaced = { folderId: p.current, pending: p.member ? 2 : 1, later: null };
    if (rules.count === 0) return stay;
    const values =
      rules.usesAttributes && p.facts.id ? (await this.repo.listAttributeValues([p.facts.id], trx)).get(p.facts.id) : undefined;
    const decision = this.decide(rules, p.facts, values);
    const folders = () => this.repo.listFolders(trx);
    const { found, placement } = await this.outcome('registration', decision, p.current, p.member, folders, trx, rules.existingFolders);
    if (!placement.moves || !found) return stay;
    if (found.folderId !== null) return { folderId: found.folderId, pending: 1, later: null };
    return { ...stay, pending: 1, later: found.create };
  }

  /** A record taken over at enrollment (inventory, import): its own fields count, its folder is a membership. */
  async placeExisting(rules: RuleSet, deviceId: number, facts: Partial<DeviceRow>, trx: Db): Promise<EnrollmentPlaced> {
    const row = await this.repo.findDevice(deviceId, trx);
    const current = row?.folder_id ?? null;
    const placed = await this.place(rules, { facts: { ...row!, ...facts }, current, member: current !== null }, trx);
    if (placed.folderId === current) return { ...placed, write: true };
    return { ...placed, write: true, folderId: current, ...(placed.folderId !== null ? { moveTo: placed.folderId } : {}) };
  }

  /** No row means pending with the folder free (the common case: no write); a membership is written down. */
  async recorded(deviceId: number, placed: EnrollmentPlaced, trx: Db): Promise<void> {
    if (placed.pending === 2 || placed.write) await this.repo.setPending(deviceId, placed.pending, this.clock.now(), trx);
  }

  /** Registered while there are no rules: its folder (if any) is a membership for rules made before its first contact. */
  async recordMembership(deviceId: number, trx: Db): Promise<void> {
    await this.repo.setPendingFromFolder(deviceId, this.clock.now(), trx);
  }

  /** A per-subnet folder the enrollment needs: created and the device moved once it is committed. */
  async finish(deviceId: number, placed: EnrollmentPlaced): Promise<void> {
    if (!placed.later && placed.moveTo === undefined) return;
    try {
      const folderId = placed.later ? await this.ensureFolder(placed.later) : placed.moveTo!;
      await this.devices.moveDevices([deviceId], folderId, SYSTEM_CONTEXT);
    } catch (err) {
      // The first contact tries again (the device is still pending).
      this.log?.warn({ err, deviceId }, 'per-subnet folder not created at enrollment');
    }
  }

  // ── first contact and boots ──
  /** A device said hello on this process (first hello of a channel). Cheap: queued, looked at in batches. */
  onHello(deviceId: number, ip: string, system: SystemInfo): void {
    if (this.stopped) return;
    this.queue.set(deviceId, { ip, system });
    if (this.queue.size >= 500) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.queue];
    this.queue.clear();
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() =>
      this.atHello(batch).catch((err: unknown) => this.log?.error({ err, devices: batch.length }, 'default folder rules at boot failed')),
    );
    return this.flushing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  private async atHello(batch: Array<[number, { ip: string; system: SystemInfo }]>): Promise<void> {
    const rules = await this.rulesService.ruleSet();
    if (rules.count === 0) return;
    const hello = new Map(batch);
    const rows = (await this.repo.listDevices([...hello.keys()])).filter((r) => {
      const h = hello.get(r.id)!;
      return (r.pending ?? 1) > 0 || (rules.hasBootRules && h.system.bootTime > (r.applied_at ?? 0));
    });
    if (rows.length === 0) return;
    const values = rules.usesAttributes ? await this.repo.listAttributeValues(rows.map((r) => r.id)) : null;
    let map: Folders | null = null;
    const folders = async () => (map ??= await this.repo.listFolders());
    const groups = new Map<string, { target: FoundTarget; ids: number[] }>();
    for (const row of rows) {
      const { ip, system } = hello.get(row.id)!;
      // What the device just reported, ahead of the batched presence write.
      const facts: DeviceRow = {
        ...row,
        last_ip: ip,
        product: system.product,
        version: system.version,
        network_name: system.hostname,
        structure_tag: system.structureTag?.trim() || null,
        ...(system.serial ? { serial_number: system.serial } : {}),
      };
      const pending = row.pending ?? 1;
      const occasion: RulesOccasion = pending > 0 ? 'registration' : 'boot';
      const member = pending > 0 ? pending === 2 : row.folder_id !== null;
      const decision = this.decide(rules, facts, values?.get(row.id));
      const { found, placement } = await this.outcome(occasion, decision, row.folder_id, member, folders);
      if (!placement.moves || !found) continue;
      const key = found.folderId !== null ? `f${found.folderId}` : `s${found.create!.parentId}/${found.create!.name}`;
      const g = groups.get(key) ?? { target: found, ids: [] };
      g.ids.push(row.id);
      groups.set(key, g);
    }
    for (const { target, ids } of groups.values()) {
      try {
        const folderId = target.folderId ?? (await this.ensureFolder(target.create!));
        await this.devices.moveDevices(ids, folderId, SYSTEM_CONTEXT);
      } catch (err) {
        this.log?.warn({ err, devices: ids.length }, 'default folder rule move failed');
      }
    }
    await this.repo.markApplied(
      rows.map((r) => r.id),
      this.clock.now(),
    );
  }
}
