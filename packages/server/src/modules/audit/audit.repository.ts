import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { AuditLogTable } from '../../db/types.js';

export type AuditRow = Selectable<AuditLogTable>;
export type AuditInsert = Insertable<AuditLogTable>;

export interface AuditFilter {
  from?: number;
  to?: number;
  actorId?: number;
  objectType?: string;
  objectId?: number;
  action?: string;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** Writes with `db`: the caller's transaction, so the entry commits or rolls back with the change. */
  insertEntries = async (entries: AuditInsert[], db: Db): Promise<void> => {
    if (entries.length) await db.insertInto('audit_log').values(entries).execute();
  };

  /** Newest first by (at, id); `before` is the (at, id) of the last row of the previous page. */
  listEntries = async (f: AuditFilter, before: [number, number] | null, limit: number): Promise<AuditRow[]> => {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (f.from !== undefined) q = q.where('at', '>=', f.from);
    if (f.to !== undefined) q = q.where('at', '<', f.to);
    if (f.actorId !== undefined) q = q.where('actor_id', '=', f.actorId);
    if (f.objectType !== undefined) q = q.where('object_type', '=', f.objectType);
    if (f.objectId !== undefined) q = q.where('object_id', '=', f.objectId);
    if (f.action !== undefined) q = q.where('action', '=', f.action);
    if (before) {
      const [at, id] = before;
      q = q.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
    }
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), at: Number(r.at) }));
  };

  /** Deletes up to `batch` entries older than `cutoff`; returns how many. */
  deleteOlderThan = async (cutoff: number, batch: number): Promise<number> => {
    const r = await this.db
      .deleteFrom('audit_log')
      .where('id', 'in', this.db.selectFrom('audit_log').select('id').where('at', '<', cutoff).limit(batch))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  };
}
