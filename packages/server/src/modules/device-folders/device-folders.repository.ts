import { sql, type RawBuilder } from 'kysely';
import type { TreeScope } from '../access/list-filter-sql.js';
import type { Db } from '../../db/database.js';
import { exclusiveWriteLock, type DialectName } from '../../db/dialect.js';
import { transaction } from '../../db/transaction.js';

/**
 * The folders `roots` and every folder below them, as a subquery for `where('folder_id', 'in', …)`
 * (a recursive CTE, the same on SQLite and PostgreSQL). The one definition of a folder subtree:
 * every "devices in these folders and below" read or update is built on it. `roots` must not be
 * empty; `union` (not `union all`) ends the walk even on a corrupt tree with a cycle.
 */
export function folderSubtreeIds(roots: readonly number[]): RawBuilder<number> {
  return sql<number>`(
    with recursive subtree(id) as (
      select id from device_folders where id in (${sql.join(roots)})
      union select f.id from device_folders f join subtree on f.parent_id = subtree.id
    ) select id from subtree)`;
}

/**
 * The most folders a subtree is read as ids beforehand (`readSubtreeIds`) for a statement that
 * reads every device below it — a count, a view, a bulk read or update. A larger subtree's devices
 * are most of the table anyway, and there a long id list, compared element by element per row in
 * a reused (generic) PostgreSQL plan, cost more than the recursive query's hashed set (measured
 * with 250–265 folders: views 38 → 55 ms, the bulk read 30 → 34 ms; docs/benchmarks.md). The
 * device list's page reads up to 500 (its walk in sort order stops at a page).
 */
export const SUBTREE_READ_LIMIT = 64;

/**
 * The folders `roots` and every folder below them as ids, read before the statement that uses
 * them, so that the database plans that statement for the real subtree: a recursive query inside
 * it is estimated at about half the folders, and PostgreSQL then walked the whole name index (or
 * the whole table) for a leaf's hundred devices — ~50–100 ms instead of ~1 ms at 100,000 devices.
 * null: no such folder, or more than `limit` folders (the recursive query, whose estimate suits a
 * large subtree, stays in the statement).
 */
export async function readSubtreeIds(db: Db, roots: number | readonly number[], limit = SUBTREE_READ_LIMIT): Promise<number[] | null> {
  const list = typeof roots === 'number' ? [roots] : roots;
  if (list.length === 0) return null;
  const rows = await db
    .selectFrom('device_folders')
    .select('id')
    .where('id', 'in', folderSubtreeIds(list))
    .limit(limit + 1)
    .execute();
  return rows.length === 0 || rows.length > limit ? null : rows.map((r) => Number(r.id));
}

/** `column` (a folder id) in the subtrees of `roots`: their ids read beforehand when given, else the recursive query. */
export function inFolderSubtree(column: string, roots: number | readonly number[], ids?: readonly number[] | null): RawBuilder<boolean> {
  const col = sql.ref(column);
  if (!ids?.length) return sql<boolean>`${col} in ${folderSubtreeIds(typeof roots === 'number' ? [roots] : roots)}`;
  return ids.length === 1 ? sql<boolean>`${col} = ${ids[0]}` : sql<boolean>`${col} in (${sql.join(ids)})`;
}

/** `column` in the subtrees of `roots`, their folder ids read first when there are at most `limit` (readSubtreeIds). */
export async function subtreeCondition(
  db: Db,
  column: string,
  roots: number | readonly number[],
  limit = SUBTREE_READ_LIMIT,
): Promise<RawBuilder<boolean>> {
  return inFolderSubtree(column, roots, await readSubtreeIds(db, roots, limit));
}

export interface FolderRow {
  id: number;
  name: string;
  parent_id: number | null;
}

