import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { transaction } from '../../db/transaction.js';

export interface NotificationRow {
  id: number;
  key: string;
  kind: string;
  severity: string;
  title: string;
  message: string;
  object_type: string | null;
  object_id: string | null;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
}

/** What a check says holds now; `key` names the condition across checks and restarts. */
export interface Condition {
  key: string;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  message: string;
  objectType?: string;
  objectId?: string;
}

export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  /**
   * A kind's current conditions: new keys are raised, known ones updated (a resolved one is
   * raised again, unread), keys of that kind no longer reported are resolved. Returns the rows
   * raised (new or again), for mail. One transaction.
   */
  sync = (kind: string, conditions: readonly Condition[], now: number): Promise<NotificationRow[]> =>
    transaction(this.db, async (trx) => {
      const known = await trx.selectFrom('notifications').selectAll().where('kind', '=', kind).execute();
      const byKey = new Map(known.map((r) => [r.key, r]));
      const raised: NotificationRow[] = [];
      for (const c of conditions) {
        const row = byKey.get(c.key);
        const values = {
          severity: c.severity,
          title: c.title.slice(0, 200),
          message: c.message.slice(0, 2000),
          object_type: c.objectType ?? null,
          object_id: c.objectId ?? null,
          updated_at: now,
        };
        if (!row) {
          const inserted = await trx
            .insertInto('notifications')
            .values({ key: c.key, kind, ...values, created_at: now, resolved_at: null })
            .returningAll()
            .executeTakeFirstOrThrow();
          raised.push(toRow(inserted));
        } else if (row.resolved_at !== null) {
          await trx
            .updateTable('notifications')
            .set({ ...values, created_at: now, resolved_at: null })
            .where('id', '=', row.id)
            .execute();
          await trx.deleteFrom('notification_reads').where('notification_id', '=', row.id).execute();
          raised.push(toRow({ ...row, ...values, created_at: now, resolved_at: null }));
        } else if (row.message !== values.message || row.severity !== values.severity || row.title !== values.title) {
          await trx.updateTable('notifications').set(values).where('id', '=', row.id).execute();
        }
      }
      const current = new Set(conditions.map((c) => c.key));
      const gone = known.filter((r) => r.resolved_at === null && !current.has(r.key)).map((r) => r.id);
      if (gone.length) await trx.updateTable('notifications').set({ resolved_at: now, updated_at: now }).where('id', 'in', gone).execute();
      return raised;
    });

  list = async (q: {
    adminId: number;
    kinds: readonly string[];
    unread: boolean;
    resolved: boolean;
    before: number | null;
    limit: number;
  }) => {
    if (!q.kinds.length) return [];
    let query = this.db
      .selectFrom('notifications as n')
      .leftJoin('notification_reads as r', (j) => j.onRef('r.notification_id', '=', 'n.id').on('r.admin_id', '=', q.adminId))
      .selectAll('n')
      .select(sql<number>`case when r.admin_id is null then 0 else 1 end`.as('is_read'))
      .where('n.kind', 'in', q.kinds);
    if (!q.resolved) query = query.where('n.resolved_at', 'is', null);
    if (q.unread) query = query.where('r.admin_id', 'is', null);
    if (q.before !== null) query = query.where('n.id', '<', q.before);
    return query.orderBy('n.id', 'desc').limit(q.limit).execute();
  };

  count = async (adminId: number, kinds: readonly string[]) => {
    if (!kinds.length) return { unread: 0, current: 0 };
    const r = await this.db
      .selectFrom('notifications as n')
      .leftJoin('notification_reads as r', (j) => j.onRef('r.notification_id', '=', 'n.id').on('r.admin_id', '=', adminId))
      .select([
        sql<number>`count(*)`.as('current'),
        sql<number>`coalesce(sum(case when r.admin_id is null then 1 else 0 end), 0)`.as('unread'),
      ])
      .where('n.kind', 'in', kinds)
      .where('n.resolved_at', 'is', null)
      .executeTakeFirstOrThrow();
    return { unread: Number(r.unread), current: Number(r.current) };
  };

  exists = async (id: number) => Boolean(await this.db.selectFrom('notifications').select('id').where('id', '=', id).executeTakeFirst());

  markRead = async (adminId: number, ids: readonly number[], now: number) => {
    if (!ids.length) return;
    await this.db
      .insertInto('notification_reads')
      .values(ids.map((id) => ({ notification_id: id, admin_id: adminId, read_at: now })))
      .onConflict((oc) => oc.columns(['notification_id', 'admin_id']).doNothing())
      .execute();
  };

  /** Ids of every current notification of `kinds` this administrator has not read. */
  unreadIds = async (adminId: number, kinds: readonly string[]) => {
    if (!kinds.length) return [];
    const rows = await this.db
      .selectFrom('notifications as n')
      .leftJoin('notification_reads as r', (j) => j.onRef('r.notification_id', '=', 'n.id').on('r.admin_id', '=', adminId))
      .select('n.id')
      .where('n.kind', 'in', kinds)
      .where('n.resolved_at', 'is', null)
      .where('r.admin_id', 'is', null)
      .execute();
    return rows.map((r) => Number(r.id));
  };

  /** Resolved conditions older than `before` go, with their read marks. */
  purgeResolved = async (before: number) => {
    const old = await this.db.selectFrom('notifications').select('id').where('resolved_at', '<', before).limit(10_000).execute();
    const ids = old.map((r) => Number(r.id));
    if (!ids.length) return 0;
    await this.db.deleteFrom('notification_reads').where('notification_id', 'in', ids).execute();
    await this.db.deleteFrom('notifications').where('id', 'in', ids).execute();
    return ids.length;
  };

  /** Every administrator's stored notification preferences (JSON text), for mail. */
  allPreferences = () => this.db.selectFrom('admin_preferences').select(['admin_id', 'value']).where('key', '=', PREFERENCES_KEY).execute();

  preferences = async (adminId: number): Promise<string | undefined> =>
    (
      await this.db
        .selectFrom('admin_preferences')
        .select('value')
        .where('admin_id', '=', adminId)
        .where('key', '=', PREFERENCES_KEY)
        .executeTakeFirst()
    )?.value;

  putPreferences = async (adminId: number, value: string, now: number) => {
    await this.db
      .insertInto('admin_preferences')
      .values({ admin_id: adminId, key: PREFERENCES_KEY, value, updated_at: now })
      .onConflict((oc) => oc.columns(['admin_id', 'key']).doUpdateSet({ value, updated_at: now }))
      .execute();
  };
}

/** The notification preferences live beside the other per-administrator preferences. */
export const PREFERENCES_KEY = 'notifications';

function toRow(r: Record<string, unknown>): NotificationRow {
  return {
    ...(r as unknown as NotificationRow),
    id: Number(r.id),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    resolved_at: r.resolved_at === null ? null : Number(r.resolved_at),
  };
}
