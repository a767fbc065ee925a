import type { RawBuilder } from 'kysely';
import type { TreeScope } from '../access/list-filter-sql.js';
import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  PARAMETER_CATALOGUE,
  findParameter,
  validateSetting,
  type ApplyMode,
  type AssignProfileRequest,
  type CopyProfileRequest,
  type CreateProfileRequest,
  type ListProfilesQuery,
  type Profile,
  type ProfileSettings,
  type SettingValue,
  type UpdateProfileRequest,
} from '@openums/protocol';
import { AppError, notFound } from '../../lib/errors.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import type { ConfigurationChanges } from '../configuration-delivery/configuration-changes.js';
import type { ProfileFoldersService } from './profile-folders.service.js';
import type { ProfileRow, ProfilesRepository, Target } from './profiles.repository.js';
import { majorVersion } from './settings-hash.js';
import type { RecordAnswer } from '../idempotency/idempotency.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';

export const SECRET_MASK = '********';

/**
 * Profiles and their assignment to devices and folders. Every change that can alter a device's
 * effective configuration goes through ConfigurationChanges: the affected devices are marked
 * (new revision, sent now or at next reboot) in the change's own transaction.
 */
export class ProfilesService {
  constructor(
    private readonly repo: ProfilesRepository,
    private readonly profileFolders: ProfileFoldersService,
    private readonly settings: SettingsRepository,
    private readonly configuration: ConfigurationChanges,
    private readonly clock: Clock,
    /** Profile changes, assignments and the profile settings are recorded in their transaction (secrets masked). */
    private readonly audit: AuditLog,
  ) {}

  async createProfile(by: AuditContext, input: CreateProfileRequest): Promise<Profile> {
    if (input.type === 'priority' && !(await this.getSettings()).priorityProfiles) {
      throw new AppError(
        ErrorCode.FeatureDisabled,
        'Priority profiles are switched off (PUT /api/v1/settings/profiles {"priorityProfiles":true})',
        { field: 'type' },
      );
    }
    const basedOn = checkBasedOn(input.basedOn ?? PARAMETER_CATALOGUE.basedOn, 'basedOn');
    if (input.folderId != null) await this.profileFolders.requireFolder(input.folderId, 'folderId');
    const settings = validateSettings(input.settings ?? {});
    const id = await this.insertProfile(by, 'profile.create', {
      name: input.name.trim(),
      type: input.type,
      based_on: basedOn,
      folder_id: input.folderId ?? null,
      settings: JSON.stringify(settings),
    });
    return this.getProfile(id);
  }

  /** A new profile is not assigned yet, so no device changes; the cached tree must learn it. */
  private insertProfile(
    by: AuditContext,
    action: string,
    p: Pick<ProfileRow, 'name' | 'type' | 'based_on' | 'folder_id' | 'settings'>,
  ): Promise<number> {
    const now = this.clock.now();
    return this.configuration.change(async (trx, mark) => {
      await mark.tree();
      const id = await this.repo.insertProfile({ ...p, name_lc: p.name.toLowerCase(), created_at: now, updated_at: now }, trx);
      const row = (await this.repo.findProfileById(id, trx))!;
      await this.audit.record(trx, { by, action, object: profileObject(row), after: profileOf(row) });
      return id;
    });
  }

  async getProfile(id: number): Promise<Profile> {
    return toProfile(await this.requireProfile(id));
  }

  /** `visible` keeps the profiles the administrator may browse (ADR 0006). */
  async listProfiles(q: ListProfilesQuery, visible: RawBuilder<boolean> | null = null) {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const afterId = q.cursor ? (decodeCursor(q.cursor, 'profiles', ['number'])[0] as number) : null;
    if (typeof q.folderId === 'number') await this.profileFolders.requireFolder(q.folderId, 'folderId');
    const rows = await this.repo.listProfiles({
      limit: limit + 1,
      afterId,
      ...(q.folderId !== undefined ? { folderId: q.folderId } : {}),
      ...(q.q ? { prefix: q.q.toLowerCase() } : {}),
      visible,
    });
    const { page, nextCursor } = toPage(rows, limit, 'profiles', (r) => [r.id]);
    return { items: page.map(toProfile), nextCursor };
  }

  async updateProfile(by: AuditContext, id: number, input: UpdateProfileRequest): Promise<Profile> {
    const current = await this.requireProfile(id);
    if (input.folderId != null) await this.profileFolders.requireFolder(input.folderId, 'folderId');
    let settings: string | undefined;
    if (input.settings !== undefined) {
      const stored = JSON.parse(current.settings) as Record<string, SettingValue>;
      settings = JSON.stringify(validateSettings(keepMaskedSecrets(input.settings, stored)));
    }
    const name = input.name?.trim();
    await this.configuration.change(async (trx, mark) => {
      const patch = {
        ...(name !== undefined ? { name, name_lc: name.toLowerCase() } : {}),
        ...(input.folderId !== undefined ? { folder_id: input.folderId } : {}),
        ...(settings !== undefined ? { settings } : {}),
        updated_at: this.clock.now(),
      };
      if (!(await this.repo.updateProfile(id, patch, trx))) throw notFound(ErrorCode.ProfileNotFound, 'Profile', id);
      if (settings !== undefined && settings !== current.settings) {
        await mark.tree();
        await mark.profile(id, input.apply ?? 'now');
      }
      const after = (await this.repo.findProfileById(id, trx))!;
      const edit = changedFields(profileOf(current), profileOf(after));
      await this.audit.record(trx, { by, action: 'profile.update', object: profileObject(after), ...edit });
    });
    return this.getProfile(id);
  }

