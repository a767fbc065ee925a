import { dnKey } from './ldap-domains.repository.js';
import { DirectoryError, escapeFilterValue, values, type DirectoryConnection, type DirectoryEntry } from './directory-client.js';

/** Object classes of groups in Active Directory and the usual LDAP schemas. */
export const GROUP_CLASSES = '(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))';
/** AD's LDAP_MATCHING_RULE_IN_CHAIN: the directory walks nested memberships itself. */
const IN_CHAIN = '1.2.840.113556.1.4.1941';
/** Nesting deeper than this is not followed (and a loop ends here at the latest). */
export const MAX_GROUP_DEPTH = 10;
const MAX_GROUPS = 5_000;
/** DNs per `(|(member=…)…)` search. */
const CHUNK = 50;

export interface GroupLookup {
  kind: 'ad' | 'ldap';
  baseDn: string;
  /** Attribute of a user or group listing the groups it is in (memberOf). */
  groupAttribute: string;
  /** Attribute of a group listing its members (member); null: use groupAttribute only. */
  memberAttribute: string | null;
  pageSize: number;
}

/**
 * Every group the user is in, directly or through nested groups, as DN key → DN. Active
 * Directory answers in one search (in-chain matching rule); other directories are walked level
 * by level, following both the user's/groups' `groupAttribute` (memberOf) and the groups whose
 * `memberAttribute` (member) names them, up to MAX_GROUP_DEPTH levels.
 */
export async function resolveGroups(conn: DirectoryConnection, l: GroupLookup, user: DirectoryEntry): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (l.kind === 'ad') {
    const rows = await conn.search(l.baseDn, {
      filter: `(&(objectClass=group)(${l.memberAttribute ?? 'member'}:${IN_CHAIN}:=${escapeFilterValue(user.dn)}))`,
      attributes: ['cn'],
      pageSize: l.pageSize,
    });
    for (const r of rows) found.set(dnKey(r.dn), r.dn);
    return found;
  }
  const seen = new Set<string>([dnKey(user.dn)]);
  // DNs whose groups are still to be found, and group DNs named by memberOf but not yet read.
  let frontier: DirectoryEntry[] = [user];
  for (let depth = 0; depth < MAX_GROUP_DEPTH && frontier.length && found.size < MAX_GROUPS; depth++) {
    const next = new Map<string, DirectoryEntry>();
    const named = new Map<string, string>();
    for (const e of frontier) {
      for (const dn of values(e, l.groupAttribute)) if (!seen.has(dnKey(dn))) named.set(dnKey(dn), dn);
    }
    if (l.memberAttribute) {
      for (let i = 0; i < frontier.length; i += CHUNK) {
        const terms = frontier
          .slice(i, i + CHUNK)
          .map((e) => `(${l.memberAttribute}=${escapeFilterValue(e.dn)})`)
          .join('');
        const rows = await conn.search(l.baseDn, {
          filter: `(&${GROUP_CLASSES}(|${terms}))`,
          attributes: [l.groupAttribute],
          pageSize: l.pageSize,
        });
        for (const r of rows) if (!seen.has(dnKey(r.dn))) next.set(dnKey(r.dn), r);
      }
    }
    // Groups known only from memberOf are read to follow their own memberOf.
    for (const [key, dn] of named) {
      if (next.has(key)) continue;
      try {
        const rows = await conn.search(dn, {
          scope: 'base',
          filter: '(objectClass=*)',
          attributes: [l.groupAttribute],
          pageSize: l.pageSize,
        });
        next.set(key, rows[0] ?? { dn });
      } catch (err) {
        // A stale memberOf value (the group is gone) is skipped; other failures are real.
        if (!(err instanceof DirectoryError && err.kind === 'no-such-object')) throw err;
      }
    }
    for (const [key, e] of next) {
      seen.add(key);
      found.set(key, e.dn);
    }
    frontier = [...next.values()];
  }
  return found;
}
