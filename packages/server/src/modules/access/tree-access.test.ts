import { describe, expect, it } from 'vitest';
import { OBJECT_RIGHTS, RIGHT_VALUES, type ObjectRights } from '@openums/protocol';
import { evaluateAccess, type AclEntry, type AclNode, type AdminPrincipals } from './evaluate.js';
import { resolveGroups } from './groups.js';
import { evaluateTree, type ListFilter, type TreeInput } from './tree-access.js';

/** Deterministic random numbers (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ME = 1;
const ROOT = { type: 'device-folder', id: 0 } as const;

type TreeObject = NonNullable<TreeInput['objects']>[number];
interface World {
  input: TreeInput & { objects: TreeObject[]; rootEntries: AclEntry[] };
  admin: AdminPrincipals;
  /** Objects without entries, one per folder (and one at the top), to check inherited rights. */
  plain: Array<{ id: number; folderId: number | null }>;
}

/** 1,000 folders five levels deep, 50 entries for the admin through itself and 3 groups, noise for others. */
function world(seed: number): World {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const levels = [5, 20, 75, 200, 700];
  const folders = new Map<number, number | null>();
  let prev: number[] = [];
  let id = 1;
  for (const size of levels) {
    const level: number[] = [];
    for (let i = 0; i < size; i++, id++) {
      folders.set(id, prev.length ? pick(prev) : null);
      level.push(id);
    }
    prev = level;
  }
  const folderIds = [...folders.keys()];
  // Admin 1 is in groups 10 and 20; group 20 is in group 30. Group 40 and admin 2 are others.
  const { groupIds } = resolveGroups([10, 20], new Map([[20, [30]]]));
  const admin: AdminPrincipals = { adminId: ME, superuser: false, groupIds };
  const mine = [
    { type: 'admin', id: ME },
    { type: 'group', id: 10 },
    { type: 'group', id: 20 },
    { type: 'group', id: 30 },
  ] as const;
  const others = [
    { type: 'admin', id: 2 },
    { type: 'group', id: 40 },
  ] as const;
  const rights = (): ObjectRights => {
    const r: ObjectRights = {};
    for (const right of OBJECT_RIGHTS) {
      const x = rnd();
      if (x < 0.12) r[right] = 'allow';
      else if (x < 0.15) r[right] = 'deny';
    }
    return r;
  };
  const folderEntries = new Map<number, AclEntry[]>();
  const objects: TreeObject[] = [];
  const rootEntries: AclEntry[] = [];
  const place = (principal: AclEntry['principal']) => {
    const entry: AclEntry = { principal, rights: rights() };
    const where = rnd();
    if (where < 0.02) rootEntries.push(entry);
    else if (where < 0.7) {
      const f = pick(folderIds);
      folderEntries.set(f, [...(folderEntries.get(f) ?? []), entry]);
    } else objects.push({ id: 10_000 + objects.length, folderId: rnd() < 0.05 ? null : pick(folderIds), entries: [entry] });
  };
  for (let i = 0; i < 50; i++) place(pick(mine));
  for (let i = 0; i < 30; i++) place(pick(others));
  const plain = [{ id: 1, folderId: null }, ...folderIds.map((f) => ({ id: 100_000 + f, folderId: f }))];
  return { input: { folders, folderEntries, objects, rootEntries }, admin, plain };
}

/** The single-object evaluator's view of the same world: paths and chains below. */
function paths(w: World) {
  const { folders, folderEntries, objects } = w.input;
  const node = (f: number): AclNode => ({ ref: { type: 'device-folder', id: f }, entries: folderEntries.get(f) ?? [] });
  const rootNode: AclNode = { ref: ROOT, entries: w.input.rootEntries };
  const folderPath = (f: number | null): AclNode[] => {
    const out: AclNode[] = [];
    for (let i = f; i !== null; i = folders.get(i)!) out.unshift(node(i));
    return [rootNode, ...out];
  };
  const objectNode = (o: { id: number; entries: readonly AclEntry[] }): AclNode => ({
    ref: { type: 'device', id: o.id },
    entries: o.entries,
  });
  // Every node with entries, as its full path; a folder's chains below are the suffixes after it.
  const carriers: AclNode[][] = [
    ...[...folderEntries.keys()].map((f) => folderPath(f)),
    ...objects.map((o) => [...folderPath(o.folderId), objectNode(o)]),
  ];
  const below = (f: number): AclNode[][] =>
    carriers.flatMap((p) => {
      const at = p.findIndex((n) => n.ref.type === 'device-folder' && n.ref.id === f);
      return at >= 0 && at < p.length - 1 ? [p.slice(at + 1)] : [];
    });
  return { folderPath, objectNode, below };
}

