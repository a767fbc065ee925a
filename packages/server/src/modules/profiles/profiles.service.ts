import { DEFAULT_PAGE_LIMIT, ErrorCode, PARAMETER_CATALOGUE, findParameter, validateSetting, type AssignProfileRequest, type CreateProfileRequest, type Profile, type ProfileSettings, type SettingValue, type UpdateProfileRequest } from '@openums/protocol';
import { AppError, notFound } from '../../lib/errors.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import type { DeviceFoldersRepository } from '../device-folders/device-folders.repository.js';
import type { DevicesRepository } from '../devices/devices.repository.js';
import type { SettingsRepository } from '../server-info/settings.repository.js';
import { computeEffectiveConfiguration, listAssignedObjects, type ProfileAssignmentInput } from './precedence.js';
import type { ProfileRow, ProfilesRepository } from './profiles.repository.js';

const MASK = '********';

/**
 * Profiles, their assignment to devices and folders, and the effective configuration of a
 * device with provenance. Delivery of settings to devices is not built yet.
 */
export class ProfilesService {
  constructor(
    private readonly repo: ProfilesRepository,
    private readonly devices: DevicesRepository,
    private readonly folders: DeviceFoldersRepository,
    private readonly settings: SettingsRepository,
    private readonly clock: Clock,
  ) {}

  async createProfile(input: CreateProfileRequest): Promise<Profile> {
    if (input.type === 'priority' && !(await this.getSettings()).priorityProfiles) {
      throw new AppError(ErrorCode.FeatureDisabled, 'Priority profiles are switched off (PUT /api/v1/settings/profiles {"priorityProfiles":true})', { field: 'type' });
    }
    const settings = validateSettings(input.settings ?? {});
    const now = this.clock.now();
    const id = await this.repo.insertProfile({
      name: input.name.trim(),
      type: input.type,
      based_on: input.basedOn ?? PARAMETER_CATALOGUE.basedOn,
      settings: JSON.stringify(settings),
      created_at: now,
      updated_at: now,
    });
    return this.getProfile(id);
  }

  async getProfile(id: number): Promise<Profile> {
    return toProfile(await this.requireProfile(id));
  }

  async listProfiles(q: { limit?: number; cursor?: string }) {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const after = q.cursor ? (decodeCursor(q.cursor, 'profiles', ['number'])[0] as number) : null;
    const { page, nextCursor } = toPage(await this.repo.listProfiles(limit + 1, after), limit, 'profiles', (r) => [r.id]);
    return { items: page.map(toProfile), nextCursor };
  }

