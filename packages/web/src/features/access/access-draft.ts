import { OBJECT_RIGHTS, type AccessEntry, type ObjectRight, type ObjectRights, type Principal, type RightValue } from '@openums/protocol';

/** A right's three states in the editor; 'unset' is left out of the entry. */
export type RightState = RightValue | 'unset';

/** "admin:12", "group:3": one principal, as a React key and a picker value. */
export const principalKey = (p: Principal) => `${p.type}:${p.id}`;

export function parsePrincipalKey(key: string): Principal | null {
  const [type, id] = key.split(':');
  const n = Number(id);
  return (type === 'admin' || type === 'group') && Number.isSafeInteger(n) && n > 0 ? { type, id: n } : null;
}

export function rightState(entry: AccessEntry, right: ObjectRight): RightState {
  return entry.rights[right] ?? 'unset';
}

/** The list with one right of one principal changed. */
export function withRight(entries: readonly AccessEntry[], key: string, right: ObjectRight, state: RightState): AccessEntry[] {
  return entries.map((e) => {
    if (principalKey(e.principal) !== key) return e;
    const rights: ObjectRights = { ...e.rights };
    if (state === 'unset') delete rights[right];
    else rights[right] = state;
    return { ...e, rights };
  });
}

/** The principal added at the end with nothing set (no change if it is listed already). */
export function withPrincipal(entries: readonly AccessEntry[], principal: Principal): AccessEntry[] {
  const key = principalKey(principal);
  if (entries.some((e) => principalKey(e.principal) === key)) return [...entries];
  return [...entries, { principal, rights: {} }];
}

export function withoutPrincipal(entries: readonly AccessEntry[], key: string): AccessEntry[] {
  return entries.filter((e) => principalKey(e.principal) !== key);
}

/** "allow Browse, Read · deny Write", using `label` for each right; "nothing set" when empty. */
export function summarize(entry: AccessEntry, label: (right: ObjectRight) => string): string {
  const allowed = OBJECT_RIGHTS.filter((r) => entry.rights[r] === 'allow').map(label);
  const denied = OBJECT_RIGHTS.filter((r) => entry.rights[r] === 'deny').map(label);
  const parts = [allowed.length ? `allow ${allowed.join(', ')}` : '', denied.length ? `deny ${denied.join(', ')}` : ''].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'nothing set';
}

/** Same principals with the same rights, in any order (the server answers in its own order). */
export function sameEntries(a: readonly AccessEntry[], b: readonly AccessEntry[]): boolean {
  if (a.length !== b.length) return false;
  const byKey = new Map(b.map((e) => [principalKey(e.principal), e]));
  return a.every((e) => {
    const other = byKey.get(principalKey(e.principal));
    return other !== undefined && OBJECT_RIGHTS.every((r) => e.rights[r] === other.rights[r]);
  });
}

/** Index of the entry a 400/404 `details.field` names ("body.entries.3.principal"), if any. */
export function entryIndexOfField(details: unknown): number | null {
  const field = typeof details === 'object' && details !== null ? (details as { field?: unknown }).field : undefined;
  const match = typeof field === 'string' ? /^body\.entries\.(\d+)/.exec(field) : null;
  return match ? Number(match[1]) : null;
}
