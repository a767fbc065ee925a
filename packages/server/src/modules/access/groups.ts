/**
 * Group nesting: a group may be a member of other groups, and an administrator in a group is
 * also in every group that group belongs to. Storage (admin_group_members) is another module's;
 * this only walks the membership graph it is given, so evaluation never loops on bad data.
 */

/** groupId → the groups it is itself a member of. */
export type GroupParents = ReadonlyMap<number, readonly number[]>;

export interface ResolvedGroups {
  /** The admin's direct groups and every group they are nested in. */
  groupIds: Set<number>;
  /** Each cycle met, as the groups around it (first repeated at the end); empty when the graph is sound. */
  cycles: number[][];
}

/**
 * The closure of `directGroupIds` upwards through `parents`. A cycle does not stop resolution
 * (every group on it is still a member once reached) but is reported, so the caller can log it;
 * writes should refuse to create one in the first place (`wouldCreateGroupCycle`).
 */
export function resolveGroups(directGroupIds: Iterable<number>, parents: GroupParents): ResolvedGroups {
  const groupIds = new Set<number>();
  const cycles: number[][] = [];
  const onPath = new Set<number>();
  const path: number[] = [];
  // Iterative DFS: nesting depth comes from data, not code, so no recursion limit applies.
  for (const start of directGroupIds) {
    if (groupIds.has(start)) continue;
    const stack: Array<{ id: number; next: number }> = [{ id: start, next: 0 }];
    groupIds.add(start);
    onPath.add(start);
    path.push(start);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const ups = parents.get(top.id) ?? [];
      if (top.next >= ups.length) {
        stack.pop();
        onPath.delete(top.id);
        path.pop();
        continue;
      }
      const up = ups[top.next++]!;
      if (onPath.has(up)) {
        cycles.push([...path.slice(path.indexOf(up)), up]);
        continue;
      }
      if (groupIds.has(up)) continue;
      groupIds.add(up);
      onPath.add(up);
      path.push(up);
      stack.push({ id: up, next: 0 });
    }
  }
  return { groupIds, cycles };
}

/** Whether making `groupId` a member of `parentId` would close a cycle. */
export function wouldCreateGroupCycle(groupId: number, parentId: number, parents: GroupParents): boolean {
  if (groupId === parentId) return true;
  return resolveGroups([parentId], parents).groupIds.has(groupId);
}
