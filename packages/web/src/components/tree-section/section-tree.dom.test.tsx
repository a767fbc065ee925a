// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { folderPaths } from '../folder-paths';
import { SectionTree, type SectionSelection } from './section-tree';
import type { FolderKey, FolderQuery, ItemPages, SectionItem, TreeSection } from './tree-section';

afterEach(cleanup);

const FOLDERS = [
  { id: 1, name: 'Sites', parentId: null },
  { id: 2, name: 'Augsburg', parentId: 1 },
  { id: 3, name: 'Bremen', parentId: 1 },
];

const folderQuery: FolderQuery = {
  data: FOLDERS,
  index: {
    ...folderPaths(FOLDERS, 'Top level'),
    children: (parent: FolderKey) => FOLDERS.filter((f) => (f.parentId ?? 'root') === parent),
  },
  isPending: false,
  isError: false,
  error: null,
  refetch: async () => undefined,
};

function itemPages(items: SectionItem[], more = false): ItemPages<SectionItem> {
  return {
    data: { pages: [{ items }] },
    isPending: false,
    isError: false,
    error: null,
    refetch: async () => undefined,
    hasNextPage: more,
    isFetchingNextPage: false,
    fetchNextPage: async () => undefined,
  };
}

const ITEMS: Record<string, SectionItem[]> = {
  // "Moved" sits in a stale page of the top level although it now belongs to folder 2.
  root: [
    { id: 11, name: 'Zeta', folderId: null },
    { id: 12, name: 'Alpha', folderId: null },
    { id: 13, name: 'Moved', folderId: 2 },
  ],
  1: [],
  2: [{ id: 13, name: 'Moved', folderId: 2 }],
  3: [],
};

const section: TreeSection<SectionItem> = {
  noun: 'thing',
  plural: 'things',
  title: 'Things',
  folderType: 'view-folder',
  useFolders: () => folderQuery,
  useItems: (folder) => itemPages(ITEMS[String(folder)] ?? [], folder === 'root'),
  createFolder: vi.fn(),
  updateFolder: vi.fn(),
  deleteFolder: vi.fn(),
  invalidate: vi.fn(),
  itemIcon: null,
  itemTitle: (item) => `${item.name} (title)`,
  itemBadge: (item) => (item.id === 12 ? <span>Badge</span> : null),
};

function renderTree(expanded: FolderKey[], selection: SectionSelection = { kind: 'folder', key: 'root' }, seesAll = true) {
  const handlers = { onSelectFolder: vi.fn(), onSelectItem: vi.fn(), onToggle: vi.fn() };
  render(
    <MantineProvider>
      <SectionTree section={section} selection={selection} expanded={new Set(expanded)} seesAll={seesAll} {...handlers} />
    </MantineProvider>,
  );
  return handlers;
}

describe('SectionTree', () => {
  it("shows a folder's sub-folders, then its own objects by name, with the section's test ids, titles and badges", () => {
    renderTree(['root'], { kind: 'item', id: 12 });
    const tree = screen.getByRole('tree', { name: 'Things' });
    const rows = Array.from(tree.querySelectorAll('[role="treeitem"]')).map((r) => r.getAttribute('aria-label'));
    expect(rows).toEqual(['Things', 'Sites', 'Alpha', 'Zeta']);
    expect(screen.getByTestId('thing-folder-1')).toBeTruthy();
    expect(screen.getByTestId('thing-node-12').getAttribute('aria-selected')).toBe('true');
    expect(screen.getByTitle('Zeta (title)')).toBeTruthy();
    expect(screen.getByText('Badge')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Load more things' })).toBeTruthy();
  });

  it('opens a folder on selection and lists nested folders one level deeper', () => {
    const handlers = renderTree(['root', 1, 2, 3]);
    expect(screen.getByRole('treeitem', { name: 'Moved' }).getAttribute('aria-level')).toBe('4');
    expect(screen.getByText('Empty folder')).toBeTruthy();
    fireEvent.click(screen.getByRole('treeitem', { name: 'Sites' }));
    expect(handlers.onSelectFolder).toHaveBeenCalledWith(1);
    expect(handlers.onToggle).not.toHaveBeenCalled();
  });

  it('says "none you may see" at an empty top level to an administrator who does not see everything', () => {
    ITEMS.root = [];
    folderQuery.index = { ...folderQuery.index, children: () => [] };
    renderTree(['root'], { kind: 'none' }, false);
    expect(screen.getByText('No things you may see')).toBeTruthy();
  });
});
