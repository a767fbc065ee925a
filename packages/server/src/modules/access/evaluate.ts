import {
  OBJECT_RIGHTS,
  type AccessNodeRef,
  type EffectiveRight,
  type ObjectRight,
  type ObjectRights,
  type Principal,
  type RightReason,
} from '@openums/protocol';

/*
 * Object rights: the rules (ADR 0006). Sources: the reference's "User Authorization Rules",
 * "No Permissions after the UMS Update" (6.05.100) and "Available Rights" (imi-api.md §3.8).
 *
 * Terms. A principal is the administrator (`admin`) or a group it is in, directly or through
 * nested groups (`groups.ts`). An entry sets, for one principal on one node (an object or a
 * folder), each right to allow, deny, or nothing ("not set"). The path of an object is its
 * folders from the top down, then the object itself. Every right is evaluated on its own.
 *
 * R1 Superuser. The superuser has every right on every object; entries are not consulted.
 * R2 Relevance. Only entries for the admin itself or one of its groups count.
 * R3 Inheritance. Entries on a folder apply to every folder and object below it.
 * R4 Deny wins, everywhere. If any relevant entry on the path denies the right — on the object
 *    or any folder above it, for the admin or for any of its groups — the right is denied. An
 *    allow further down cannot lift it ("If you set Deny on a node, you cannot set Allow on a
 *    subnode", 6.05.100), an allow for the admin cannot lift a group's deny ("the withdrawal of
 *    permissions ALWAYS overrides the granting"), and one group's deny beats any number of
 *    other groups' allows.
 * R5 Allow. Otherwise the right is allowed if any relevant entry on the path allows it.
 * R6 Not set = deny. With no relevant allow or deny on the path the right is refused.
 * R7 Implied Browse. Browse that is not set on the object's path (R4/R5 found nothing) is
 *    allowed when a node strictly below the object carries a relevant entry that allows some
 *    right there (not cancelled by a deny on its own path): the administrator may browse the
 *    path to everything it was granted ("the user … can browse up to the subnode"). Only Browse
 *    is implied, never Read or another right. An explicit or inherited Browse deny is not lifted.
 *
 * Precedence "direct before group" (the reference: "directly assigned rights take precedence
 * over indirectly assigned rights … Nevertheless, the withdrawal … ALWAYS overrides"). Because
 * a deny from any source wins (R4) and an allow from any source suffices (R5), precedence can
 * never change whether a right is allowed; it decides which entry is *reported* as the reason:
 *  - a deny is reported at the topmost node that denies (that is the one that "cannot be
 *    withdrawn" below; the reference's dialog shows "denied … (inherited from /ROOT/Profiles/)");
 *  - an allow is reported at the nearest node that allows (the grant closest to the object is the
 *    one an operator would change);
 *  - on one node the admin's own entry is reported before a group's, and among groups the
 *    lowest id, so reasons are stable.
 * Examples: a direct allow on a folder with a group deny on a subfolder → denied (group, on the
 * subfolder, reported as inherited for objects below it); a group allow on the object with a
 * direct deny on an ancestor → denied (inherited from the ancestor, direct).
 *
 * Choices where the reference is silent:
 *  - Implied Browse is given to strict ancestors only, and only by *entries* below (not by
 *    rights a node merely inherits). An object that was granted Read but not Browse stays
 *    hidden, which fails closed, and the result does not depend on whether a folder is empty.
 *    "Path as far as the object must also be allowed" is met automatically unless denied.
 *  - Rights are independent: Read does not require Browse and Write does not require Read.
 *    Routes decide which right an action needs (e.g. listing needs Browse, a detail needs Read).
 */

export interface AclEntry {
  principal: Principal;
  rights: ObjectRights;
}

/** An object or folder on a path, with the entries set on it (all of them; irrelevant ones are skipped). */
export interface AclNode {
  ref: AccessNodeRef;
  entries: readonly AclEntry[];
}

/** Who is asking: `groupIds` is the resolved closure (direct and nested groups). */
export interface AdminPrincipals {
  adminId: number;
  superuser: boolean;
  groupIds: ReadonlySet<number>;
}

export type EffectiveRights = Record<ObjectRight, EffectiveRight>;

/** One bit per right, in OBJECT_RIGHTS order; the tree evaluator works on these. */
export const RIGHT_BIT = Object.fromEntries(OBJECT_RIGHTS.map((r, i) => [r, 1 << i])) as Record<ObjectRight, number>;
export const ALL_RIGHTS_MASK = (1 << OBJECT_RIGHTS.length) - 1;

/** The entries of one node that concern the admin: its own first, then groups by ascending id. */
interface RelevantEntries {
  direct: ObjectRights | undefined;
  groups: Array<{ groupId: number; rights: ObjectRights }>;
}

