import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ProfilesTable } from '../../db/types.js';

export type ProfileRow = Selectable<ProfilesTable> & { id: number };

export class ProfilesRepository {
  constructor(private readonly db: Db) {}

  insertProfile = async (p: Omit<ProfilesTable, 'id'>): Promise<number> =>
    Number((await this.db.insertInto('profiles').values(p).returning('id').executeTakeFirstOrThrow()).id);

  findProfileById = async (id: number): Promise<ProfileRow | undefined> =>
    (await this.db.selectFrom('profiles').selectAll().where('id', '=', id).executeTakeFirst()) as ProfileRow | undefined;

  listProfiles = async (limit: number, afterId: number | null): Promise<ProfileRow[]> => {
    let q = this.db.selectFrom('profiles').selectAll().orderBy('id').limit(limit);
    if (afterId !== null) q = q.where('id', '>', afterId);
    return (await q.execute()) as ProfileRow[];
  };

  updateProfile = async (id: number, patch: Partial<Omit<ProfilesTable, 'id'>>): Promise<boolean> =>
    Number((await this.db.updateTable('profiles').set(patch).where('id', '=', id).executeTakeFirst()).numUpdatedRows) > 0;

  deleteProfile = async (id: number): Promise<boolean> =>
    Number((await this.db.deleteFrom('profiles').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;

  /** Adds assignments; an assignment that exists already is kept as it is. */
  insertAssignments = async (profileId: number, targets: Array<{ type: 'device' | 'folder'; id: number }>, now: number) => {
    await this.db
      .insertInto('profile_assignments')
      .values(targets.map((t) => ({ profile_id: profileId, target_type: t.type, target_id: t.id, created_at: now })))
      .onConflict((oc) => oc.columns(['profile_id', 'target_type', 'target_id']).doNothing())
      .execute();
  };

  deleteAssignments = async (profileId: number, targets: Array<{ type: 'device' | 'folder'; id: number }>): Promise<number> => {
    let n = 0;
    for (const t of targets) {
      const r = await this.db
        .deleteFrom('profile_assignments')
        .where('profile_id', '=', profileId)
        .where('target_type', '=', t.type)
        .where('target_id', '=', t.id)
        .executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  };

  /** Profiles assigned to the device itself or to any of the given folders. */
  listAssignmentsFor = async (deviceId: number, folderIds: number[]) => {
    const rows = await this.db
      .selectFrom('profile_assignments as a')
      .innerJoin('profiles as p', 'p.id', 'a.profile_id')
      .select(['a.target_type', 'a.target_id', 'p.id', 'p.name', 'p.type', 'p.settings'])
      .where((eb) =>
        eb.or([
          eb.and([eb('a.target_type', '=', 'device'), eb('a.target_id', '=', deviceId)]),
          ...(folderIds.length ? [eb.and([eb('a.target_type', '=', 'folder'), eb('a.target_id', 'in', folderIds)])] : []),
        ]),
      )
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), target_id: Number(r.target_id) }));
  };

  findDeviceSettings = async (deviceId: number): Promise<string | undefined> =>
    (await this.db.selectFrom('device_settings').select('settings').where('device_id', '=', deviceId).executeTakeFirst())?.settings;
}
