import { useCallback, useEffect, useRef, useState } from 'react';
import { useBlocker } from 'react-router';
import { withMember } from '../../lib/sets';
import { expandedWithPath } from '../folder-paths';
import { useWarnBeforeUnload } from '../unsaved-changes';
import type { FolderKey, FolderQuery } from './tree-section';

/** A positive integer id from the address, or null. */
export function parseId(value: string | null | undefined): number | null {
  const id = Number(value);
  return value && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * The open folders of a section's tree (the top level at first). `openFolder` is the folder of
 * the object shown: opening an object by its address shows it in the tree.
 */
export function useExpandedFolders(folders: Pick<FolderQuery, 'data' | 'index'>, openFolder: number | null) {
  const [expanded, setExpanded] = useState<ReadonlySet<FolderKey>>(() => new Set<FolderKey>(['root']));
  const expandPath = useCallback(
    (key: FolderKey) => setExpanded((prev) => expandedWithPath(prev, key, folders.index.ancestors)),
    [folders.index],
  );
  const loaded = folders.data !== undefined;
  useEffect(() => {
    if (openFolder !== null && loaded) expandPath(openFolder);
  }, [openFolder, loaded, expandPath]);
  const onToggle = useCallback((key: FolderKey, open: boolean) => setExpanded((prev) => withMember(prev, key, open)), []);
  return { expanded, expandPath, onToggle };
}

/**
 * Unsaved changes of the open object: leaving for another address is stopped (render
 * `DiscardChangesModal` with the blocker) and closing the tab asks first.
 */
export function useUnsavedChangesGuard() {
  // The blocker reads the ref: a navigation right after "changes are gone" (deleted) must pass.
  const dirtyRef = useRef(false);
  const [dirty, setDirtyState] = useState(false);
  const setDirty = useCallback((value: boolean) => {
    dirtyRef.current = value;
    setDirtyState(value);
  }, []);
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirtyRef.current && currentLocation.pathname !== nextLocation.pathname);
  useWarnBeforeUnload(dirty);
  return { setDirty, blocker };
}
