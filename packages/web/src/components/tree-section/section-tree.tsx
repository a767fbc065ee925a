import { Button, Loader, Text } from '@mantine/core';
import { createContext, useContext, useMemo } from 'react';
import { errorMessage } from '../../api/client';
import { TreeItem, TreeLabel } from '../tree-item';
import type { FolderKey, SectionItem, TreeSection } from './tree-section';

/** What the tree shows selected: a folder, an object, or nothing (a new object being made). */
export type SectionSelection = { kind: 'folder'; key: FolderKey } | { kind: 'item'; id: number } | { kind: 'none' };

interface SectionTreeProps<T extends SectionItem> {
  section: TreeSection<T>;
  selection: SectionSelection;
  expanded: ReadonlySet<FolderKey>;
  /** Whether the administrator sees every object (a superuser): an empty top level then says "none yet". */
  seesAll: boolean;
  onSelectFolder: (key: FolderKey) => void;
  onSelectItem: (item: T) => void;
  onToggle: (key: FolderKey, open: boolean) => void;
}

const TreeContext = createContext<SectionTreeProps<SectionItem> | null>(null);

function useTree(): SectionTreeProps<SectionItem> {
  const state = useContext(TreeContext);
  if (!state) throw new Error('SectionTree parts must be inside <SectionTree>');
  return state;
}

/** A section's folders with their objects; a folder loads its objects when it is opened. */
export function SectionTree<T extends SectionItem>(props: SectionTreeProps<T>) {
  const { section } = props;
  return (
    <TreeContext.Provider value={props as unknown as SectionTreeProps<SectionItem>}>
      <div role="tree" aria-label={section.title}>
        <FolderRow folderKey="root" label={section.title} level={1} />
        {props.expanded.has('root') && <FolderContents parent="root" level={2} />}
      </div>
    </TreeContext.Provider>
  );
}

function FolderContents({ parent, level }: { parent: FolderKey; level: number }) {
  const { section, expanded } = useTree();
  const folders = section.useFolders();
  const subFolders = folders.index.children(parent);
  return (
    <div role="group">
      {folders.isError && parent === 'root' && <ErrorLine level={level} error={folders.error} retry={() => void folders.refetch()} />}
      {subFolders.map((folder) => (
        <div key={folder.id}>
          <FolderRow folderKey={folder.id} label={folder.name} level={level} />
          {expanded.has(folder.id) && <FolderContents parent={folder.id} level={level + 1} />}
        </div>
      ))}
      <FolderItems folder={parent} level={level} empty={subFolders.length === 0} />
    </div>
  );
}

function FolderItems({ folder, level, empty }: { folder: FolderKey; level: number; empty: boolean }) {
  const { section, seesAll } = useTree();
  const query = section.useItems(folder);
  // A cached page may still hold an object just moved elsewhere: only this folder's are shown.
  const items = useMemo(
    () =>
      (query.data?.pages.flatMap((p) => p.items) ?? [])
        .filter((item) => (item.folderId ?? 'root') === folder)
        .sort((a, b) => a.name.localeCompare(b.name)),
    [query.data, folder],
  );
  const indent = { paddingLeft: (level - 1) * 16 + 28 };
  if (query.isPending) {
    return (
      <Text size="xs" c="dimmed" style={indent} py={4}>
        <Loader size={10} mr={6} />
        Loading {section.plural}…
      </Text>
    );
  }
  if (query.isError) return <ErrorLine level={level} error={query.error} retry={() => void query.refetch()} />;
  return (
    <>
      {items.map((item) => (
        <ItemRow key={item.id} item={item} level={level} />
      ))}
      {items.length === 0 && empty && (
        // Others see only what their access lists allow: "none yet" would mislead them.
        <Text size="xs" c="dimmed" style={indent} py={4}>
          {folder !== 'root' ? 'Empty folder' : seesAll ? `No ${section.plural} yet` : `No ${section.plural} you may see`}
        </Text>
      )}
      {query.hasNextPage && (
        <Button
          variant="subtle"
          size="compact-xs"
          ml={(level - 1) * 16 + 24}
          loading={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        >
          Load more {section.plural}
        </Button>
      )}
    </>
  );
}

/** A failed load with its message and a retry button. */
export function ErrorLine({ level, error, retry }: { level: number; error: unknown; retry: () => void }) {
  return (
    <Text size="xs" c="red" style={{ paddingLeft: (level - 1) * 16 + 8 }} py={4} role="alert">
      {errorMessage(error)}{' '}
      <Button variant="subtle" size="compact-xs" onClick={retry}>
        Retry
      </Button>
    </Text>
  );
}

function FolderRow({ folderKey, label, level }: { folderKey: FolderKey; label: string; level: number }) {
  const { section, selection, expanded, onSelectFolder, onToggle } = useTree();
  const isExpanded = expanded.has(folderKey);
  return (
    <TreeItem
      label={label}
      level={level}
      selected={selection.kind === 'folder' && selection.key === folderKey}
      expanded={isExpanded}
      onActivate={() => {
        onSelectFolder(folderKey);
        if (!isExpanded) onToggle(folderKey, true);
      }}
      onToggle={(open) => onToggle(folderKey, open)}
      testId={`${section.noun}-folder-${folderKey}`}
      icon={<FolderIcon open={isExpanded} />}
    >
      <TreeLabel title={label}>{label}</TreeLabel>
    </TreeItem>
  );
}

function ItemRow({ item, level }: { item: SectionItem; level: number }) {
  const { section, selection, onSelectItem } = useTree();
  return (
    <TreeItem
      label={item.name}
      level={level}
      selected={selection.kind === 'item' && selection.id === item.id}
      onActivate={() => onSelectItem(item)}
      testId={`${section.noun}-node-${item.id}`}
      icon={section.itemIcon}
    >
      <TreeLabel title={section.itemTitle(item)}>{item.name}</TreeLabel>
      {section.itemBadge?.(item)}
    </TreeItem>
  );
}

function FolderIcon({ open }: { open: boolean }) {
  return (
    <svg width="15" height="15" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round">
      {open ? <path d="M1.5 13V3.5h4.5l1.5 1.5h6v2.5M1.5 13l2-5.5h11L12.5 13z" /> : <path d="M1.5 13V3.5h4.5l1.5 1.5h7V13z" />}
    </svg>
  );
}
