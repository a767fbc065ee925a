import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { num, type JDb, type JobFolderRow } from './jobs.tables.js';

const folderRow = (r: { id: number; name: string; created_at: number; parent_id: number | null }): JobFolderRow => ({
  id: Number(r.id),
  name: r.name,
  created_at: Number(r.created_at),
  parent_id: num(r.parent_id),
});

/** Job folders (a tree by `parent_id`) and the jobs filed in them. */
export class JobFoldersRepository {
  private readonly db: JDb;
  constructor(db: Db) {
    this.db = db as unknown as JDb;
  }

  private at = (db?: Db): JDb => (db ?? this.db) as unknown as JDb;

  insertFolder = async (name: string, parentId: number | null, now: number, db?: Db): Promise<number> =>
    Number(
      (
        await this.at(db)
          .insertInto('job_folders')
          .values({ name, parent_id: parentId, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );

  /** By id, keyset-paged. */
  listFolders = async (afterId: number, limit: number): Promise<JobFolderRow[]> =>
    (await this.db.selectFrom('job_folders').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute()).map(folderRow);

  findFolder = async (id: number, db?: Db): Promise<JobFolderRow | undefined> => {
    const r = await this.at(db).selectFrom('job_folders').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? folderRow(r) : undefined;
  };

  updateFolder = async (id: number, patch: { name?: string; parent_id?: number | null }, db?: Db): Promise<void> => {
    await this.at(db).updateTable('job_folders').set(patch).where('id', '=', id).execute();
  };

  /** The folder and its ancestors up to the top (depth-bounded against a corrupt cycle). */
  ancestorsOf = async (id: number, db?: Db): Promise<number[]> => {
    const r = await sql<{ id: number }>`with recursive up(id, parent_id, depth) as (
        select id, parent_id, 0 from job_folders where id = ${id}
        union select f.id, f.parent_id, up.depth + 1 from job_folders f join up on f.id = up.parent_id where up.depth < 1000)
      select id from up`.execute(this.at(db));
    return r.rows.map((x) => Number(x.id));
  };

  hasChildren = async (id: number, db?: Db): Promise<boolean> =>
    Boolean(await this.at(db).selectFrom('job_folders').select('id').where('parent_id', '=', id).limit(1).executeTakeFirst());

  /** Deletes the folder; its jobs move to `moveJobsTo` (the parent, or no folder). */
  deleteFolder = async (id: number, moveJobsTo: number | null, db: Db): Promise<void> => {
    const trx = this.at(db);
    await trx.updateTable('jobs').set({ folder_id: moveJobsTo }).where('folder_id', '=', id).execute();
    await trx.deleteFrom('job_folders').where('id', '=', id).execute();
  };
}
