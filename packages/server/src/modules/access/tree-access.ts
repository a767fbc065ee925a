import type { ObjectRight } from '@openums/protocol';
import { ALL_RIGHTS_MASK, RIGHT_BIT, nodeMasks, type AclEntry, type AdminPrincipals } from './evaluate.js';

/**
 * The rules of `evaluate.ts` for a whole folder tree at once, for lists: one pass down (R3–R6
 * as allow/deny bit masks), one pass up from every node that grants something (R7), so
 * O(folders + entries) per request. An object's rights are its folder's inherited rights plus
 * its own entries; objects without entries all share their folder's, which is why a list can
 * filter by a set of folder ids and only list the objects with entries one by one.
 */
export interface TreeInput {
  /** Every folder of the tree: id → parent folder id, null at the top. */
  folders: ReadonlyMap<number, number | null>;
  /** Entries on folders; folders without entries may be absent. */
  folderEntries: ReadonlyMap<number, readonly AclEntry[]>;
  /** Objects that carry entries of their own (others need not be listed). */
  objects?: ReadonlyArray<{ id: number; folderId: number | null; entries: readonly AclEntry[] }>;
  /** Entries on the tree's top node, above every folder, if the tree has one. */
  rootEntries?: readonly AclEntry[];
}

/** How a list query keeps the objects on which the admin has a right. */
export type ListFilter =
  | { all: true }
  | {
      all: false;
      /** Objects in these folders, unless in `excludeIds`. */
      folderIds: number[];
      /** Whether objects at the top (no folder) are kept, unless in `excludeIds`. */
      includeTopLevel: boolean;
      /** Objects kept although their folder is not (own entries allow). */
      includeIds: number[];
      /** Objects dropped although their folder is kept (own entries deny). */
      excludeIds: number[];
    };

export interface TreeAccess {
  /** Effective rights of a folder itself, including implied Browse (R7). */
  folderAllowed(folderId: number, right: ObjectRight): boolean;
  /** Effective rights of an object in `folderId` (null = top level), own entries included. */
  objectAllowed(objectId: number, folderId: number | null, right: ObjectRight): boolean;
  /** Folders the admin has `right` on (e.g. Browse: the folders shown in the tree). */
  folderIdsWith(right: ObjectRight): number[];
  /** The filter for listing objects with `right` (e.g. Browse for a device list). */
  listFilter(right: ObjectRight): ListFilter;
}

const TOP = -1;

