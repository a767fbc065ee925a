import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { TreeScope } from '../access/list-filter-sql.js';
import type { Db } from '../../db/database.js';
import type { ProfileFoldersTable, ProfilesTable } from '../../db/types.js';
import { transaction } from '../../db/transaction.js';

export type ProfileRow = Selectable<ProfilesTable> & { id: number };
export type ProfileFolderRow = { id: number; name: string; parent_id: number | null };
export type Target = { type: 'device' | 'folder'; id: number };

const normProfile = (r: Selectable<ProfilesTable>): ProfileRow => ({
  ...r,
  id: Number(r.id),
  folder_id: r.folder_id === null ? null : Number(r.folder_id),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});
const normFolder = (r: Pick<Selectable<ProfileFoldersTable>, 'id' | 'name' | 'parent_id'>): ProfileFolderRow => ({
  id: Number(r.id),
  name: r.name,
  parent_id: r.parent_id === null ? null : Number(r.parent_id),
});

export class ProfilesRepository {
  constructor(readonly db: Db) {}

  insertProfile = async (p: Omit<ProfilesTable, 'id'>, db: Db = this.db): Promise<number> =>
    Number((await db.insertInto('profiles').values(p).returning('id').executeTakeFirstOrThrow()).id);

  findProfileById = async (id: number, db: Db = this.db): Promise<ProfileRow | undefined> => {
    const r = await db.selectFrom('profiles').selectAll().where('id', '=', id).executeTakeFirst();
    return r && normProfile(r);
  };

  /** By id; optionally only one folder ('root' = top level) and/or a case-insensitive name prefix. */
  listProfiles = async (q: {
    limit: number;
    afterId: number | null;
    folderId?: number | 'root';
    prefix?: string;
    /** Only profiles the administrator may browse (absent = all). */
    visible?: RawBuilder<boolean> | null;
  }): Promise<ProfileRow[]> => {
    let s = this.db.selectFrom('profiles').selectAll().orderBy('id').limit(q.limit);
    if (q.visible) s = s.where(q.visible);
    if (q.afterId !== null) s = s.where('id', '>', q.afterId);
    if (q.folderId === 'root') s = s.where('folder_id', 'is', null);
    else if (q.folderId !== undefined) s = s.where('folder_id', '=', q.folderId);
    if (q.prefix) s = s.where('name_lc', '>=', q.prefix).where('name_lc', '<', `${q.prefix}\uffff`);
    return (await s.execute()).map(normProfile);
  };

  updateProfile = async (id: number, patch: Partial<Omit<ProfilesTable, 'id'>>, db: Db = this.db): Promise<boolean> =>
    Number((await db.updateTable('profiles').set(patch).where('id', '=', id).executeTakeFirst()).numUpdatedRows) > 0;