  async updateProfile(id: number, input: UpdateProfileRequest): Promise<Profile> {
    await this.requireProfile(id);
    await this.repo.updateProfile(id, {
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.settings !== undefined ? { settings: JSON.stringify(validateSettings(input.settings)) } : {}),
      updated_at: this.clock.now(),
    });
    return this.getProfile(id);
  }

  async deleteProfile(id: number): Promise<void> {
    if (!(await this.repo.deleteProfile(id))) throw notFound(ErrorCode.ProfileNotFound, 'Profile', id);
  }

  async assign(id: number, req: AssignProfileRequest): Promise<{ assigned: number }> {
    await this.requireProfile(id);
    for (const t of req.targets) {
      const exists = t.type === 'device' ? await this.devices.findDeviceById(t.id) : await this.folders.findFolderById(t.id);
      if (!exists) throw new AppError(t.type === 'device' ? ErrorCode.DeviceNotFound : ErrorCode.FolderNotFound, `${t.type} ${t.id} does not exist; nothing was assigned`, { field: 'targets' });
    }
    await this.repo.insertAssignments(id, req.targets, this.clock.now());
    return { assigned: req.targets.length };
  }

  async unassign(id: number, targets: AssignProfileRequest['targets']): Promise<{ removed: number }> {
    await this.requireProfile(id);
    return { removed: await this.repo.deleteAssignments(id, targets) };
  }

  /** Every profile that applies to the device: direct, or through its folder and their parents. */
  private async assignmentsOf(deviceId: number): Promise<ProfileAssignmentInput[]> {
    const device = await this.devices.findDeviceById(deviceId);
    if (!device) throw notFound(ErrorCode.DeviceNotFound, 'Device', deviceId);
    const chain: Array<{ id: number; distance: number; name: string }> = [];
    if (device.folder_id !== null) {
      const ids = [device.folder_id, ...(await this.folders.listAncestorIds(device.folder_id))];
      for (const [i, fid] of ids.entries()) chain.push({ id: fid, distance: i + 1, name: (await this.folders.findFolderById(fid))?.name ?? '' });
    }
    const rows = await this.repo.listAssignmentsFor(deviceId, chain.map((c) => c.id));
    return rows.map((r) => {
      const folder = r.target_type === 'folder' ? chain.find((c) => c.id === r.target_id) : undefined;
      return {
        profile: { id: r.id, name: r.name, priority: r.type === 'priority', settings: JSON.parse(r.settings) as Record<string, SettingValue> },
        distance: folder ? folder.distance : 0,
        ...(folder ? { folderId: folder.id, folderName: folder.name } : {}),
      };
    });
  }

  async assignedObjects(deviceId: number) {
    const enabled = (await this.getSettings()).priorityProfiles;
    return { items: listAssignedObjects((await this.assignmentsOf(deviceId)).filter((a) => enabled || !a.profile.priority)) };
  }

  async effectiveConfiguration(deviceId: number) {
    const enabled = (await this.getSettings()).priorityProfiles;
    const assignments = (await this.assignmentsOf(deviceId)).filter((a) => enabled || !a.profile.priority);
    const own = await this.repo.findDeviceSettings(deviceId);
    const device = { id: deviceId, name: `device ${deviceId}`, settings: own ? (JSON.parse(own) as Record<string, SettingValue>) : {} };
    const params = computeEffectiveConfiguration({ device, assignments });
    const mask = (key: string, v: unknown) => (findParameter(key)?.type === 'secret' ? MASK : v);
    return {
      parameters: params.map((p) => ({
        key: p.key,
        value: mask(p.sourceKey, p.value),
        source: p.source,
        overridden: p.overridden.map((o) => ({ value: mask(p.sourceKey, o.value), source: o.source })),
      })),
    };
  }

  async getSettings(): Promise<ProfileSettings> {
    const raw = await this.settings.findSetting('profiles');
    return { priorityProfiles: raw ? (JSON.parse(raw) as ProfileSettings).priorityProfiles === true : false };
  }

  async putSettings(s: ProfileSettings): Promise<ProfileSettings> {
    await this.settings.putSetting('profiles', JSON.stringify(s));
    return s;
  }

  private async requireProfile(id: number): Promise<ProfileRow> {
    const p = await this.repo.findProfileById(id);
    if (!p) throw notFound(ErrorCode.ProfileNotFound, 'Profile', id);
    return p;
  }
}

/** Every parameter must be in the catalogue with a valid value; the first problem is reported. */
function validateSettings(settings: Record<string, unknown>): Record<string, SettingValue> {
  for (const [key, value] of Object.entries(settings)) {
    const problem = validateSetting(key, value);
    if (problem) throw new AppError(ErrorCode.ValidationFailed, problem.message, { field: `settings.${key}` });
  }
  return settings as Record<string, SettingValue>;
}

function toProfile(r: ProfileRow): Profile {
  const settings = JSON.parse(r.settings) as Record<string, unknown>;
  for (const key of Object.keys(settings)) if (findParameter(key)?.type === 'secret') settings[key] = MASK;
  return {
    id: Number(r.id),
    name: r.name,
    type: r.type,
    basedOn: r.based_on,
    settings,
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  };
}
