import {
  ErrorCode,
  findParameter,
  validateSetting,
  type ApplyMode,
  type SettingsReportMessage,
  type DeviceSettingsResponse,
  type PreviewProfileChangeRequest,
  type PreviewProfileChangeResponse,
  type SettingValue,
} from '@openums/protocol';
import { notFound } from '../../lib/errors.js';
import { toIso, type Clock } from '../../lib/clock.js';
import type { DevicesRepository } from '../devices/devices.repository.js';
import type { ConfigurationSnapshotRepository } from '../configuration-delivery/configuration-snapshot.repository.js';
import type { ConfigurationChanges } from '../configuration-delivery/configuration-changes.js';
import {
  EffectiveConfigEngine,
  toEngineProfile,
  type EngineProfile,
  type EngineTree,
  type SettingsMap,
} from '../profiles/effective-config-engine.js';
import { computeEffectiveConfiguration, listAssignedObjects, type ProfileAssignmentInput } from '../profiles/precedence.js';
import { SECRET_MASK, keepMaskedSecrets, validateSettings, type ProfilesService } from '../profiles/profiles.service.js';
import type { ProfilesRepository, Target } from '../profiles/profiles.repository.js';
import { majorVersion } from '../profiles/settings-hash.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';

/** How many devices a preview compares at most (the count says when there were more). */
const PREVIEW_LIMIT = 20_000;

const mask = (key: string, v: unknown) => (findParameter(key)?.type === 'secret' ? SECRET_MASK : v);
const masked = (settings: Record<string, unknown>) => Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, mask(k, v)]));

/**
 * A device's configuration as administrators look at it: what applies (assigned objects), the
 * effective values with provenance, the device's own configuration, and previews of a change.
 */
export class DeviceConfigurationService {
  constructor(
    private readonly repo: ProfilesRepository,
    private readonly profiles: ProfilesService,
    private readonly devices: DevicesRepository,
    private readonly snapshot: ConfigurationSnapshotRepository,
    private readonly configuration: ConfigurationChanges,
    private readonly clock: Clock,
    /** An administrator's change of a device's own configuration is recorded (secrets masked). */
    private readonly audit: AuditLog,
  ) {}

  /** Every profile that applies to the device: direct, or through its folder and their parents. */
  private async inputsOf(deviceId: number) {
    const device = await this.devices.findDeviceById(deviceId);
    if (!device) throw notFound(ErrorCode.DeviceNotFound, 'Device', deviceId);
    // The folder chain and the priority switch come from the cached tree (one query when unchanged).
    const tree = await this.snapshot.findTree();
    const chain: Array<{ id: number; distance: number; name: string }> = [];
    for (let f = device.folder_id, distance = 1; f !== null && distance < 1000; f = tree.parentOf.get(f) ?? null, distance++) {
      chain.push({ id: f, distance, name: tree.folderNames.get(f) ?? '' });
    }
    const enabled = tree.priorityEnabled;
    const major = majorVersion(device.version);
    const rows = await this.repo.listAssignmentsFor(
      deviceId,
      chain.map((c) => c.id),
    );
    const assignments: ProfileAssignmentInput[] = [];
    for (const r of rows) {
      if (r.type === 'priority' && !enabled) continue;
      const pMajor = majorVersion(r.based_on);
      if (major !== null && pMajor !== null && major !== pMajor) continue;
      const folder = r.target_type === 'folder' ? chain.find((c) => c.id === r.target_id) : undefined;
      assignments.push({
        profile: {
          id: r.id,
          name: r.name,
          priority: r.type === 'priority',
          settings: JSON.parse(r.settings) as Record<string, SettingValue>,
        },
        distance: folder ? folder.distance : 0,
        ...(folder ? { folderId: folder.id, folderName: folder.name } : {}),
      });
    }
    return { device, assignments };
  }

  async assignedObjects(deviceId: number) {
    return { items: listAssignedObjects((await this.inputsOf(deviceId)).assignments) };
  }

  async effectiveConfiguration(deviceId: number) {
    const { device, assignments } = await this.inputsOf(deviceId);
    const own = await this.repo.findOwnConfiguration(deviceId);
    const params = computeEffectiveConfiguration({
      device: { id: deviceId, name: device.name, settings: own ? (JSON.parse(own.settings) as SettingsMap) : {} },
      assignments,
    });
    return {
      parameters: params.map((p) => ({
        key: p.key,
        value: mask(p.sourceKey, p.value),
        source: p.source,
        overridden: p.overridden.map((o) => ({ value: mask(p.sourceKey, o.value), source: o.source })),
      })),
    };
  }

