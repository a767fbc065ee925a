import {
  ErrorCode,
  type CreateLdapDomainRequest,
  type LdapDomain,
  type LdapEntry,
  type LdapImportRequest,
  type LdapImportResult,
  type LdapSearchQuery,
  type LdapSearchResult,
  type LdapTestResult,
  type UpdateLdapDomainRequest,
} from '@openums/protocol';
import { isUniqueViolation } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../../lib/logger.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { DirectoryConnection, DirectoryError, escapeFilterValue, first, values, type DirectoryEntry } from './directory-client.js';
import { GROUP_CLASSES } from './directory-groups.js';
import { checkFilter, defaults, directoryAppError, dnsToDn, nameTaken, parseList, toDomain } from './ldap-domain-values.js';

export { directoryAppError };
import { dnKey, type LdapDomainRow, type LdapDomainValues, type LdapDomainsRepository } from './ldap-domains.repository.js';

/** Object classes of user entries (AD users are `user`, OpenLDAP ones `person`/`inetOrgPerson`/`posixAccount`). */
export const USER_CLASSES = '(|(objectClass=user)(objectClass=person)(objectClass=inetOrgPerson)(objectClass=posixAccount))';
/** AD: userAccountControl's ACCOUNTDISABLE bit. */
export const AD_ACCOUNT_DISABLED = 2;

/** A domain as the directory code needs it: the row with the bind password opened. */
export interface OpenedDomain {
  row: LdapDomainRow;
  hosts: string[];
  upnSuffixes: string[];
  bindPassword: string;
}

export class LdapDomainsService {
  constructor(
    private readonly repo: LdapDomainsRepository,
    /** The installation's secret box (read from the data directory when first needed). */
    private readonly box: () => SecretBox,
    private readonly clock: Clock,
    private readonly log: Logger | null,
    /** Changes of domains and imports are recorded in the transaction that makes them. */
    private readonly audit: Pick<AuditLog, 'record'>,
  ) {}

  async listDomains(): Promise<{ items: LdapDomain[] }> {
    return { items: (await this.repo.listDomains()).map(toDomain) };
  }

  async getDomain(id: number): Promise<LdapDomain> {
    return toDomain(await this.requireDomain(id));
  }

  async createDomain(by: AuditContext, req: CreateLdapDomainRequest): Promise<LdapDomain> {
    checkFilter(req.userFilter);
    const d = defaults(req.kind);
    const baseDn = req.baseDn ?? (req.kind === 'ad' ? dnsToDn(req.name) : null);
    if (!baseDn) {
      throw new AppError(
        ErrorCode.ValidationFailed,
        'body.baseDn is required (it can be derived only from an AD domain named like example.test)',
        {
          field: 'body.baseDn',
        },
      );
    }
    const row: LdapDomainValues = {
      name: req.name,
      name_key: req.name.toLowerCase(),
      kind: req.kind,
      hosts: JSON.stringify(req.hosts),
      port: req.port ?? (req.security === 'ldaps' ? 636 : 389),
      security: req.security,
      ca_pem: req.caCertificate ?? null,
      verify_host_name: req.verifyHostName === false ? 0 : 1,
      base_dn: baseDn,
      bind_dn: req.bindDn ?? null,
      bind_password_sealed: req.bindPassword ? this.box().seal(req.bindPassword) : null,
      naming_attribute: req.namingAttribute ?? d.namingAttribute,
      group_attribute: req.groupAttribute ?? d.groupAttribute,
      member_attribute: req.memberAttribute === undefined ? d.memberAttribute : req.memberAttribute,
      user_filter: req.userFilter ?? null,
      page_size: req.pageSize ?? 1000,
      upn_suffixes: JSON.stringify((req.upnSuffixes ?? []).map((s) => s.toLowerCase())),
    };
    try {
      const id = await this.repo.inTransaction(async (trx) => {
        const newId = await this.repo.insertDomain(row, this.clock.now(), trx);
        const after = toDomain((await this.repo.findDomainById(newId, trx))!);
        await this.audit.record(trx, {
          by,
          action: 'ldap-domain.create',
          object: { type: 'ldap-domain', id: newId, name: req.name },
          after,
        });
        return newId;
      });
      return this.getDomain(id);
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(req.name);
      throw err;
    }
  }

