import type { RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';

export interface ViewFolderRow {
  id: number;
  name: string;
  parent_id: number | null;
}

export interface ViewRow {
  id: number;
  name: string;
  description: string;
  folder_id: number | null;
  criteria_json: string;
  created_at: number;
  updated_at: number;
}

const nid = (v: number | null) => (v === null ? null : Number(v));
const toFolderRow = (r: ViewFolderRow): ViewFolderRow => ({ id: Number(r.id), name: r.name, parent_id: nid(r.parent_id) });
const toViewRow = (r: ViewRow): ViewRow => ({
  ...r,
  id: Number(r.id),
  folder_id: nid(r.folder_id),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

/** Saved views and view folders (tables `views`, `view_folders`). */
export class SavedViewsRepository {
  constructor(readonly db: Db) {}

  // ── folders ───────────────────────────────────────────────────────────────
  listFolders = async (limit: number, afterId: number | null, visible: RawBuilder<boolean> | null): Promise<ViewFolderRow[]> => {
    let q = this.db.selectFrom('view_folders').select(['id', 'name', 'parent_id']).orderBy('id').limit(limit);
    if (afterId !== null) q = q.where('id', '>', afterId);
    if (visible) q = q.where(visible);
    return (await q.execute()).map(toFolderRow);
  };

  findFolder = async (id: number, db: Db = this.db): Promise<ViewFolderRow | undefined> => {
    const r = await db.selectFrom('view_folders').select(['id', 'name', 'parent_id']).where('id', '=', id).executeTakeFirst();
    return r && toFolderRow(r);
  };

  findFolderByName = async (parentId: number | null, name: string, db: Db = this.db): Promise<ViewFolderRow | undefined> => {
    const r = await db
      .selectFrom('view_folders')
      .select(['id', 'name', 'parent_id'])
      .where((eb) => (parentId === null ? eb('parent_id', 'is', null) : eb('parent_id', '=', parentId)))
      .where('name', '=', name)
      .executeTakeFirst();
    return r && toFolderRow(r);
  };

  insertFolder = async (name: string, parentId: number | null, now: number, db: Db): Promise<number> => {
    const r = await db
      .insertInto('view_folders')
      .values({ name, parent_id: parentId, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  };

  updateFolder = async (id: number, values: { name: string; parent_id: number | null }, db: Db): Promise<void> => {
    await db.updateTable('view_folders').set(values).where('id', '=', id).execute();
  };

  /** Deletes the folder and its access list. */
  deleteFolder = async (id: number, db: Db): Promise<void> => {
    await db.deleteFrom('view_folders').where('id', '=', id).execute();
    await db.deleteFrom('access_entries').where('object_type', '=', 'view-folder').where('object_id', '=', id).execute();
  };

  folderIsEmpty = async (id: number, db: Db = this.db): Promise<boolean> => {
    const child = await db.selectFrom('view_folders').select('id').where('parent_id', '=', id).limit(1).executeTakeFirst();
    const view = await db.selectFrom('views').select('id').where('folder_id', '=', id).limit(1).executeTakeFirst();
    return !child && !view;
  };

  /** The folder and its ancestors, nearest last; the depth bound ends the walk on a corrupt tree. */
  folderChain = async (id: number, db: Db = this.db): Promise<number[]> => {
    const chain: number[] = [];
    for (let at: number | null = id; at !== null && chain.length < 1000;) {
      const f: ViewFolderRow | undefined = await this.findFolder(at, db);
      if (!f) break;
      chain.unshift(f.id);
      at = f.parent_id;
    }
    return chain;
  };

  // ── views ─────────────────────────────────────────────────────────────────
  /** A page by id; `folderId` null = the top level, undefined = every folder. */
  listViews = async (q: {
    folderId: number | null | undefined;
    afterId: number | null;
    limit: number;
    visible: RawBuilder<boolean> | null;
  }): Promise<ViewRow[]> => {
    let query = this.db.selectFrom('views').selectAll().orderBy('id').limit(q.limit);
    if (q.folderId === null) query = query.where('folder_id', 'is', null);
    else if (q.folderId !== undefined) query = query.where('folder_id', '=', q.folderId);
    if (q.afterId !== null) query = query.where('id', '>', q.afterId);
    if (q.visible) query = query.where(q.visible);
    return (await query.execute()).map(toViewRow);
  };

  findView = async (id: number, db: Db = this.db): Promise<ViewRow | undefined> => {
    const r = await db.selectFrom('views').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toViewRow(r);
  };

  insertView = async (v: Omit<ViewRow, 'id'>, db: Db): Promise<number> => {
    const r = await db.insertInto('views').values(v).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  };

  updateView = async (id: number, v: Partial<Omit<ViewRow, 'id' | 'created_at'>>, db: Db): Promise<void> => {
    await db.updateTable('views').set(v).where('id', '=', id).execute();
  };

  /** Deletes the view and its access list. */
  deleteView = async (id: number, db: Db): Promise<void> => {
    await db.deleteFrom('views').where('id', '=', id).execute();
    await db.deleteFrom('access_entries').where('object_type', '=', 'view').where('object_id', '=', id).execute();
  };
}
