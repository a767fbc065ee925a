import { Button, Text } from '@mantine/core';
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useMemo } from 'react';
import { errorMessage } from '../../api/client';
import { listJobFolders, type JobFolder } from '../../api/jobs';
import { folderPaths, type FolderPaths } from '../../components/folder-paths';
import { TreeItem, TreeLabel } from '../../components/tree-item';

/** A node of the job folder tree: every job ('root') or a job folder id. */
export type JobFolderKey = 'root' | number;

export const jobFolderKeys = { all: ['jobs', 'folders'] as const };

export interface JobFolderIndex extends FolderPaths<JobFolder> {
  children: (parent: JobFolderKey) => JobFolder[];
}

/** The folders as a tree (a folder whose parent is gone shows at the top level). */
export function indexJobFolders(list: readonly JobFolder[]): JobFolderIndex {
  const paths = folderPaths(list, 'No folder');
  const byParent = new Map<JobFolderKey, JobFolder[]>();
  for (const folder of list) {
    const parent = folder.parentId === null || !paths.byId.has(folder.parentId) ? 'root' : folder.parentId;
    byParent.set(parent, [...(byParent.get(parent) ?? []), folder]);
  }
  for (const children of byParent.values()) children.sort((a, b) => a.name.localeCompare(b.name));
  return { ...paths, children: (parent) => byParent.get(parent) ?? [] };
}

export function useJobFolders() {
  const query = useQuery({ queryKey: jobFolderKeys.all, queryFn: ({ signal }) => listJobFolders(signal) });
  const index = useMemo(() => indexJobFolders(query.data ?? []), [query.data]);
  return { ...query, index };
}

/** Folders and the job lists filtered by them. */
export const invalidateJobFolders = (queryClient: QueryClient) => queryClient.invalidateQueries({ queryKey: ['jobs'] });

interface TreeState {
  /** The selected folder; null while a job is open. */
  selected: JobFolderKey | null;
  expanded: ReadonlySet<JobFolderKey>;
  onSelect: (key: JobFolderKey) => void;
  onToggle: (key: JobFolderKey, open: boolean) => void;
}

const TreeContext = createContext<TreeState | null>(null);

function useTree(): TreeState {
  const state = useContext(TreeContext);
  if (!state) throw new Error('JobFolderTree parts must be inside <JobFolderTree>');
  return state;
}

/** "All jobs" and the job folders under it; selecting a folder lists the jobs filed in it. */
export function JobFolderTree(props: TreeState) {
  const folders = useJobFolders();
  return (
    <TreeContext.Provider value={props}>
      <div role="tree" aria-label="Job folders">
        <FolderRow folderKey="root" label="All jobs" level={1} leaf={folders.index.children('root').length === 0} />
        {folders.isError && (
          <Text size="xs" c="red" pl={12} py={4} role="alert">
            {errorMessage(folders.error)}{' '}
            <Button variant="subtle" size="compact-xs" onClick={() => void folders.refetch()}>
              Retry
            </Button>
          </Text>
        )}
        {props.expanded.has('root') && <FolderChildren parent="root" level={2} index={folders.index} />}
        {folders.isSuccess && folders.data.length === 0 && (
          <Text size="xs" c="dimmed" pl={28} py={4}>
            No folders yet
          </Text>
        )}
      </div>
    </TreeContext.Provider>
  );
}

function FolderChildren({ parent, level, index }: { parent: JobFolderKey; level: number; index: JobFolderIndex }) {
  const { expanded } = useTree();
  const children = index.children(parent);
  if (children.length === 0) return null;
  return (
    <div role="group">
      {children.map((folder) => (
        <div key={folder.id}>
          <FolderRow folderKey={folder.id} label={folder.name} level={level} leaf={index.children(folder.id).length === 0} />
          {expanded.has(folder.id) && <FolderChildren parent={folder.id} level={level + 1} index={index} />}
        </div>
      ))}
    </div>
  );
}

function FolderRow({ folderKey, label, level, leaf }: { folderKey: JobFolderKey; label: string; level: number; leaf: boolean }) {
  const { selected, expanded, onSelect, onToggle } = useTree();
  const isExpanded = expanded.has(folderKey);
  return (
    <TreeItem
      label={label}
      level={level}
      selected={selected === folderKey}
      expanded={isExpanded}
      onActivate={() => {
        onSelect(folderKey);
        if (!isExpanded && !leaf) onToggle(folderKey, true);
      }}
      onToggle={leaf ? undefined : (open) => onToggle(folderKey, open)}
      testId={`job-folder-${folderKey}`}
      icon={<FolderIcon open={isExpanded && !leaf} />}
    >
      <TreeLabel title={label}>{label}</TreeLabel>
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
