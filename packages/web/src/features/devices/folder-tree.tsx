import { Badge, Button, Loader, Text } from '@mantine/core';
import { createContext, useContext } from 'react';
import { errorMessage } from '../../api/client';
import { TreeItem, TreeLabel } from '../../components/tree-item';
import { useIsSuperuser } from '../access/use-general-rights';
import { useFolderChildren, type FolderKey } from './queries';
import { plural } from '../../lib/format';

interface TreeState {
  selected: FolderKey;
  expanded: ReadonlySet<FolderKey>;
  onSelect: (key: FolderKey) => void;
  onToggle: (key: FolderKey, open: boolean) => void;
}

const TreeContext = createContext<TreeState | null>(null);

function useTree(): TreeState {
  const state = useContext(TreeContext);
  if (!state) throw new Error('FolderTree parts must be inside <FolderTree>');
  return state;
}

/** The device tree: folders load their children only when expanded. */
export function FolderTree(props: TreeState) {
  return (
    <TreeContext.Provider value={props}>
      <div role="tree" aria-label="Device folders">
        <TreeRow nodeKey="root" label="All devices" level={1} hasChildren />
        {props.expanded.has('root') && <FolderChildren parent="root" level={2} />}
      </div>
    </TreeContext.Provider>
  );
}

function FolderChildren({ parent, level }: { parent: FolderKey; level: number }) {
  const query = useFolderChildren(parent);
  // Others see only the folders their access lists allow: "none yet" would mislead them.
  const superuser = useIsSuperuser();
  const indent = { paddingLeft: level * 16 };

  if (query.isPending) {
    return (
      <Text size="xs" c="dimmed" style={indent} py={4}>
        <Loader size={10} mr={6} />
        Loading folders…
      </Text>
    );
  }
  if (query.isError) {
    return (
      <Text size="xs" c="red" style={indent} py={4} role="alert">
        {errorMessage(query.error)}{' '}
        <Button variant="subtle" size="compact-xs" onClick={() => void query.refetch()}>
          Retry
        </Button>
      </Text>
    );
  }
  const folders = query.data.pages.flatMap((p) => p.items);
  return (
    <div role="group">
      {folders.length === 0 && parent === 'root' && (
        <Text size="xs" c="dimmed" style={indent} py={4}>
          {superuser ? 'No folders yet' : 'No folders you may see'}
        </Text>
      )}
      {folders.map((folder) => (
        <div key={folder.id}>
          <TreeRow
            nodeKey={folder.id}
            label={folder.name}
            level={level}
            hasChildren={folder.childCount > 0}
            count={folder.deviceCount}
            total={folder.totalDeviceCount}
          />
          {folder.childCount > 0 && <ExpandedChildren parent={folder.id} level={level + 1} />}
        </div>
      ))}
      {query.hasNextPage && (
        <Button
          variant="subtle"
          size="compact-xs"
          ml={level * 16}
          loading={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        >
          Load more folders
        </Button>
      )}
    </div>
  );
}

function ExpandedChildren({ parent, level }: { parent: number; level: number }) {
  const { expanded } = useTree();
  return expanded.has(parent) ? <FolderChildren parent={parent} level={level} /> : null;
}

interface TreeRowProps {
  nodeKey: FolderKey;
  label: string;
  level: number;
  hasChildren: boolean;
  /** Devices directly in the folder. */
  count?: number;
  /** Devices in the folder and all its sub-folders. */
  total?: number;
}

function TreeRow({ nodeKey, label, level, hasChildren, count, total }: TreeRowProps) {
  const { selected, expanded, onSelect, onToggle } = useTree();
  const isExpanded = expanded.has(nodeKey);
  const select = () => {
    onSelect(nodeKey);
    if (hasChildren && !isExpanded) onToggle(nodeKey, true);
  };
  return (
    <TreeItem
      label={label}
      level={level}
      selected={selected === nodeKey}
      expanded={isExpanded}
      onActivate={select}
      onToggle={hasChildren ? (open) => onToggle(nodeKey, open) : undefined}
      testId={`folder-node-${nodeKey}`}
    >
      <TreeLabel title={label}>{label}</TreeLabel>
      {count !== undefined && (
        <Badge
          size="sm"
          variant="light"
          color={count || total ? 'teal' : 'gray'}
          style={{ flex: 'none', textTransform: 'none' }}
          title={
            total !== undefined && total !== count
              ? `${plural(count, 'device')} directly in this folder, ${plural(total, 'device')} with its sub-folders`
              : `${plural(count, 'device')} directly in this folder`
          }
          aria-label={total !== undefined && total !== count ? `${count} devices here, ${total} with sub-folders` : `${count} devices`}
        >
          <span data-testid="folder-count">{count.toLocaleString()}</span>
          {total !== undefined && total !== count && (
            <>
              {' / '}
              <span data-testid="folder-total">{total.toLocaleString()}</span>
            </>
          )}
        </Badge>
      )}
    </TreeItem>
  );
}