  async updateDomain(by: AuditContext, id: number, req: UpdateLdapDomainRequest): Promise<LdapDomain> {
    const before = await this.requireDomain(id);
    checkFilter(req.userFilter);
    const v: Partial<LdapDomainValues> = {};
    if (req.kind !== undefined) v.kind = req.kind;
    if (req.hosts !== undefined) v.hosts = JSON.stringify(req.hosts);
    if (req.security !== undefined) v.security = req.security;
    if (req.port !== undefined) v.port = req.port;
    else if (req.security !== undefined && req.security !== before.security && [389, 636].includes(Number(before.port))) {
      // Switching to or from LDAPS moves a default port along.
      v.port = req.security === 'ldaps' ? 636 : 389;
    }
    if (req.caCertificate !== undefined) v.ca_pem = req.caCertificate;
    if (req.verifyHostName !== undefined) v.verify_host_name = req.verifyHostName ? 1 : 0;
    if (req.baseDn !== undefined) v.base_dn = req.baseDn;
    if (req.bindDn !== undefined) v.bind_dn = req.bindDn;
    if (req.bindPassword !== undefined) v.bind_password_sealed = req.bindPassword === null ? null : this.box().seal(req.bindPassword);
    if (req.namingAttribute !== undefined) v.naming_attribute = req.namingAttribute;
    if (req.groupAttribute !== undefined) v.group_attribute = req.groupAttribute;
    if (req.memberAttribute !== undefined) v.member_attribute = req.memberAttribute;
    if (req.userFilter !== undefined) v.user_filter = req.userFilter;
    if (req.pageSize !== undefined) v.page_size = req.pageSize;
    if (req.upnSuffixes !== undefined) v.upn_suffixes = JSON.stringify(req.upnSuffixes.map((s) => s.toLowerCase()));
    await this.repo.inTransaction(async (trx) => {
      await this.repo.updateDomain(id, v, this.clock.now(), trx);
      const after = toDomain((await this.repo.findDomainById(id, trx))!);
      // toDomain never carries the bind password; a changed one shows as a changed mask.
      await this.audit.record(trx, {
        by,
        action: 'ldap-domain.update',
        object: { type: 'ldap-domain', id, name: before.name },
        before: toDomain(before),
        after: { ...after, ...(req.bindPassword !== undefined ? { bindPassword: req.bindPassword === null ? null : 'changed' } : {}) },
      });
    });
    return this.getDomain(id);
  }

  /** Accounts and groups imported from the domain stay; they cannot log in while it is gone. */
  async deleteDomain(by: AuditContext, id: number): Promise<void> {
    const before = await this.requireDomain(id);
    await this.repo.inTransaction(async (trx) => {
      await this.repo.deleteDomain(id, trx);
      await this.audit.record(trx, {
        by,
        action: 'ldap-domain.delete',
        object: { type: 'ldap-domain', id, name: before.name },
        before: toDomain(before),
      });
    });
  }

  /** Connects (trying each host) and binds with the domain's bind DN and password. */
  async testConnection(id: number): Promise<LdapTestResult> {
    const d = await this.openDomain(await this.requireDomain(id));
    const conn = await this.connect(d, 'connect to the directory');
    await conn.close();
    return { ok: true, host: conn.host, security: d.row.security as LdapTestResult['security'] };
  }

  /** Users and groups under the base DN whose names contain `q`. At most `limit`; `truncated` when more matched. */
  async searchDirectory(id: number, q: LdapSearchQuery): Promise<LdapSearchResult> {
    const d = await this.openDomain(await this.requireDomain(id));
    const limit = q.limit ?? 100;
    const type = q.type ?? 'all';
    const naming = d.row.naming_attribute;
    const text = q.q ? `*${escapeFilterValue(q.q)}*` : '*';
    const userTerm = `(&${USER_CLASSES}(${naming}=*)(|(${naming}=${text})(cn=${text})(displayName=${text}))${d.row.user_filter ?? ''})`;
    const groupTerm = `(&${GROUP_CLASSES}(cn=${text}))`;
    const filter = type === 'user' ? userTerm : type === 'group' ? groupTerm : `(|${userTerm}${groupTerm})`;
    const entries = await this.withConnection(d, 'search the directory', (conn) =>
      conn.search(d.row.base_dn, {
        filter,
        attributes: [naming, 'cn', 'displayName', 'objectClass'],
        sizeLimit: limit + 1,
        pageSize: Number(d.row.page_size),
      }),
    );
    const items: Array<Omit<LdapEntry, 'importedId'>> = [];
    for (const e of entries.slice(0, limit)) {
      const isGroup = values(e, 'objectClass').some((c) => /^(group|groupOfNames|groupOfUniqueNames|posixGroup)$/i.test(c));
      const name = isGroup ? first(e, 'cn') : first(e, naming);
      if (name) items.push({ type: isGroup ? 'group' : 'user', dn: e.dn, name, displayName: first(e, 'displayName') });
    }
    const accounts = new Map(
      (
        await this.repo.findAccounts(
          d.row.name,
          items.filter((i) => i.type === 'user').map((i) => i.name),
        )
      ).map((a) => [a.username, a.id]),
    );
    const groups = await this.repo.importedGroupIds(
      d.row.id,
      items.filter((i) => i.type === 'group').map((i) => dnKey(i.dn)),
    );
    return {
      items: items.map((i) => ({
        ...i,
        importedId: (i.type === 'user' ? accounts.get(i.name) : groups.get(dnKey(i.dn))) ?? null,
      })),
      truncated: entries.length > limit,
    };
  }