function keeps(filter: ListFilter, id: number, folderId: number | null): boolean {
  if (filter.all) return true;
  if (filter.includeIds.includes(id)) return true;
  if (filter.excludeIds.includes(id)) return false;
  return folderId === null ? filter.includeTopLevel : filter.folderIds.includes(folderId);
}

describe('evaluateTree agrees with evaluateAccess on random trees', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every folder, every object with entries, one plain object per folder, every right`, () => {
      const w = world(seed);
      const tree = evaluateTree(w.admin, w.input);
      const { folderPath, objectNode, below } = paths(w);
      const mismatches: string[] = [];
      let allowedSeen = 0;
      for (const f of w.input.folders.keys()) {
        const single = evaluateAccess(w.admin, folderPath(f), below(f));
        for (const r of OBJECT_RIGHTS) {
          if (tree.folderAllowed(f, r) !== single[r].allowed) mismatches.push(`folder ${f} ${r}`);
          if (single[r].allowed) allowedSeen++;
        }
      }
      const everyObject = [...w.input.objects, ...w.plain.map((p) => ({ ...p, entries: [] }))];
      const filters = Object.fromEntries(OBJECT_RIGHTS.map((r) => [r, tree.listFilter(r)]));
      for (const o of everyObject) {
        const single = evaluateAccess(w.admin, [...folderPath(o.folderId), objectNode(o)]);
        for (const r of OBJECT_RIGHTS) {
          if (tree.objectAllowed(o.id, o.folderId, r) !== single[r].allowed) mismatches.push(`object ${o.id} ${r}`);
          if (keeps(filters[r]!, o.id, o.folderId) !== single[r].allowed) mismatches.push(`list filter ${o.id} ${r}`);
        }
      }
      expect(mismatches).toEqual([]);
      // The world is not trivially all-denied, and implied Browse occurs.
      expect(allowedSeen).toBeGreaterThan(100);
      const implied = [...w.input.folders.keys()].filter(
        (f) => evaluateAccess(w.admin, folderPath(f), below(f)).browse.reason.kind === 'implied-browse',
      );
      expect(implied.length).toBeGreaterThan(0);
      expect(tree.folderIdsWith('browse')).toEqual([...w.input.folders.keys()].filter((f) => tree.folderAllowed(f, 'browse')));
    });
  }
});

describe('evaluateTree', () => {
  const folders = new Map<number, number | null>([
    [1, null],
    [2, 1],
    [3, 2],
    [4, null],
  ]);
  const admin: AdminPrincipals = { adminId: ME, superuser: false, groupIds: new Set([10]) };
  const entry = (rights: ObjectRights, principal: AclEntry['principal'] = { type: 'admin', id: ME }): AclEntry => ({ principal, rights });

  it('filters a list by folder sets, with objects of their own entries included or excluded one by one', () => {
    const tree = evaluateTree(admin, {
      folders,
      folderEntries: new Map([[2, [entry({ browse: 'allow', read: 'allow' })]]]),
      objects: [
        { id: 7, folderId: 3, entries: [entry({ browse: 'deny' }, { type: 'group', id: 10 })] },
        { id: 8, folderId: 4, entries: [entry({ browse: 'allow' })] },
      ],
    });
    expect(tree.listFilter('browse')).toEqual({ all: false, folderIds: [2, 3], includeTopLevel: false, includeIds: [8], excludeIds: [7] });
    // Folder 1 is browsable only as the path to folder 2 (implied); its own objects are not.
    expect(tree.folderIdsWith('browse')).toEqual([1, 2, 3, 4]);
    expect(tree.folderIdsWith('read')).toEqual([2, 3]);
    expect(tree.objectAllowed(9, 1, 'browse')).toBe(false);
  });

  it('the superuser keeps everything', () => {
    const tree = evaluateTree({ ...admin, superuser: true }, { folders, folderEntries: new Map() });
    expect(tree.listFilter('read')).toEqual({ all: true });
    expect(tree.folderAllowed(3, 'firmwareControl')).toBe(true);
  });

  it('refuses a parent map with a cycle or an unknown parent', () => {
    const cyclic = new Map<number, number | null>([
      [1, 2],
      [2, 1],
    ]);
    expect(() => evaluateTree(admin, { folders: cyclic, folderEntries: new Map() })).toThrow(/own ancestor/);
    expect(() => evaluateTree(admin, { folders: new Map([[1, 5]]), folderEntries: new Map() })).toThrow(/unknown parent/);
  });

  it('uses only allow and deny as values', () => {
    expect(RIGHT_VALUES).toEqual(['allow', 'deny']);
  });
});
