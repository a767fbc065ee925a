import { sql } from 'kysely';
import type { AccessNodeRef, AccessObjectType, PrincipalType } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { exclusiveWriteLock, type DialectName } from '../../db/dialect.js';
import { transaction } from '../../db/transaction.js';

/** The tree an object type lives in: its folder type and tables. */
export interface AccessTree {
  folderType: AccessObjectType;
  objectType: AccessObjectType;
  folders: 'device_folders' | 'profile_folders' | 'view_folders';
  objects: 'devices' | 'profiles' | 'views';
}

const DEVICE_TREE: AccessTree = { folderType: 'device-folder', objectType: 'device', folders: 'device_folders', objects: 'devices' };
const PROFILE_TREE: AccessTree = { folderType: 'profile-folder', objectType: 'profile', folders: 'profile_folders', objects: 'profiles' };
const VIEW_TREE: AccessTree = { folderType: 'view-folder', objectType: 'view', folders: 'view_folders', objects: 'views' };

export const TREE_OF: Record<AccessObjectType, AccessTree> = {
  device: DEVICE_TREE,
  'device-folder': DEVICE_TREE,
  profile: PROFILE_TREE,
  'profile-folder': PROFILE_TREE,
  view: VIEW_TREE,
  'view-folder': VIEW_TREE,
};

export interface EntryRow {
  object_type: string;
  object_id: number;
  principal_type: PrincipalType;
  principal_id: number;
  allow_mask: number;
  deny_mask: number;
}

const normEntry = <T extends EntryRow>(r: T): T => ({
  ...r,
  object_id: Number(r.object_id),
  principal_id: Number(r.principal_id),
  allow_mask: Number(r.allow_mask),
  deny_mask: Number(r.deny_mask),
});

/** Access lists (table access_entries): read, replace, and the checks around them. */
export class AccessRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
  ) {}

  /**
   * Runs `fn` in a transaction in which no other writer changes access lists (PostgreSQL; SQLite
   * serialises writers anyway): two replacements of one list cannot interleave their delete and
   * insert, and a principal or object deleted meanwhile has its rows deleted after this commit.
   * `fn` may run more than once (db/transaction.ts).
   */
  inListTransaction = <T>(fn: (trx: Db) => Promise<T>): Promise<T> =>
    transaction(this.db, async (trx) => {
      const lock = exclusiveWriteLock(this.dialect, 'access_entries');
      if (lock) await lock.execute(trx);
      return fn(trx);
    });

  /** The node's folder (an object's folder, a folder's parent; null = top level), or undefined if it does not exist. */
  findNodeParent = async (ref: AccessNodeRef, db: Db = this.db): Promise<{ parentId: number | null } | undefined> => {
    const tree = TREE_OF[ref.type];
    const folder = ref.type === tree.folderType;
    const r = await sql<{ parent: number | null }>`
      select ${sql.ref(folder ? 'parent_id' : 'folder_id')} as parent
      from ${sql.table(folder ? tree.folders : tree.objects)} where id = ${ref.id}`.execute(db);
    const row = r.rows[0];
    if (!row) return undefined;
    return { parentId: row.parent === null ? null : Number(row.parent) };
  };

  /** The list of one node, administrators first, then groups, each by id. */
  listEntries = async (ref: AccessNodeRef, db: Db = this.db): Promise<EntryRow[]> => {
    const rows = await db
      .selectFrom('access_entries')
      .select(['object_type', 'object_id', 'principal_type', 'principal_id', 'allow_mask', 'deny_mask'])
      .where('object_type', '=', ref.type)
      .where('object_id', '=', ref.id)
      .orderBy('principal_type')
      .orderBy('principal_id')
      .execute();
    return rows.map(normEntry);
  };

  listPrincipalNames = async (ref: AccessNodeRef): Promise<Array<{ type: PrincipalType; id: number; name: string }>> => {
    const r = await sql<{ type: PrincipalType; id: number; name: string }>`
      select 'admin' as type, u.id, case when u.domain is null then u.username else u.username || '@' || u.domain end as name
      from access_entries e join users u on u.id = e.principal_id
      where e.object_type = ${ref.type} and e.object_id = ${ref.id} and e.principal_type = 'admin'
      union all
      select 'group' as type, g.id, g.name
      from access_entries e join admin_groups g on g.id = e.principal_id
      where e.object_type = ${ref.type} and e.object_id = ${ref.id} and e.principal_type = 'group'
      order by 1, 2`.execute(this.db);
    return r.rows.map((row) => ({ type: row.type, id: Number(row.id), name: row.name }));
  };

  replaceEntries = async (
    ref: AccessNodeRef,
    entries: ReadonlyArray<{ principalType: PrincipalType; principalId: number; allow: number; deny: number }>,
    trx: Db,
  ): Promise<void> => {
    await trx.deleteFrom('access_entries').where('object_type', '=', ref.type).where('object_id', '=', ref.id).execute();
    if (!entries.length) return;
    await trx
      .insertInto('access_entries')
      .values(
        entries.map((e) => ({
          object_type: ref.type,
          object_id: ref.id,
          principal_type: e.principalType,
          principal_id: e.principalId,
          allow_mask: e.allow,
          deny_mask: e.deny,
        })),
      )
      .execute();
  };

  /** Of `ids`, those that exist as administrators / groups. */
  existingPrincipalIds = async (type: PrincipalType, ids: readonly number[], db: Db = this.db): Promise<Set<number>> => {
    if (!ids.length) return new Set();
    const table = type === 'admin' ? 'users' : 'admin_groups';
    const rows = await db
      .selectFrom(table)
      .select('id')
      .where('id', 'in', [...ids])
      .execute();
    return new Set(rows.map((r) => Number(r.id)));
  };

  findAdmin = async (id: number): Promise<{ id: number; superuser: boolean } | undefined> => {
    const r = await this.db.selectFrom('users').select(['id', 'superuser']).where('id', '=', id).executeTakeFirst();
    return r && { id: Number(r.id), superuser: Number(r.superuser) === 1 };
  };
}
