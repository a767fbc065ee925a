import type { View } from '@openums/protocol';
import { createViewFolder, deleteViewFolder, updateViewFolder } from '../../api/views';
import type { TreeSection } from '../../components/tree-section/tree-section';
import { invalidateViews, useViewFolders, useViewList } from './queries';

/** View folders with their views in the shared section tree, folder dialogs and folder actions. */
export const viewSection: TreeSection<View> = {
  noun: 'view',
  plural: 'views',
  title: 'Views',
  folderType: 'view-folder',
  useFolders: useViewFolders,
  useItems: (folder) => useViewList(folder),
  createFolder: createViewFolder,
  updateFolder: updateViewFolder,
  deleteFolder: deleteViewFolder,
  invalidate: invalidateViews,
  itemIcon: <ViewIcon />,
  itemTitle: (view) => (view.description ? `${view.name} — ${view.description}` : view.name),
};

function ViewIcon() {
  return (
    <svg width="15" height="15" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round">
      <circle cx="7" cy="7" r="4.5" />
      <path d="M10.5 10.5l4 4" />
    </svg>
  );
}