  async copyProfile(by: AuditContext, id: number, input: CopyProfileRequest): Promise<Profile> {
    const p = await this.requireProfile(id);
    if (input.folderId != null) await this.profileFolders.requireFolder(input.folderId, 'folderId');
    const copy = await this.insertProfile(by, 'profile.copy', {
      name: input.name?.trim() ?? `${p.name} (copy)`.slice(0, 128),
      type: p.type,
      based_on: p.based_on,
      folder_id: input.folderId === undefined ? p.folder_id : input.folderId,
      settings: p.settings,
    });
    return this.getProfile(copy);
  }

  async deleteProfile(by: AuditContext, id: number, apply: ApplyMode = 'now'): Promise<void> {
    const before = await this.requireProfile(id);
    await this.configuration.change(async (trx, mark) => {
      // Marked before the delete: the devices it reached are found through its assignments.
      await mark.profile(id, apply);
      await mark.tree();
      if (!(await this.repo.deleteProfile(id, trx))) throw notFound(ErrorCode.ProfileNotFound, 'Profile', id);
      await this.audit.record(trx, { by, action: 'profile.delete', object: profileObject(before), before: profileOf(before) });
    });
  }

  /** `visible`: targets the administrator may not browse are left out. */
  async listAssignments(id: number, q: { limit?: number; cursor?: string }, visible?: TreeScope) {
    await this.requireProfile(id);
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const afterId = q.cursor ? (decodeCursor(q.cursor, 'assignments', ['number'])[0] as number) : null;
    const rows = await this.repo.listAssignmentsOf(id, limit + 1, afterId, visible);
    const { page, nextCursor } = toPage(rows, limit, 'assignments', (r) => [r.id]);
    return { items: page.map((r) => ({ type: r.type, id: r.targetId, name: r.name, assignedAt: toIso(r.createdAt)! })), nextCursor };
  }

  /** All or nothing: every target must exist and, for devices, run the profile's OS major version. */
  /** `record` stores the answer with the change (Idempotency-Key). */
  async assign(
    by: AuditContext,
    id: number,
    req: AssignProfileRequest,
    record?: RecordAnswer,
  ): Promise<{ assigned: number; devices: number }> {
    const profile = await this.requireProfile(id);
    await this.checkTargets(profile, req.targets);
    return this.configuration.change(async (trx, mark) => {
      await this.repo.insertAssignments(id, req.targets, this.clock.now(), trx);
      if (req.targets.some((t) => t.type === 'folder')) await mark.tree();
      const devices = await mark.targets(req.targets, req.apply ?? 'now');
      const targets = req.targets.map((t) => ({ type: t.type, id: t.id }));
      await this.audit.record(trx, { by, action: 'profile.assign', object: profileObject(profile), after: { targets } });
      const answer = { assigned: req.targets.length, devices };
      await record?.(trx, answer);
      return answer;
    });
  }

  async unassign(by: AuditContext, id: number, req: AssignProfileRequest): Promise<{ removed: number; devices: number }> {
    const profile = await this.requireProfile(id);
    return this.configuration.change(async (trx, mark) => {
      const removed = await this.repo.deleteAssignments(id, req.targets, trx);
      if (!removed) return { removed, devices: 0 };
      const targets = req.targets.map((t) => ({ type: t.type, id: t.id }));
      await this.audit.record(trx, { by, action: 'profile.unassign', object: profileObject(profile), before: { targets } });
      if (req.targets.some((t) => t.type === 'folder')) await mark.tree();
      return { removed, devices: await mark.targets(req.targets, req.apply ?? 'now') };
    });
  }

  /**
   * Bulk assignment (POST /devices/bulk/assign-profiles): which devices can take the profile —
   * the same OS major version as checkTargets demands — and which not, with the reason.
   */
  async sortByVersion(
    id: number,
    deviceIds: readonly number[],
  ): Promise<{ fits: number[]; mismatched: Array<{ deviceId: number; message: string }> }> {
    const profile = await this.requireProfile(id);
    const major = majorVersion(profile.based_on);
    const out: { fits: number[]; mismatched: Array<{ deviceId: number; message: string }> } = { fits: [], mismatched: [] };
    for (let i = 0; i < deviceIds.length; i += 1000) {
      const chunk = deviceIds.slice(i, i + 1000);
      const found = await this.repo.findTargets(chunk, []);
      for (const deviceId of chunk) {
        const device = found.devices.get(deviceId);
        if (!device) continue;
        const deviceMajor = majorVersion(device.version);
        if (deviceMajor !== null && major !== null && deviceMajor !== major) {
          out.mismatched.push({
            deviceId,
            message: `profile ${profile.id} is based on OS ${profile.based_on}; device ${deviceId} (${device.name}) runs OS ${device.version}`,
          });
        } else out.fits.push(deviceId);
      }
    }
    return out;
  }

