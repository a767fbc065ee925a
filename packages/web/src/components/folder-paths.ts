/** Any folder tree the app shows (device folders, profile folders). */
export interface TreeFolder {
  id: number;
  name: string;
  parentId: number | null;
}

export interface FolderPaths<F extends TreeFolder> {
  byId: Map<number, F>;
  /** "Parent / Child" path of a folder; `topLabel` for null. */
  path: (id: number | null) => string;
  /** The folder and all its ancestors, root first. */
  ancestors: (id: number) => number[];
}

/** Paths and ancestor chains of a flat folder list (a cycle in the data ends a chain). */
export function folderPaths<F extends TreeFolder>(list: readonly F[], topLabel: string): FolderPaths<F> {
  const byId = new Map(list.map((f) => [f.id, f]));
  const ancestors = (id: number) => {
    const chain: number[] = [];
    let current = byId.get(id);
    while (current && !chain.includes(current.id)) {
      chain.unshift(current.id);
      current = current.parentId === null ? undefined : byId.get(current.parentId);
    }
    return chain;
  };
  const path = (id: number | null) => {
    if (id === null) return topLabel;
    const chain = ancestors(id);
    return chain.length ? chain.map((a) => byId.get(a)!.name).join(' / ') : `Folder #${id}`;
  };
  return { byId, path, ancestors };
}

/** The expanded set with `key`, its ancestors and the root added (a new or moved folder becomes visible). */
export function expandedWithPath<K extends 'root' | number>(prev: ReadonlySet<K>, key: K, ancestors: (id: number) => number[]): Set<K> {
  const next = new Set(prev);
  next.add('root' as K);
  if (key !== 'root') for (const id of ancestors(key as number)) next.add(id as K);
  next.add(key);
  return next;
}