  /**
   * Imports users (accounts with the domain set, no local password) and groups (groups linked to
   * their directory DN; rights are given to them afterwards). Entries are read from the directory
   * first: a DN that does not exist there, or lies outside the base DN, imports nothing.
   */
  async importEntries(by: AuditContext, id: number, req: LdapImportRequest): Promise<LdapImportResult> {
    const d = await this.openDomain(await this.requireDomain(id));
    const naming = d.row.naming_attribute;
    const base = dnKey(d.row.base_dn);
    const read = await this.withConnection(d, 'read the directory', async (conn) => {
      const out: Array<{ type: 'user' | 'group'; entry: DirectoryEntry; name: string }> = [];
      for (const want of req.entries) {
        const key = dnKey(want.dn);
        if (key !== base && !key.endsWith(`,${base}`)) {
          throw new AppError(ErrorCode.LdapEntryNotFound, `${want.dn} is not under the domain's base DN`, { dn: want.dn });
        }
        const [entry] = await conn
          .search(want.dn, {
            scope: 'base',
            filter: want.type === 'user' ? `(&${USER_CLASSES}${d.row.user_filter ?? ''})` : GROUP_CLASSES,
            attributes: [naming, 'cn'],
            pageSize: 1,
          })
          .catch((err: unknown) => {
            if (err instanceof DirectoryError && err.kind === 'no-such-object') return [];
            throw err;
          });
        const name = entry ? first(entry, want.type === 'user' ? naming : 'cn') : null;
        if (!entry || !name) {
          throw new AppError(ErrorCode.LdapEntryNotFound, `The directory has no ${want.type} ${want.dn}`, { dn: want.dn, type: want.type });
        }
        out.push({ type: want.type, entry, name });
      }
      return out;
    });
    const now = this.clock.now();
    try {
      const items = await this.repo.inTransaction(async (trx) => {
        const result: LdapImportResult['items'] = [];
        for (const r of read) {
          if (r.type === 'user') {
            const a = await this.repo.ensureAccount({ domain: d.row.name, username: r.name, imported: true, now }, trx);
            result.push({ type: 'user', dn: r.entry.dn, id: a.id, name: r.name, created: a.created });
          } else {
            const g = await this.repo.ensureGroup({ domainId: d.row.id, dn: r.entry.dn, name: r.name, now }, trx);
            result.push({ type: 'group', dn: r.entry.dn, id: g.id, name: g.name, created: g.created });
          }
        }
        await this.audit.record(trx, {
          by,
          action: 'ldap-domain.import',
          object: { type: 'ldap-domain', id: d.row.id, name: d.row.name },
          after: { items: result },
        });
        return result;
      });
      return { items };
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError(ErrorCode.GroupNameTaken, 'A group with the name of an imported directory group exists; rename it first');
      }
      throw err;
    }
  }

  /** The domain with its bind password opened (for the directory code; never leaves the server). */
  async openDomain(row: LdapDomainRow): Promise<OpenedDomain> {
    return {
      row,
      hosts: parseList(row.hosts),
      upnSuffixes: parseList(row.upn_suffixes),
      bindPassword: row.bind_password_sealed ? this.box().open(row.bind_password_sealed) : '',
    };
  }

  listRows(): Promise<LdapDomainRow[]> {
    return this.repo.listDomains();
  }

  /** A connection bound with the domain's service account (anonymous without a bind DN). */
  async connect(d: OpenedDomain, action: string): Promise<DirectoryConnection> {
    try {
      return await DirectoryConnection.open(target(d), d.row.bind_dn ?? '', d.row.bind_dn ? d.bindPassword : '');
    } catch (err) {
      if (err instanceof DirectoryError) {
        this.log?.warn({ domain: d.row.name, kind: err.kind, reason: err.reason, host: err.host }, 'LDAP: %s failed', action);
      }
      throw directoryAppError(err, action);
    }
  }

  async withConnection<T>(d: OpenedDomain, action: string, fn: (conn: DirectoryConnection) => Promise<T>): Promise<T> {
    const conn = await this.connect(d, action);
    try {
      return await fn(conn);
    } catch (err) {
      throw directoryAppError(err, action);
    } finally {
      await conn.close();
    }
  }

  private async requireDomain(id: number): Promise<LdapDomainRow> {
    const row = await this.repo.findDomainById(id);
    if (!row) throw notFound(ErrorCode.LdapDomainNotFound, 'LDAP domain', id);
    return row;
  }
}

export function target(d: OpenedDomain) {
  return {
    hosts: d.hosts,
    port: Number(d.row.port),
    security: d.row.security as 'none' | 'ldaps' | 'starttls',
    caPem: d.row.ca_pem,
    verifyHostName: Number(d.row.verify_host_name) !== 0,
  };
}
