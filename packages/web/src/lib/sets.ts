/** A copy of the set with the item in it (`present`) or not: opening and closing tree nodes. */
export function withMember<T>(set: ReadonlySet<T>, item: T, present: boolean): Set<T> {
  const next = new Set(set);
  if (present) next.add(item);
  else next.delete(item);
  return next;
}
