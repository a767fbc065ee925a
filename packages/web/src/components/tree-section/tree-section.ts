import type { AccessNodeRef } from '@openums/protocol';
import { useQuery, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { folderPaths, type FolderPaths, type TreeFolder } from '../folder-paths';

/**
 * A section of the app whose objects (views, profiles) live in a folder tree of their own: the
 * tree on the left, the open object on the right. One description per section drives the shared
 * tree, folder dialogs and folder actions.
 */

/** A node of a section's tree: the top level ('root') or a folder id. */
export type FolderKey = 'root' | number;

export const toFolderId = (key: FolderKey): number | null => (key === 'root' ? null : key);

export interface FolderIndex<F extends TreeFolder = TreeFolder> extends FolderPaths<F> {
  /** Sub-folders of a folder by name; a folder whose parent is unknown shows at the top level. */
  children: (parent: FolderKey) => F[];
}

/** Every folder of a section, loaded at once (folders are few), with their paths and children. */
export function useFolderIndex<F extends TreeFolder>(queryKey: QueryKey, listAll: (signal: AbortSignal) => Promise<F[]>) {
  const query = useQuery({ queryKey, queryFn: ({ signal }) => listAll(signal) });
  const index = useMemo<FolderIndex<F>>(() => {
    const list = query.data ?? [];
    const paths = folderPaths(list, 'Top level');
    const byParent = new Map<FolderKey, F[]>();
    for (const folder of list) {
      const parent = folder.parentId === null || !paths.byId.has(folder.parentId) ? 'root' : folder.parentId;
      byParent.set(parent, [...(byParent.get(parent) ?? []), folder]);
    }
    for (const children of byParent.values()) children.sort((a, b) => a.name.localeCompare(b.name));
    return { ...paths, children: (parent) => byParent.get(parent) ?? [] };
  }, [query.data]);
  return { ...query, index };
}

/** What the shared parts read of `useFolderIndex`'s answer. */
export interface FolderQuery {
  data?: readonly TreeFolder[];
  index: FolderIndex;
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
}

/** What the tree reads of a folder's (paginated) object list. */
export interface ItemPages<T> {
  data?: { pages: readonly { items: readonly T[] }[] };
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

export interface SectionItem {
  id: number;
  name: string;
  folderId: number | null;
}

/** The folder side of a section: what the folder dialogs and actions need. */
export interface FolderSection {
  /** What the folders hold, lower case: "view" (dialog titles, test ids `view-folder-3`, `view-node-12`). */
  noun: string;
  /** Its plural, lower case: "views". */
  plural: string;
  /** The tree's name and its top row: "Views". */
  title: string;
  /** The object type of the folders in access lists. */
  folderType: AccessNodeRef['type'];
  useFolders: () => FolderQuery;
  createFolder: (body: { name: string; parentId: number | null }) => Promise<{ id: number; name: string }>;
  updateFolder: (id: number, body: { name?: string; parentId?: number | null }) => Promise<{ name: string }>;
  deleteFolder: (id: number) => Promise<unknown>;
  /** After folders were created, moved, renamed or deleted. */
  invalidate: (queryClient: QueryClient) => Promise<void>;
}

export interface TreeSection<T extends SectionItem> extends FolderSection {
  /** The objects of one folder, a page at a time. */
  useItems: (folder: FolderKey) => ItemPages<T>;
  /** The icon of an object's row. */
  itemIcon: ReactNode;
  /** The tooltip of an object's row. */
  itemTitle: (item: T) => string;
  /** What follows an object's name in its row (badges). */
  itemBadge?: (item: T) => ReactNode;
}