  /** The device's own configuration and its delivery state (`GET /devices/:id/settings`). */
  async getOwnConfiguration(deviceId: number): Promise<DeviceSettingsResponse> {
    const device = await this.devices.findDeliveryState(deviceId);
    if (!device) throw notFound(ErrorCode.DeviceNotFound, 'Device', deviceId);
    const own = await this.repo.findOwnConfiguration(deviceId);
    const settings = own ? (JSON.parse(own.settings) as Record<string, unknown>) : {};
    for (const key of Object.keys(settings)) settings[key] = mask(key, settings[key]);
    return {
      settings,
      updatedAt: toIso(own?.updatedAt ?? null),
      configChanges: device.config_state,
      revision: Number(device.config_revision),
      apply: device.config_apply,
      appliedRevision: device.config_applied_revision === null ? null : Number(device.config_applied_revision),
      appliedAt: toIso(device.config_applied_at === null ? null : Number(device.config_applied_at)),
      lastError: device.config_error,
    };
  }

  /**
   * Replaces the catalogue parameters of the device's own configuration (secrets may be sent back
   * masked); values the device reported for parameters unknown to the catalogue stay as they are.
   */
  async replaceOwnConfiguration(
    by: AuditContext,
    deviceId: number,
    input: { settings: Record<string, unknown>; apply?: ApplyMode },
  ): Promise<DeviceSettingsResponse> {
    const device = await this.devices.findDeviceById(deviceId);
    if (!device) throw notFound(ErrorCode.DeviceNotFound, 'Device', deviceId);
    const own = await this.repo.findOwnConfiguration(deviceId);
    const stored = own ? (JSON.parse(own.settings) as SettingsMap) : {};
    const settings = validateSettings(keepMaskedSecrets(input.settings, stored));
    // Values the device reported for parameters this catalogue does not know (a newer OS) are
    // kept: an administrator cannot see their meaning here, so a save must not drop them.
    for (const [key, value] of Object.entries(stored)) if (!findParameter(key)) settings[key] = value;
    await this.configuration.change(async (trx, mark) => {
      await this.repo.putOwnConfiguration(deviceId, JSON.stringify(settings), this.clock.now(), trx);
      await mark.devices([deviceId], input.apply ?? 'now');
      // Recorded as the API shows it: the catalogue's secrets as the mask.
      const edit = changedFields(masked(stored), masked(settings));
      await this.audit.record(trx, {
        by,
        action: 'device.configuration-update',
        object: { type: 'device', id: deviceId, name: device.name },
        ...edit,
      });
    });
    return this.getOwnConfiguration(deviceId);
  }

  /**
   * Sets (`undefined`: removes) one parameter in several devices' own configuration, as one
   * change delivered now — Administration › Wake on LAN does this to the devices it makes (or
   * stops making) dedicated proxies. One audit entry per device, as for an administrator's edit.
   */
  async setOwnParameter(by: AuditContext, deviceIds: readonly number[], key: string, value: SettingValue | undefined): Promise<void> {
    if (!deviceIds.length) return;
    await this.configuration.change(async (trx, mark) => {
      for (const deviceId of deviceIds) {
        const device = await this.devices.findDeviceById(deviceId, trx);
        if (!device) continue;
        const own = await this.repo.findOwnConfiguration(deviceId, trx);
        const stored = own ? (JSON.parse(own.settings) as SettingsMap) : {};
        const settings: SettingsMap = { ...stored };
        if (value === undefined) delete settings[key];
        else settings[key] = value;
        if (JSON.stringify(settings) === JSON.stringify(stored)) continue;
        await this.repo.putOwnConfiguration(deviceId, JSON.stringify(settings), this.clock.now(), trx);
        await mark.devices([deviceId], 'now');
        await this.audit.record(trx, {
          by,
          action: 'device.configuration-update',
          object: { type: 'device', id: deviceId, name: device.name },
          ...changedFields(masked(stored), masked(settings)),
        });
      }
    });
  }