export function evaluateTree(admin: AdminPrincipals, input: TreeInput): TreeAccess {
  if (admin.superuser) {
    const ids = [...input.folders.keys()];
    return {
      folderAllowed: () => true,
      objectAllowed: () => true,
      folderIdsWith: () => ids,
      listFilter: () => ({ all: true }),
    };
  }

  const ids = [...input.folders.keys()];
  const index = new Map<number, number>();
  ids.forEach((id, i) => index.set(id, i));
  const n = ids.length;
  const parentIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = input.folders.get(ids[i]!)!;
    if (p === null) parentIndex[i] = TOP;
    else {
      const pi = index.get(p);
      if (pi === undefined) throw new Error(`evaluateTree: folder ${ids[i]} has unknown parent ${p}`);
      parentIndex[i] = pi;
    }
  }

  const root = nodeMasks(input.rootEntries ?? [], admin);
  const ownAllow = new Int32Array(n);
  const ownDeny = new Int32Array(n);
  for (const [id, entries] of input.folderEntries) {
    const i = index.get(id);
    if (i === undefined) continue;
    const m = nodeMasks(entries, admin);
    ownAllow[i] = m.allow;
    ownDeny[i] = m.deny;
  }

  // Down: allow and deny bits accumulated from the top to each folder (R3), parents first.
  const inhAllow = new Int32Array(n);
  const inhDeny = new Int32Array(n);
  const state = new Uint8Array(n); // 0 new, 1 on the current walk, 2 done
  const walk: number[] = [];
  for (let start = 0; start < n; start++) {
    for (let i = start; i !== TOP && state[i] !== 2; i = parentIndex[i]!) {
      if (state[i] === 1) throw new Error(`evaluateTree: folder ${ids[i]} is its own ancestor`);
      state[i] = 1;
      walk.push(i);
    }
    while (walk.length) {
      const i = walk.pop()!;
      const p = parentIndex[i]!;
      inhAllow[i] = (p === TOP ? root.allow : inhAllow[p]!) | ownAllow[i]!;
      inhDeny[i] = (p === TOP ? root.deny : inhDeny[p]!) | ownDeny[i]!;
      state[i] = 2;
    }
  }

  // Up (R7): every node with an allow of its own that survives its path marks its strict
  // ancestors; a walk stops at the first ancestor already marked, so each folder is marked once.
  const implied = new Uint8Array(n);
  const markFrom = (i: number) => {
    for (; i !== TOP && !implied[i]; i = parentIndex[i]!) implied[i] = 1;
  };
  for (let i = 0; i < n; i++) if (ownAllow[i]! & ~inhDeny[i]!) markFrom(parentIndex[i]!);

  const objects = new Map<number, { folder: number; mask: number }>();
  for (const o of input.objects ?? []) {
    const f = o.folderId === null ? TOP : index.get(o.folderId);
    if (f === undefined) throw new Error(`evaluateTree: object ${o.id} is in unknown folder ${o.folderId}`);
    const m = nodeMasks(o.entries, admin);
    const allow = (f === TOP ? root.allow : inhAllow[f]!) | m.allow;
    const deny = (f === TOP ? root.deny : inhDeny[f]!) | m.deny;
    objects.set(o.id, { folder: f, mask: allow & ~deny & ALL_RIGHTS_MASK });
    if (m.allow & ~deny) markFrom(f);
  }

  const browse = RIGHT_BIT.browse;
  const folderMask = new Int32Array(n);
  const inheritedMask = new Int32Array(n); // what objects without entries in the folder get
  for (let i = 0; i < n; i++) {
    inheritedMask[i] = inhAllow[i]! & ~inhDeny[i]!;
    folderMask[i] = inheritedMask[i]! | (implied[i] && !(inhDeny[i]! & browse) ? browse : 0);
  }
  const topObjects = root.allow & ~root.deny;
  const listFilters = new Map<ObjectRight, ListFilter>();

  const folderOf = (folderId: number) => {
    const i = index.get(folderId);
    if (i === undefined) throw new Error(`evaluateTree: unknown folder ${folderId}`);
    return i;
  };
  return {
    folderAllowed: (folderId, right) => (folderMask[folderOf(folderId)]! & RIGHT_BIT[right]) !== 0,
    objectAllowed(objectId, folderId, right) {
      const own = objects.get(objectId);
      if (own) return (own.mask & RIGHT_BIT[right]) !== 0;
      const mask = folderId === null ? topObjects : inheritedMask[folderOf(folderId)]!;
      return (mask & RIGHT_BIT[right]) !== 0;
    },
    folderIdsWith(right) {
      const bit = RIGHT_BIT[right];
      return ids.filter((_, i) => folderMask[i]! & bit);
    },
    listFilter(right) {
      // Memoised: one evaluated tree serves many requests of the same administrator.
      const hit = listFilters.get(right);
      if (hit) return hit;
      const bit = RIGHT_BIT[right];
      const kept = (f: number) => ((f === TOP ? topObjects : inheritedMask[f]!) & bit) !== 0;
      const includeIds: number[] = [];
      const excludeIds: number[] = [];
      for (const [id, o] of objects) {
        const has = (o.mask & bit) !== 0;
        if (has && !kept(o.folder)) includeIds.push(id);
        else if (!has && kept(o.folder)) excludeIds.push(id);
      }
      const filter: ListFilter = {
        all: false,
        folderIds: ids.filter((_, i) => inheritedMask[i]! & bit),
        includeTopLevel: (topObjects & bit) !== 0,
        includeIds,
        excludeIds,
      };
      listFilters.set(right, filter);
      return filter;
    },
  };
}