  async checkTargets(profile: ProfileRow, targets: readonly Target[]): Promise<void> {
    const major = majorVersion(profile.based_on);
    const ids = (type: Target['type']) => [...new Set(targets.filter((t) => t.type === type).map((t) => t.id))];
    const found = await this.repo.findTargets(ids('device'), ids('folder'));
    for (const [i, t] of targets.entries()) {
      if (t.type === 'folder') {
        if (!found.folders.has(t.id))
          throw new AppError(ErrorCode.FolderNotFound, `folder ${t.id} does not exist; nothing was changed`, { field: `targets.${i}.id` });
        continue;
      }
      const device = found.devices.get(t.id);
      if (!device)
        throw new AppError(ErrorCode.DeviceNotFound, `device ${t.id} does not exist; nothing was changed`, { field: `targets.${i}.id` });
      const deviceMajor = majorVersion(device.version);
      if (deviceMajor !== null && major !== null && deviceMajor !== major) {
        throw new AppError(
          ErrorCode.ProfileVersionMismatch,
          `profile ${profile.id} is based on OS ${profile.based_on}; device ${t.id} (${device.name}) runs OS ${device.version}. Profiles apply only to devices of the same major version; nothing was assigned`,
          { field: `targets.${i}.id`, basedOn: profile.based_on, deviceVersion: device.version },
        );
      }
    }
  }

  async getSettings(): Promise<ProfileSettings> {
    const raw = await this.settings.findSetting('profiles');
    return { priorityProfiles: raw ? (JSON.parse(raw) as ProfileSettings).priorityProfiles === true : false };
  }

  async putSettings(by: AuditContext, s: ProfileSettings): Promise<ProfileSettings> {
    const before = await this.getSettings();
    await this.configuration.change(async (trx, mark) => {
      await this.settings.putSetting('profiles', JSON.stringify(s), trx);
      await this.audit.record(trx, { by, action: 'settings.update', object: { type: 'settings', name: 'profiles' }, before, after: s });
      if (before.priorityProfiles !== s.priorityProfiles) {
        await mark.tree();
        await mark.all('now');
      }
    });
    return s;
  }

  async requireProfile(id: number): Promise<ProfileRow> {
    const p = await this.repo.findProfileById(id);
    if (!p) throw notFound(ErrorCode.ProfileNotFound, 'Profile', id);
    return p;
  }
}

/** Only the catalogue's major version has parameters on this server. */
export function checkBasedOn(basedOn: string, field: string): string {
  if (majorVersion(basedOn) !== majorVersion(PARAMETER_CATALOGUE.basedOn)) {
    throw new AppError(
      ErrorCode.ValidationFailed,
      `${field}: no parameter catalogue for OS ${basedOn}; this server knows OS ${PARAMETER_CATALOGUE.basedOn}`,
      { field },
    );
  }
  return basedOn;
}

/** Every parameter must be in the catalogue with a valid value; the first problem is reported. */
export function validateSettings(settings: Record<string, unknown>, fieldPrefix = 'settings'): Record<string, SettingValue> {
  for (const [key, value] of Object.entries(settings)) {
    const problem = validateSetting(key, value);
    if (problem) throw new AppError(ErrorCode.ValidationFailed, problem.message, { field: `${fieldPrefix}.${key}` });
  }
  return settings as Record<string, SettingValue>;
}

/** A secret sent back as the mask keeps its stored value (a client can round-trip what it read). */
export function keepMaskedSecrets(input: Record<string, unknown>, stored: Record<string, SettingValue>): Record<string, unknown> {
  const out = { ...input };
  for (const [key, value] of Object.entries(out)) {
    if (value !== SECRET_MASK || findParameter(key)?.type !== 'secret') continue;
    if (stored[key] === undefined) {
      throw new AppError(
        ErrorCode.ValidationFailed,
        `${key}: "${SECRET_MASK}" is the mask of a stored secret, and none is stored; send the secret itself`,
        { field: `settings.${key}` },
      );
    }
    out[key] = stored[key];
  }
  return out;
}

export function maskSecrets(settings: Record<string, unknown>): Record<string, unknown> {
  const out = { ...settings };
  for (const key of Object.keys(out)) if (findParameter(key)?.type === 'secret') out[key] = SECRET_MASK;
  return out;
}

const profileObject = (r: ProfileRow) => ({ type: 'profile', id: Number(r.id), name: r.name });

/** A profile in the audit log: its settings with the catalogue's secrets masked, as the API shows them. */
function profileOf(r: ProfileRow): Record<string, unknown> {
  const { name, type, basedOn, folderId, settings } = toProfile(r);
  return { name, type, basedOn, folderId, settings };
}

export function toProfile(r: ProfileRow): Profile {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    basedOn: r.based_on,
    folderId: r.folder_id,
    settings: maskSecrets(JSON.parse(r.settings) as Record<string, unknown>),
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  };
}