export class DeviceFoldersRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
  ) {}

  findFolderById = async (id: number, db: Db = this.db): Promise<FolderRow | undefined> => {
    const r = await db.selectFrom('device_folders').select(['id', 'name', 'parent_id']).where('id', '=', id).executeTakeFirst();
    return r && norm(r);
  };

  /** Direct children of `parentId` (null = top level) ordered by name, or all folders by id. */
  listFolders = async (q: {
    parentId: number | null | undefined;
    limit: number;
    after: [string, number] | [number] | null;
    scope?: TreeScope;
  }) => {
    let query = this.db.selectFrom('device_folders').select(['id', 'name', 'parent_id']).limit(q.limit);
    if (q.scope?.folders) query = query.where(q.scope.folders);
    if (q.parentId === undefined) {
      query = query.orderBy('id');
      if (q.after) query = query.where('id', '>', q.after[0] as number);
    } else {
      query = q.parentId === null ? query.where('parent_id', 'is', null) : query.where('parent_id', '=', q.parentId);
      query = query.orderBy('name').orderBy('id');
      if (q.after) {
        const [name, id] = q.after as [string, number];
        query = query.where((eb) => eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]));
      }
    }
    return (await query.execute()).map(norm);
  };

  /** Direct sub-folder and device counts for the given folders (of what `scope` lets the administrator see). */
  countContents = async (
    ids: number[],
    db: Db = this.db,
    scope?: TreeScope,
  ): Promise<Map<number, { childCount: number; deviceCount: number }>> => {
    const out = new Map(ids.map((id) => [id, { childCount: 0, deviceCount: 0 }]));
    if (ids.length === 0) return out;
    let children = db
      .selectFrom('device_folders')
      .select(['parent_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('parent_id', 'in', ids);
    if (scope?.folders) children = children.where(scope.folders);
    let devices = db
      .selectFrom('devices')
      .select(['folder_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('folder_id', 'in', ids);
    if (scope?.objects) devices = devices.where(scope.objects);
    const [childRows, deviceRows] = await Promise.all([children.groupBy('parent_id').execute(), devices.groupBy('folder_id').execute()]);
    for (const c of childRows) out.get(Number(c.parent_id))!.childCount = Number(c.n);
    for (const d of deviceRows) out.get(Number(d.folder_id))!.deviceCount = Number(d.n);
    return out;
  };

  /**
   * Devices in each of the folders and everything below it (of what `visible` lets the
   * administrator see), in one statement: a recursive CTE pairs each folder with its subtree
   * folders, the devices of those folders are counted once per folder (the folder_id index), and
   * the per-folder counts are summed per subtree. Depth-bounded against a corrupt cycle.
   */
  countSubtreeDevices = async (
    ids: number[],
    visible: RawBuilder<boolean> | null = null,
    db: Db = this.db,
  ): Promise<Map<number, number>> => {
    const out = new Map(ids.map((id) => [id, 0]));
    if (ids.length === 0) return out;
    const rows = await sql<{ root: number; n: number }>`
      with recursive sub(root, id, depth) as (
        select id, id, 0 from device_folders where id in (${sql.join(ids)})
        union all
        select sub.root, f.id, sub.depth + 1 from device_folders f join sub on f.parent_id = sub.id where sub.depth < 100
      )
      select sub.root as root, sum(d.n) as n
      from sub join (
        select folder_id, count(*) as n from devices
        where folder_id in (select id from sub) and ${visible ?? sql`1 = 1`} group by folder_id
      ) d on d.folder_id = sub.id
      group by sub.root`.execute(db);
    for (const r of rows.rows) out.set(Number(r.root), Number(r.n));
    return out;
  };

  findSiblingByName = async (parentId: number | null, name: string, db: Db = this.db): Promise<FolderRow | undefined> => {
    let q = db
      .selectFrom('device_folders')
      .select(['id', 'name', 'parent_id'])
      .where(sql`lower(name)`, '=', name.toLowerCase());
    q = parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parentId);
    const r = await q.executeTakeFirst();
    return r && norm(r);
  };

  /** Ids of the folder's ancestors, nearest first. */
  listAncestorIds = async (id: number, db: Db = this.db): Promise<number[]> => {
    const rows = await sql<{ id: number }>`
      with recursive up(id, parent_id, depth) as (
        select id, parent_id, 0 from device_folders where id = ${id}
        union all
        select f.id, f.parent_id, up.depth + 1 from device_folders f join up on f.id = up.parent_id where up.depth < 1000
      )
      select id from up where depth > 0 order by depth`.execute(db);
    return rows.rows.map((r) => Number(r.id));
  };

  insertFolder = async (f: { name: string; parentId: number | null; now: number }, db: Db = this.db): Promise<number> => {
    const r = await db
      .insertInto('device_folders')
      .values({ name: f.name, parent_id: f.parentId, created_at: f.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  };

  updateFolder = async (id: number, patch: { name?: string; parent_id?: number | null }, db: Db = this.db) => {
    await db.updateTable('device_folders').set(patch).where('id', '=', id).execute();
  };

  /** Profile assignments to the folder and its access list go with it (they reference it without a foreign key). */
  /** Default folder rules that place devices in this folder (or create per-subnet folders in it). */
  listRulesTargeting = async (folderId: number, db: Db = this.db): Promise<Array<{ id: number; name: string }>> =>
    (
      await db
        .selectFrom('default_folder_rules')
        .select(['id', 'name'])
        .where('target_folder_id', '=', folderId)
        .orderBy('id')
        .limit(20)
        .execute()
    ).map((r) => ({ id: Number(r.id), name: r.name }));

  deleteFolder = async (id: number, db: Db = this.db) => {
    await db.deleteFrom('profile_assignments').where('target_type', '=', 'folder').where('target_id', '=', id).execute();
    await db.deleteFrom('device_folders').where('id', '=', id).execute();
    await db.deleteFrom('access_entries').where('object_type', '=', 'device-folder').where('object_id', '=', id).execute();
  };

  /** Runs `fn` in a transaction in which no other writer changes the folder tree; `fn` may run more than once (db/transaction.ts). */
  inTreeTransaction = <T>(fn: (trx: Db) => Promise<T>): Promise<T> =>
    transaction(this.db, async (trx) => {
      const lock = exclusiveWriteLock(this.dialect, 'device_folders');
      if (lock) await lock.execute(trx);
      return fn(trx);
    });
}

const norm = (r: { id: number; name: string; parent_id: number | null }): FolderRow => ({
  id: Number(r.id),
  name: r.name,
  parent_id: r.parent_id === null ? null : Number(r.parent_id),
});