  /**
   * settings-report: settings changed on the device become its own configuration. Known
   * parameters are validated against the catalogue (one bad value rejects the whole report);
   * parameters the catalogue does not know are kept as reported. Returns an error text or null.
   */
  async recordDeviceReport(deviceId: number, msg: SettingsReportMessage): Promise<string | null> {
    for (const [key, value] of Object.entries(msg.settings)) {
      if (value === null || !findParameter(key)) continue;
      const problem = validateSetting(key, value);
      if (problem) return `settings.${key}: ${problem.message}`;
    }
    await this.configuration.change(async (trx, mark) => {
      const row = await this.repo.findOwnConfiguration(deviceId, trx);
      const own: SettingsMap = msg.complete || !row ? {} : (JSON.parse(row.settings) as SettingsMap);
      for (const [key, value] of Object.entries(msg.settings)) {
        if (value === null) delete own[key];
        else own[key] = value;
      }
      await this.repo.putOwnConfiguration(deviceId, JSON.stringify(own), this.clock.now(), trx);
      await mark.devices([deviceId]);
    });
    return null;
  }

  /**
   * What saving a profile change would do: devices the profile reaches before or after it, how
   * many of them would get a different effective configuration, and the diff of one of them.
   * Nothing is saved.
   */
  async preview(profileId: number, req: PreviewProfileChangeRequest): Promise<PreviewProfileChangeResponse> {
    const profile = await this.profiles.requireProfile(profileId);
    const assign: Target[] = req.assign ?? [];
    const unassign: Target[] = req.unassign ?? [];
    if (assign.length) await this.profiles.checkTargets(profile, assign);
    const newSettings =
      req.settings === undefined
        ? undefined
        : validateSettings(keepMaskedSecrets(req.settings, JSON.parse(profile.settings) as SettingsMap));

    const before = await this.snapshot.findTree();
    const after = withChange(before, profileId, profile, newSettings, assign, unassign);
    // Devices the profile reaches now (directly or through a folder above them) or would reach.
    const targets = [...(await this.repo.listProfileTargets(profileId)), ...assign];
    const reached = new Set([
      ...targets.filter((t) => t.type === 'device').map((t) => t.id),
      ...(await this.devices.listDeviceIdsUnderFolders(targets.filter((t) => t.type === 'folder').map((t) => t.id))),
    ]);
    // Direct assignments added or removed by the change, per device.
    const directAdd = new Set(assign.filter((t) => t.type === 'device').map((t) => t.id));
    const directRemove = new Set(unassign.filter((t) => t.type === 'device').map((t) => t.id));
    const ids = [...reached].sort((a, b) => a - b).slice(0, PREVIEW_LIMIT);
    const engineBefore = new EffectiveConfigEngine(before);
    const engineAfter = new EffectiveConfigEngine(after);
    let changed = 0;
    let sample: PreviewProfileChangeResponse['sample'] = null;
    for (const d of await this.snapshot.listEngineDevices(ids)) {
      const directAfter = d.direct.filter((p) => p !== profileId || !directRemove.has(d.id));
      if (directAdd.has(d.id) && !directAfter.includes(profileId)) directAfter.push(profileId);
      const a = engineBefore.compute(d);
      const b = engineAfter.compute({ ...d, direct: directAfter });
      const changes = diff(a, b);
      if (!changes.length) continue;
      changed++;
      if (!sample) {
        const name = (await this.devices.findDeviceById(d.id))?.name ?? `device ${d.id}`;
        sample = { deviceId: d.id, deviceName: name, changes: changes.slice(0, 200) };
      }
    }
    return { affectedDevices: reached.size, changedDevices: changed, sample };
  }
}

function withChange(
  tree: EngineTree,
  profileId: number,
  profile: { type: string; based_on: string; settings: string },
  settings: SettingsMap | undefined,
  assign: readonly Target[],
  unassign: readonly Target[],
): EngineTree {
  const profiles = new Map<number, EngineProfile>(tree.profiles);
  if (settings) profiles.set(profileId, toEngineProfile({ id: profileId, type: profile.type, based_on: profile.based_on, settings }));
  const folderProfiles = new Map(tree.folderProfiles);
  for (const t of unassign)
    if (t.type === 'folder')
      folderProfiles.set(
        t.id,
        (folderProfiles.get(t.id) ?? []).filter((p) => p !== profileId),
      );
  for (const t of assign) {
    if (t.type !== 'folder') continue;
    const list = folderProfiles.get(t.id) ?? [];
    if (!list.includes(profileId)) folderProfiles.set(t.id, [...list, profileId]);
  }
  return { ...tree, profiles, folderProfiles };
}

function diff(a: SettingsMap, b: SettingsMap): Array<{ key: string; before: unknown; after: unknown }> {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: Array<{ key: string; before: unknown; after: unknown }> = [];
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    out.push({ key, before: x === undefined ? null : mask(key, x), after: y === undefined ? null : mask(key, y) });
  }
  return out;
}
