import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { DirectoryLogin, DirectoryLoginResult } from '../auth/directory-login.js';
import { DirectoryConnection, DirectoryError, escapeFilterValue, first } from './directory-client.js';
import { resolveGroups } from './directory-groups.js';
import type { LdapDomainsRepository } from './ldap-domains.repository.js';
import {
  AD_ACCOUNT_DISABLED,
  USER_CLASSES,
  directoryAppError,
  target,
  type LdapDomainsService,
  type OpenedDomain,
} from './ldap-domains.service.js';

/** A login name that points into a configured domain. */
interface DomainLogin {
  domain: OpenedDomain;
  /** The part that names the user (before `@`, after `\`). */
  user: string;
  /** The UPN suffix typed after `@`, lower-cased (null for `DOMAIN\user`). */
  suffix: string | null;
}

/**
 * Logins of directory accounts: `user@DOMAIN` (the domain's name or one of its UPN suffixes) and
 * `DOMAIN\user` (the name, or its first label). The password is checked by binding as the user
 * and is never stored. Group memberships (nested) are read at each login and decide which
 * imported groups the account is in. Who may log in: an imported account, or a member of an
 * imported group (its account is created at that first login) — see docs/access.md.
 */
export class LdapLoginService implements DirectoryLogin<DomainLogin> {
  constructor(
    private readonly domains: LdapDomainsService,
    private readonly repo: LdapDomainsRepository,
    private readonly clock: Clock,
    private readonly log: Logger | null,
  ) {}

  async match(loginName: string): Promise<DomainLogin | null> {
    const at = loginName.lastIndexOf('@');
    const slash = loginName.indexOf('\\');
    let domainPart: string;
    let user: string;
    if (slash > 0) {
      domainPart = loginName.slice(0, slash);
      user = loginName.slice(slash + 1);
    } else if (at > 0) {
      domainPart = loginName.slice(at + 1);
      user = loginName.slice(0, at);
    } else {
      return null;
    }
    if (!user || !domainPart) return null;
    const key = domainPart.toLowerCase();
    const rows = await this.domains.listRows();
    const row =
      rows.find((r) => r.name_key === key) ??
      (slash > 0
        ? rows.find((r) => r.name_key.split('.')[0] === key)
        : rows.find((r) => (JSON.parse(r.upn_suffixes) as string[]).includes(key)));
    if (!row) return null;
    return { domain: await this.domains.openDomain(row), user, suffix: slash > 0 ? null : key };
  }

  async authenticate(login: DomainLogin, password: string): Promise<DirectoryLoginResult> {
    const d = login.domain;
    // An empty password would be an anonymous bind, which directories accept: never a login.
    if (!password) return { status: 'bad-password' };
    const naming = d.row.naming_attribute;
    const isAd = d.row.kind === 'ad';
    const name = escapeFilterValue(login.user);
    const who =
      isAd && login.suffix ? `(|(${naming}=${name})(userPrincipalName=${name}@${escapeFilterValue(login.suffix)}))` : `(${naming}=${name})`;
    const filter = `(&${USER_CLASSES}${who}${d.row.user_filter ?? ''})`;
    return this.domains.withConnection(d, 'log in through the directory', async (conn) => {
      const found = await conn.search(d.row.base_dn, {
        filter,
        attributes: [naming, d.row.group_attribute, 'userAccountControl'],
        sizeLimit: 2,
        pageSize: 2,
      });
      // Removed from the directory, outside the filter, or ambiguous: refused like a wrong password.
      if (found.length !== 1) return { status: 'bad-password' };
      const entry = found[0]!;
      const username = first(entry, naming);
      if (!username) return { status: 'bad-password' };
      if (!(await this.passwordMatches(d, entry.dn, password))) return { status: 'bad-password' };
      const uac = Number(first(entry, 'userAccountControl') ?? 0);
      if (isAd && (uac & AD_ACCOUNT_DISABLED) !== 0) return { status: 'disabled' };

      const groups = await resolveGroups(
        conn,
        {
          kind: isAd ? 'ad' : 'ldap',
          baseDn: d.row.base_dn,
          groupAttribute: d.row.group_attribute,
          memberAttribute: d.row.member_attribute,
          pageSize: Number(d.row.page_size),
        },
        entry,
      );
      return this.mapAccount(d, username, [...groups.keys()]);
    });
  }

  /** Binds as the user on a connection of its own; the service connection keeps its identity. */
  private async passwordMatches(d: OpenedDomain, dn: string, password: string): Promise<boolean> {
    try {
      const conn = await DirectoryConnection.open(target(d), dn, password);
      await conn.close();
      return true;
    } catch (err) {
      if (err instanceof DirectoryError && err.kind === 'credentials') return false;
      throw directoryAppError(err, 'check the password with the directory');
    }
  }

  /**
   * Who may log in: an imported account, or a member of an imported group (an account is created
   * at that first login and may log in only while in one). The account's direct memberships of
   * the domain's imported groups are set to what the directory says now, even when it is refused.
   */
  private async mapAccount(d: OpenedDomain, username: string, groupKeys: string[]): Promise<DirectoryLoginResult> {
    const now = this.clock.now();
    const result = await this.repo.inTransaction(async (trx) => {
      const groups = await this.repo.findGroupsByDn(d.row.id, groupKeys, trx);
      const groupIds = groups.map((g) => g.id);
      const [account] = await this.repo.findAccounts(d.row.name, [username], trx);
      if (!account?.imported && !groupIds.length) {
        const changed = account ? await this.repo.syncDirectoryMemberships(account.id, d.row.id, [], trx) : false;
        return { status: 'not-imported' as const, changedUserId: changed ? account!.id : null };
      }
      const { id } = account ?? (await this.repo.ensureAccount({ domain: d.row.name, username, imported: false, now }, trx));
      const changed = await this.repo.syncDirectoryMemberships(id, d.row.id, groupIds, trx);
      return {
        status: 'ok' as const,
        user: { id, username, role: account?.role ?? 'viewer' },
        disabled: account ? account.disabled === 1 : false,
        changed: changed || !account,
        groups: groupIds.length,
      };
    });
    if (result.status === 'ok') {
      const { groups, ...ok } = result;
      this.log?.info({ domain: d.row.name, username, groups }, 'LDAP login');
      return ok;
    }
    return result;
  }
}
