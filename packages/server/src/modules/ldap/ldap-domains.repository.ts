import type { Db } from '../../db/database.js';
import type { LdapDomainsTable } from '../../db/types.js';
import { transaction } from '../../db/transaction.js';

export type LdapDomainRow = Omit<LdapDomainsTable, 'id'> & { id: number };
export type LdapDomainValues = Omit<LdapDomainsTable, 'id' | 'created_at' | 'updated_at'>;

/** A DN compared without case and without spaces around separators. */
export const dnKey = (dn: string): string =>
  dn
    .trim()
    .toLowerCase()
    .replace(/\s*([,=+])\s*/g, '$1');

/** LDAP domains, and the accounts and groups imported from them. */
export class LdapDomainsRepository {
  constructor(private readonly db: Db) {}

  listDomains = async (): Promise<LdapDomainRow[]> =>
    (await this.db.selectFrom('ldap_domains').selectAll().orderBy('name_key').limit(1000).execute()) as LdapDomainRow[];

  findDomainById = async (id: number, db: Db = this.db): Promise<LdapDomainRow | undefined> =>
    (await db.selectFrom('ldap_domains').selectAll().where('id', '=', id).executeTakeFirst()) as LdapDomainRow | undefined;

  insertDomain = async (v: LdapDomainValues, now: number, db: Db = this.db): Promise<number> => {
    const row = await db
      .insertInto('ldap_domains')
      .values({ ...v, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  };

  updateDomain = async (id: number, v: Partial<LdapDomainValues>, now: number, db: Db = this.db): Promise<void> => {
    await db
      .updateTable('ldap_domains')
      .set({ ...v, updated_at: now })
      .where('id', '=', id)
      .execute();
  };

  deleteDomain = async (id: number, db: Db = this.db): Promise<void> => {
    await db.deleteFrom('ldap_domains').where('id', '=', id).execute();
  };

  /** Accounts of a domain by user name (exact), for search results and login. */
  findAccounts = async (
    domain: string,
    usernames: string[],
    db: Db = this.db,
  ): Promise<Array<{ id: number; username: string; role: string; disabled: number; imported: boolean }>> => {
    if (!usernames.length) return [];
    const rows = await db
      .selectFrom('users')
      .select(['id', 'username', 'role', 'disabled', 'directory_imported'])
      .where('domain', '=', domain)
      .where('username', 'in', usernames)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      username: r.username,
      role: r.role,
      disabled: Number(r.disabled),
      imported: Number(r.directory_imported) === 1,
    }));
  };

  /** Imported groups of a domain among these DN keys. */
  findGroupsByDn = async (domainId: number, keys: string[], db: Db = this.db): Promise<Array<{ id: number; key: string }>> => {
    const out: Array<{ id: number; key: string }> = [];
    // Chunks keep the parameter count far below either database's limit.
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await db
        .selectFrom('admin_groups')
        .select(['id', 'directory_dn_key'])
        .where('ldap_domain_id', '=', domainId)
        .where('directory_dn_key', 'in', keys.slice(i, i + 500))
        .execute();
      for (const r of rows) out.push({ id: Number(r.id), key: r.directory_dn_key! });
    }
    return out;
  };

  /**
   * Creates a directory account (no usable local password), or returns the existing one.
   * `imported`: an import (the account may then log in by itself), not a login through a group.
   */
  ensureAccount = async (
    a: { domain: string; username: string; imported: boolean; now: number },
    db: Db = this.db,
  ): Promise<{ id: number; created: boolean }> => {
    const found = await db
      .selectFrom('users')
      .select(['id', 'directory_imported'])
      .where('domain', '=', a.domain)
      .where('username', '=', a.username)
      .executeTakeFirst();
    if (found) {
      if (a.imported && Number(found.directory_imported) !== 1) {
        await db.updateTable('users').set({ directory_imported: 1, updated_at: a.now }).where('id', '=', found.id).execute();
      }
      return { id: Number(found.id), created: false };
    }
    const row = await db
      .insertInto('users')
      .values({
        username: a.username,
        domain: a.domain,
        // Never a valid scrypt hash: a directory account has no local password.
        password_hash: '!directory',
        role: 'viewer',
        directory_imported: a.imported ? 1 : 0,
        created_at: a.now,
        updated_at: a.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), created: true };
  };

  /** Creates an imported group, or returns the one imported before from the same DN. */
  ensureGroup = async (
    g: { domainId: number; dn: string; name: string; now: number },
    db: Db = this.db,
  ): Promise<{ id: number; name: string; created: boolean }> => {
    const found = await db
      .selectFrom('admin_groups')
      .select(['id', 'name'])
      .where('ldap_domain_id', '=', g.domainId)
      .where('directory_dn_key', '=', dnKey(g.dn))
      .executeTakeFirst();
    if (found) return { id: Number(found.id), name: found.name, created: false };
    const row = await db
      .insertInto('admin_groups')
      .values({
        name: g.name,
        general_rights: '[]',
        created_at: g.now,
        ldap_domain_id: g.domainId,
        directory_dn: g.dn,
        directory_dn_key: dnKey(g.dn),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), name: g.name, created: true };
  };

  /**
   * Makes the account a direct member of exactly `groupIds` among the domain's imported groups
   * (memberships of local groups stay). Returns whether anything changed.
   */
  syncDirectoryMemberships = async (userId: number, domainId: number, groupIds: number[], db: Db = this.db): Promise<boolean> => {
    const current = await db
      .selectFrom('admin_group_members')
      .innerJoin('admin_groups', 'admin_groups.id', 'admin_group_members.group_id')
      .select('admin_group_members.group_id')
      .where('admin_group_members.member_admin_id', '=', userId)
      .where('admin_groups.ldap_domain_id', '=', domainId)
      .execute();
    const have = new Set(current.map((r) => Number(r.group_id)));
    const want = new Set(groupIds);
    const gone = [...have].filter((id) => !want.has(id));
    const added = [...want].filter((id) => !have.has(id));
    if (gone.length) {
      await db.deleteFrom('admin_group_members').where('member_admin_id', '=', userId).where('group_id', 'in', gone).execute();
    }
    for (const id of added) {
      await db.insertInto('admin_group_members').values({ group_id: id, member_admin_id: userId, member_group_id: null }).execute();
    }
    return gone.length + added.length > 0;
  };

  /** Runs `fn` in one transaction; it may run more than once (db/transaction.ts). */
  inTransaction = <T>(fn: (trx: Db) => Promise<T>): Promise<T> => transaction(this.db, fn);

  /** Ids of imported accounts and groups among these names / DN keys (search results). */
  importedGroupIds = async (domainId: number, keys: string[]): Promise<Map<string, number>> =>
    new Map((await this.findGroupsByDn(domainId, keys)).map((g) => [g.key, g.id]));
}
