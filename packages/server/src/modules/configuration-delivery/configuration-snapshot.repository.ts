import type { SettingValue } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { TREE_GENERATION_KEY } from './delivery-state.repository.js';
import { toEngineProfile, type EngineDevice, type EngineProfile, type EngineTree } from '../profiles/effective-config-engine.js';

/** Rows per IN (…) list: well below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

type SettingsMap = Record<string, SettingValue>;

/**
 * Reads what the effective-configuration engine needs (a read-only repository). The tree part
 * (device folders, profiles, folder assignments, the priority switch) is small and shared by every
 * device, so it is cached and reloaded only when its generation changes; every writer of those
 * tables stores a new generation in the same transaction (ConfigurationChanges, `mark.tree()`),
 * so this process and every other one sharing the database reload it. Device parts (folder,
 * version, own configuration, direct assignments) are read fresh, in chunks.
 */
export class ConfigurationSnapshotRepository {
  private cached: { generation: string; tree: EngineTree } | null = null;

  constructor(
    private readonly db: Db,
    private readonly settings: SettingsRepository,
  ) {}

  async findTree(): Promise<EngineTree> {
    const generation = (await this.settings.findSetting(TREE_GENERATION_KEY)) ?? '';
    if (this.cached?.generation === generation) return this.cached.tree;
    const [folders, assignments, profiles, switches] = await Promise.all([
      this.db.selectFrom('device_folders').select(['id', 'parent_id', 'name']).execute(),
      this.db.selectFrom('profile_assignments').select(['profile_id', 'target_id']).where('target_type', '=', 'folder').execute(),
      this.db.selectFrom('profiles').select(['id', 'type', 'based_on', 'settings']).execute(),
      this.settings.findSetting('profiles'),
    ]);
    const parentOf = new Map(folders.map((f) => [Number(f.id), f.parent_id === null ? null : Number(f.parent_id)]));
    const folderNames = new Map(folders.map((f) => [Number(f.id), f.name]));
    const folderProfiles = new Map<number, number[]>();
    for (const a of assignments) {
      const list = folderProfiles.get(Number(a.target_id));
      if (list) list.push(Number(a.profile_id));
      else folderProfiles.set(Number(a.target_id), [Number(a.profile_id)]);
    }
    const byId = new Map<number, EngineProfile>();
    for (const p of profiles) {
      const id = Number(p.id);
      byId.set(id, toEngineProfile({ id, type: p.type, based_on: p.based_on, settings: JSON.parse(p.settings) as SettingsMap }));
    }
    const priorityEnabled = switches ? (JSON.parse(switches) as { priorityProfiles?: boolean }).priorityProfiles === true : false;
    const tree: EngineTree = { parentOf, folderNames, folderProfiles, profiles: byId, priorityEnabled };
    this.cached = { generation, tree };
    return tree;
  }

  /** Engine inputs of the given devices (missing ids are left out), in the order of `ids`. */
  async listEngineDevices(ids: readonly number[]): Promise<EngineDevice[]> {
    const out: EngineDevice[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const rows = await this.db.selectFrom('devices').select(['id', 'folder_id', 'version']).where('id', 'in', chunk).execute();
      out.push(...(await this.withDeviceParts(rows, { ids: chunk })));
    }
    return out;
  }

  /** Every device, in pages of `pageSize` by id. */
  async *pageAllEngineDevices(pageSize = 5000): AsyncGenerator<EngineDevice[]> {
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('devices')
        .select(['id', 'folder_id', 'version'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(pageSize)
        .execute();
      if (!rows.length) return;
      const lo = Number(rows[0]!.id);
      const hi = Number(rows[rows.length - 1]!.id);
      after = hi;
      yield this.withDeviceParts(rows, { lo, hi });
    }
  }

  private async withDeviceParts(
    rows: Array<{ id: number; folder_id: number | null; version: string | null }>,
    sel: { ids: readonly number[] } | { lo: number; hi: number },
  ): Promise<EngineDevice[]> {
    if (!rows.length) return [];
    let direct = this.db.selectFrom('profile_assignments').select(['profile_id', 'target_id']).where('target_type', '=', 'device');
    let own = this.db.selectFrom('device_settings').select(['device_id', 'settings']);
    if ('ids' in sel) {
      direct = direct.where('target_id', 'in', sel.ids);
      own = own.where('device_id', 'in', sel.ids);
    } else {
      direct = direct.where('target_id', '>=', sel.lo).where('target_id', '<=', sel.hi);
      own = own.where('device_id', '>=', sel.lo).where('device_id', '<=', sel.hi);
    }
    const [directRows, ownRows] = await Promise.all([direct.execute(), own.execute()]);
    const directOf = new Map<number, number[]>();
    for (const a of directRows) {
      const list = directOf.get(Number(a.target_id));
      if (list) list.push(Number(a.profile_id));
      else directOf.set(Number(a.target_id), [Number(a.profile_id)]);
    }
    const ownOf = new Map(ownRows.map((o) => [Number(o.device_id), o.settings]));
    return rows.map((r) => {
      const id = Number(r.id);
      const ownJson = ownOf.get(id);
      return {
        id,
        folderId: r.folder_id === null ? null : Number(r.folder_id),
        version: r.version,
        own: ownJson ? (JSON.parse(ownJson) as SettingsMap) : {},
        direct: directOf.get(id) ?? [],
      };
    });
  }
}
