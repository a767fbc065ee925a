import type { View } from '@openums/protocol';
import { Button, Loader, Text } from '@mantine/core';
import { createContext, useContext, useMemo } from 'react';
import { errorMessage } from '../../api/client';
import { TreeItem, TreeLabel } from '../../components/tree-item';
import { useIsSuperuser } from '../access/use-general-rights';
import { useViewFolders, useViewList, type ViewFolderKey } from './queries';

export type ViewTreeSelection = { kind: 'folder'; key: ViewFolderKey } | { kind: 'view'; id: number } | { kind: 'new' };

interface TreeState {
  selection: ViewTreeSelection;
  expanded: ReadonlySet<ViewFolderKey>;
  onSelectFolder: (key: ViewFolderKey) => void;
  onSelectView: (view: View) => void;
  onToggle: (key: ViewFolderKey, open: boolean) => void;
}

const TreeContext = createContext<TreeState | null>(null);

function useTree(): TreeState {
  const state = useContext(TreeContext);
  if (!state) throw new Error('ViewTree parts must be inside <ViewTree>');
  return state;
}

/** View folders with their views; a folder loads its views when it is opened. */
export function ViewTree(props: TreeState) {
  return (
    <TreeContext.Provider value={props}>
      <div role="tree" aria-label="Views">
        <FolderRow folderKey="root" label="Views" level={1} />
        {props.expanded.has('root') && <FolderContents parent="root" level={2} />}
      </div>
    </TreeContext.Provider>
  );
}

function FolderContents({ parent, level }: { parent: ViewFolderKey; level: number }) {
  const folders = useViewFolders();
  const { expanded } = useTree();
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
      <FolderViews folder={parent} level={level} empty={subFolders.length === 0} />
    </div>
  );
}

function FolderViews({ folder, level, empty }: { folder: ViewFolderKey; level: number; empty: boolean }) {
  const query = useViewList(folder);
  const views = useMemo(
    () => (query.data?.pages.flatMap((p) => p.items) ?? []).slice().sort((a, b) => a.name.localeCompare(b.name)),
    [query.data],
  );
  const superuser = useIsSuperuser();
  const indent = { paddingLeft: (level - 1) * 16 + 28 };
  if (query.isPending) {
    return (
      <Text size="xs" c="dimmed" style={indent} py={4}>
        <Loader size={10} mr={6} />
        Loading views…
      </Text>
    );
  }
  if (query.isError) return <ErrorLine level={level} error={query.error} retry={() => void query.refetch()} />;
  return (
    <>
      {views.map((view) => (
        <ViewRow key={view.id} view={view} level={level} />
      ))}
      {views.length === 0 && empty && (
        <Text size="xs" c="dimmed" style={indent} py={4}>
          {folder !== 'root' ? 'Empty folder' : superuser ? 'No views yet' : 'No views you may see'}
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
          Load more views
        </Button>
      )}
    </>
  );
}

function ErrorLine({ level, error, retry }: { level: number; error: unknown; retry: () => void }) {
  return (
    <Text size="xs" c="red" style={{ paddingLeft: (level - 1) * 16 + 8 }} py={4} role="alert">
      {errorMessage(error)}{' '}
      <Button variant="subtle" size="compact-xs" onClick={retry}>
        Retry
      </Button>
    </Text>
  );
}

function FolderRow({ folderKey, label, level }: { folderKey: ViewFolderKey; label: string; level: number }) {
  const { selection, expanded, onSelectFolder, onToggle } = useTree();
  const isExpanded = expanded.has(folderKey);
  const isSelected = selection.kind === 'folder' && selection.key === folderKey;
  return (
    <TreeItem
      label={label}
      level={level}
      selected={isSelected}
      expanded={isExpanded}
      onActivate={() => {
        onSelectFolder(folderKey);
        if (!isExpanded) onToggle(folderKey, true);
      }}
      onToggle={(open) => onToggle(folderKey, open)}
      testId={`view-folder-${folderKey}`}
      icon={<FolderIcon open={isExpanded} />}
    >
      <TreeLabel title={label}>{label}</TreeLabel>
    </TreeItem>
  );
}

function ViewRow({ view, level }: { view: View; level: number }) {
  const { selection, onSelectView } = useTree();
  return (
    <TreeItem
      label={view.name}
      level={level}
      selected={selection.kind === 'view' && selection.id === view.id}
      onActivate={() => onSelectView(view)}
      testId={`view-node-${view.id}`}
      icon={<ViewIcon />}
    >
      <TreeLabel title={view.description ? `${view.name} — ${view.description}` : view.name}>{view.name}</TreeLabel>
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

function ViewIcon() {
  return (
    <svg width="15" height="15" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round">
      <circle cx="7" cy="7" r="4.5" />
      <path d="M10.5 10.5l4 4" />
    </svg>
  );
}