  /** Its access list goes with it (no foreign key); call inside a transaction. */
  deleteProfile = async (id: number, db: Db = this.db): Promise<boolean> => {
    const deleted = Number((await db.deleteFrom('profiles').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    await db.deleteFrom('access_entries').where('object_type', '=', 'profile').where('object_id', '=', id).execute();
    return deleted;
  };

  /** Adds assignments; an assignment that exists already is kept as it is. */
  insertAssignments = async (profileId: number, targets: readonly Target[], now: number, db: Db = this.db) => {
    await db
      .insertInto('profile_assignments')
      .values(targets.map((t) => ({ profile_id: profileId, target_type: t.type, target_id: t.id, created_at: now })))
      .onConflict((oc) => oc.columns(['profile_id', 'target_type', 'target_id']).doNothing())
      .execute();
  };

  /** Call inside the change's transaction: the removals count as one. */
  deleteAssignments = async (profileId: number, targets: readonly Target[], trx: Db): Promise<number> => {
    let n = 0;
    for (const t of targets) {
      const r = await trx
        .deleteFrom('profile_assignments')
        .where('profile_id', '=', profileId)
        .where('target_type', '=', t.type)
        .where('target_id', '=', t.id)
        .executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  };

  /** Direct assignments of a profile with the target's name, by assignment id. */
  /** Where a profile is assigned now (read inside a change before it removes assignments). */
  listProfileTargets = async (profileId: number, db: Db = this.db): Promise<Target[]> => {
    const rows = await db
      .selectFrom('profile_assignments')
      .select(['target_type', 'target_id'])
      .where('profile_id', '=', profileId)
      .execute();
    return rows.map((r) => ({ type: r.target_type, id: Number(r.target_id) }));
  };

  /** `visible`: the device tree's scope of the administrator; targets outside it are left out. */
  listAssignmentsOf = async (profileId: number, limit: number, afterId: number | null, visible?: TreeScope) => {
    let q = this.db
      .selectFrom('profile_assignments as a')
      .leftJoin('devices as d', (j) => j.onRef('d.id', '=', 'a.target_id').on('a.target_type', '=', 'device'))
      .leftJoin('device_folders as f', (j) => j.onRef('f.id', '=', 'a.target_id').on('a.target_type', '=', 'folder'))
      .select(['a.id', 'a.target_type', 'a.target_id', 'a.created_at', 'd.name as device_name', 'f.name as folder_name'])
      .where('a.profile_id', '=', profileId)
      .orderBy('a.id')
      .limit(limit);
    if (afterId !== null) q = q.where('a.id', '>', afterId);
    if (visible && (visible.objects || visible.folders)) {
      const devices = visible.objects ?? sql<boolean>`1 = 1`;
      const folders = visible.folders ?? sql<boolean>`1 = 1`;
      q = q.where(
        sql<boolean>`((a.target_type = 'device' and a.target_id in (select id from devices where ${devices}))
          or (a.target_type = 'folder' and a.target_id in (select id from device_folders where ${folders})))`,
      );
    }
    return (await q.execute()).map((r) => ({
      id: Number(r.id),
      type: r.target_type,
      targetId: Number(r.target_id),
      name: r.device_name ?? r.folder_name ?? '',
      createdAt: Number(r.created_at),
    }));
  };

  /** Profiles assigned to the device itself or to any of the given folders. */
  listAssignmentsFor = async (deviceId: number, folderIds: number[]) => {
    const rows = await this.db
      .selectFrom('profile_assignments as a')
      .innerJoin('profiles as p', 'p.id', 'a.profile_id')
      .select(['a.target_type', 'a.target_id', 'p.id', 'p.name', 'p.type', 'p.based_on', 'p.settings'])
      .where((eb) =>
        eb.or([
          eb.and([eb('a.target_type', '=', 'device'), eb('a.target_id', '=', deviceId)]),
          ...(folderIds.length ? [eb.and([eb('a.target_type', '=', 'folder'), eb('a.target_id', 'in', folderIds)])] : []),
        ]),
      )
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), target_id: Number(r.target_id) }));
  };

  /** The devices (name, OS version) and folders among the given ids that exist. */
  findTargets = async (deviceIds: readonly number[], folderIds: readonly number[]) => {
    const devices = deviceIds.length
      ? await this.db.selectFrom('devices').select(['id', 'name', 'version']).where('id', 'in', deviceIds).execute()
      : [];
    const folders = folderIds.length ? await this.db.selectFrom('device_folders').select('id').where('id', 'in', folderIds).execute() : [];
    return {
      devices: new Map(devices.map((d) => [Number(d.id), { name: d.name, version: d.version }])),
      folders: new Set(folders.map((f) => Number(f.id))),
    };
  };

  /** A device's own configuration (table device_settings), or undefined. */
  findOwnConfiguration = async (deviceId: number, db: Db = this.db) => {
    const r = await db
      .selectFrom('device_settings')
      .select(['settings', 'updated_at'])
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    return r && { settings: r.settings, updatedAt: Number(r.updated_at) };
  };

  putOwnConfiguration = async (deviceId: number, settings: string, now: number, db: Db = this.db) => {
    await db
      .insertInto('device_settings')
      .values({ device_id: deviceId, settings, updated_at: now })
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ settings, updated_at: now }))
      .execute();
  };

  // ── profile folders ─────────────────────────────────────────────────────────
  findFolder = async (id: number): Promise<ProfileFolderRow | undefined> => {
    const r = await this.db.selectFrom('profile_folders').select(['id', 'name', 'parent_id']).where('id', '=', id).executeTakeFirst();
    return r && normFolder(r);
  };

  listFolders = async (limit: number, afterId: number | null, visible: RawBuilder<boolean> | null = null): Promise<ProfileFolderRow[]> => {
    let q = this.db.selectFrom('profile_folders').select(['id', 'name', 'parent_id']).orderBy('id').limit(limit);
    if (visible) q = q.where(visible);
    if (afterId !== null) q = q.where('id', '>', afterId);
    return (await q.execute()).map(normFolder);
  };

  insertFolder = async (name: string, parentId: number | null, now: number, db: Db = this.db): Promise<number> =>
    Number(
      (
        await db
          .insertInto('profile_folders')
          .values({ name, parent_id: parentId, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );

  updateFolder = async (id: number, patch: { name?: string; parent_id?: number | null }, db: Db = this.db) => {
    await db.updateTable('profile_folders').set(patch).where('id', '=', id).execute();
  };

  /** Its access list goes with it (no foreign key). */
  /** `alsoInTrx` runs in the same transaction (the audit entry). */
  deleteFolder = (id: number, alsoInTrx?: (trx: Db) => Promise<void>) =>
    transaction(this.db, async (trx) => {
      await trx.deleteFrom('profile_folders').where('id', '=', id).execute();
      await trx.deleteFrom('access_entries').where('object_type', '=', 'profile-folder').where('object_id', '=', id).execute();
      await alsoInTrx?.(trx);
    });

  folderIsEmpty = async (id: number): Promise<boolean> => {
    const child = await this.db.selectFrom('profile_folders').select('id').where('parent_id', '=', id).limit(1).executeTakeFirst();
    const profile = await this.db.selectFrom('profiles').select('id').where('folder_id', '=', id).limit(1).executeTakeFirst();
    return !child && !profile;
  };

  /** The folder's path from the top ("/Berlin/Office"), nearest last. */
  folderPath = async (id: number): Promise<ProfileFolderRow[]> => {
    const chain: ProfileFolderRow[] = [];
    let next: number | null = id;
    while (next !== null && chain.length < 100) {
      const f = await this.findFolder(next);
      if (!f) break;
      chain.unshift(f);
      next = f.parent_id;
    }
    return chain;
  };

  findFolderByName = async (parentId: number | null, name: string, db: Db = this.db): Promise<ProfileFolderRow | undefined> => {
    let q = db.selectFrom('profile_folders').select(['id', 'name', 'parent_id']).where('name', '=', name);
    q = parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parentId);
    const r = await q.executeTakeFirst();
    return r && normFolder(r);
  };
}
