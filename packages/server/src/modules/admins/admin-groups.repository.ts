import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { exclusiveWriteLock, type DialectName } from '../../db/dialect.js';
import { transaction } from '../../db/transaction.js';

export interface GroupRow {
  id: number;
  name: string;
  general_rights: string;
  created_at: number;
}
export interface MemberRef {
  type: 'admin' | 'group';
  id: number;
}

export class AdminGroupsRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
  ) {}

  /** Membership changes queue behind each other (PostgreSQL), so two of them cannot close a loop together. `fn` may run more than once (db/transaction.ts). */
  inMembershipTransaction = <T>(fn: (trx: Db) => Promise<T>): Promise<T> =>
    transaction(this.db, async (trx) => {
      const lock = exclusiveWriteLock(this.dialect, 'admin_group_members');
      if (lock) await lock.execute(trx);
      return fn(trx);
    });

  listGroups = async (): Promise<GroupRow[]> =>
    (await this.db.selectFrom('admin_groups').selectAll().orderBy('name').orderBy('id').limit(10_000).execute()) as GroupRow[];

  findGroupById = async (id: number, db: Db = this.db): Promise<GroupRow | undefined> =>
    (await db.selectFrom('admin_groups').selectAll().where('id', '=', id).executeTakeFirst()) as GroupRow | undefined;

  listMembers = async (groupIds: number[], db: Db = this.db): Promise<Array<MemberRef & { groupId: number }>> => {
    if (!groupIds.length) return [];
    const rows = await db.selectFrom('admin_group_members').selectAll().where('group_id', 'in', groupIds).execute();
    return rows.map((r) =>
      r.member_admin_id !== null
        ? { groupId: Number(r.group_id), type: 'admin' as const, id: Number(r.member_admin_id) }
        : { groupId: Number(r.group_id), type: 'group' as const, id: Number(r.member_group_id) },
    );
  };

  insertGroup = async (g: { name: string; generalRights: string[]; now: number }, db: Db = this.db): Promise<number> => {
    const row = await db
      .insertInto('admin_groups')
      .values({ name: g.name, general_rights: JSON.stringify(g.generalRights), created_at: g.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  };

  updateGroup = async (id: number, c: { name?: string; generalRights?: string[] }, db: Db = this.db): Promise<void> => {
    if (c.name === undefined && c.generalRights === undefined) return;
    await db
      .updateTable('admin_groups')
      .set({
        ...(c.name !== undefined ? { name: c.name } : {}),
        ...(c.generalRights !== undefined ? { general_rights: JSON.stringify(c.generalRights) } : {}),
      })
      .where('id', '=', id)
      .execute();
  };

  /** Its entries in access lists go with it (no foreign key); memberships by the cascade. */
  /** `alsoInTrx` runs in the same transaction (the audit entry). */
  deleteGroup = (id: number, alsoInTrx?: (trx: Db) => Promise<void>): Promise<void> =>
    transaction(this.db, async (trx) => {
      await trx.deleteFrom('admin_groups').where('id', '=', id).execute();
      await trx.deleteFrom('access_entries').where('principal_type', '=', 'group').where('principal_id', '=', id).execute();
      await alsoInTrx?.(trx);
    });

  /** Of `ids`, those that exist as administrators / groups. */
  existingIds = async (type: 'admin' | 'group', ids: number[], db: Db = this.db): Promise<Set<number>> => {
    if (!ids.length) return new Set();
    const table = type === 'admin' ? 'users' : 'admin_groups';
    const rows = await db.selectFrom(table).select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => Number(r.id)));
  };

  /** The group and every group nested in it, at any depth. */
  listNestedGroupIds = async (groupId: number, db: Db = this.db): Promise<Set<number>> => {
    const r = await sql<{ id: number }>`
      with recursive d(id) as (
        select cast(${groupId} as bigint)
        union
        select m.member_group_id from admin_group_members m join d on m.group_id = d.id where m.member_group_id is not null
      )
      select id from d`.execute(db);
    return new Set(r.rows.map((row) => Number(row.id)));
  };

  /** Administrators who get rights from the group: its members and members of groups nested in it. */
  listAffectedAdminIds = async (groupId: number, db: Db = this.db): Promise<number[]> => {
    const nested = [...(await this.listNestedGroupIds(groupId, db))];
    const rows = await db
      .selectFrom('admin_group_members')
      .select('member_admin_id')
      .distinct()
      .where('group_id', 'in', nested)
      .where('member_admin_id', 'is not', null)
      .execute();
    return rows.map((r) => Number(r.member_admin_id));
  };

  addMember = async (groupId: number, m: MemberRef, db: Db = this.db): Promise<void> => {
    const column = m.type === 'admin' ? 'member_admin_id' : 'member_group_id';
    const exists = await db
      .selectFrom('admin_group_members')
      .select('group_id')
      .where('group_id', '=', groupId)
      .where(column, '=', m.id)
      .executeTakeFirst();
    if (exists) return;
    await db
      .insertInto('admin_group_members')
      .values({ group_id: groupId, member_admin_id: m.type === 'admin' ? m.id : null, member_group_id: m.type === 'group' ? m.id : null })
      .execute();
  };

  removeMember = async (groupId: number, m: MemberRef, db: Db = this.db): Promise<boolean> => {
    const column = m.type === 'admin' ? 'member_admin_id' : 'member_group_id';
    const r = await db.deleteFrom('admin_group_members').where('group_id', '=', groupId).where(column, '=', m.id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  };
}