function relevant(entries: readonly AclEntry[], admin: AdminPrincipals): RelevantEntries | null {
  let direct: ObjectRights | undefined;
  let groups: RelevantEntries['groups'] | undefined;
  for (const e of entries) {
    if (e.principal.type === 'admin') {
      if (e.principal.id === admin.adminId) direct = e.rights;
    } else if (admin.groupIds.has(e.principal.id)) {
      (groups ??= []).push({ groupId: e.principal.id, rights: e.rights });
    }
  }
  if (!direct && !groups) return null;
  groups?.sort((a, b) => a.groupId - b.groupId);
  return { direct, groups: groups ?? [] };
}

/** Allow and deny bits the admin's relevant entries set on one node (R2). */
export function nodeMasks(entries: readonly AclEntry[], admin: AdminPrincipals): { allow: number; deny: number } {
  let allow = 0;
  let deny = 0;
  for (const e of entries) {
    const mine = e.principal.type === 'admin' ? e.principal.id === admin.adminId : admin.groupIds.has(e.principal.id);
    if (!mine) continue;
    for (const right of OBJECT_RIGHTS) {
      const v = e.rights[right];
      if (v === 'allow') allow |= RIGHT_BIT[right];
      else if (v === 'deny') deny |= RIGHT_BIT[right];
    }
  }
  return { allow, deny };
}

/** Who on this node sets `right` to `value`: the admin itself first, then the lowest group id. */
function setter(view: RelevantEntries, right: ObjectRight, value: 'allow' | 'deny'): { groupId?: number } | null {
  if (view.direct?.[right] === value) return {};
  for (const g of view.groups) if (g.rights[right] === value) return { groupId: g.groupId };
  return null;
}

function reasonAt(node: AccessNodeRef, onObject: boolean, who: { groupId?: number }): RightReason {
  if (onObject) return who.groupId === undefined ? { kind: 'direct', node } : { kind: 'group', node, groupId: who.groupId };
  return who.groupId === undefined ? { kind: 'inherited', node } : { kind: 'inherited', node, groupId: who.groupId };
}

/** R3–R6 for one right along one path; null when nothing on the path sets it. */
function decide(path: readonly AclNode[], views: ReadonlyArray<RelevantEntries | null>, right: ObjectRight): EffectiveRight | null {
  const last = path.length - 1;
  let allow: RightReason | null = null;
  for (let i = 0; i <= last; i++) {
    const view = views[i];
    if (!view) continue;
    const denier = setter(view, right, 'deny');
    // Topmost deny decides (R4): nothing below can lift it, so stop here.
    if (denier) return { allowed: false, reason: reasonAt(path[i]!.ref, i === last, denier) };
    const allower = setter(view, right, 'allow');
    if (allower) allow = reasonAt(path[i]!.ref, i === last, allower);
  }
  return allow ? { allowed: true, reason: allow } : null;
}

/** Whether the last node of `path` carries a relevant allow that no deny on the path cancels (R7's "grant"). */
function grantsAtEnd(path: readonly AclNode[], admin: AdminPrincipals): boolean {
  const { allow } = nodeMasks(path[path.length - 1]!.entries, admin);
  if (!allow) return false;
  let deny = 0;
  for (const node of path) deny |= nodeMasks(node.entries, admin).deny;
  return (allow & ~deny) !== 0;
}

/**
 * Effective rights of one administrator on one object.
 *
 * @param path the object's folders from the top down, then the object (at least the object).
 *   Nodes without entries may be left out.
 * @param below for R7, only needed when the object is a folder: one chain per node below it
 *   that carries entries, from just below the object down to that node, including every node
 *   with entries in between (nodes without entries may be left out).
 */
export function evaluateAccess(
  admin: AdminPrincipals,
  path: readonly AclNode[],
  below: ReadonlyArray<readonly AclNode[]> = [],
): EffectiveRights {
  if (path.length === 0) throw new Error('evaluateAccess: the path must end with the object');
  const object = path[path.length - 1]!.ref;
  const result = {} as EffectiveRights;
  if (admin.superuser) {
    for (const right of OBJECT_RIGHTS) result[right] = { allowed: true, reason: { kind: 'superuser', node: object } };
    return result;
  }
  const views = path.map((n) => relevant(n.entries, admin));
  for (const right of OBJECT_RIGHTS) {
    result[right] = decide(path, views, right) ?? { allowed: false, reason: { kind: 'not-set', node: object } };
  }
  if (result.browse.reason.kind === 'not-set') {
    const grant = below.find((chain) => chain.length > 0 && grantsAtEnd([...path, ...chain], admin));
    if (grant) result.browse = { allowed: true, reason: { kind: 'implied-browse', node: grant[grant.length - 1]!.ref } };
  }
  return result;
}
