import type { View } from '@openums/protocol';
import { Button, Stack, Text } from '@mantine/core';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import panels from '../../components/panels.module.css';
import { SectionSidePanel } from '../../components/tree-section/section-side-panel';
import { SectionTree, type SectionSelection } from '../../components/tree-section/section-tree';
import { parseId, useExpandedFolders, useUnsavedChangesGuard } from '../../components/tree-section/section-state';
import { DiscardChangesModal } from '../../components/unsaved-changes';
import { useIsSuperuser } from '../access/use-general-rights';
import { useDestinationRights } from '../access/use-my-rights';
import { FolderActions } from '../tree-section/folder-actions';
import { useView, useViewFolders, type ViewFolderKey } from './queries';
import { ViewEditor } from './view-editor';
import { viewSection } from './view-tree';
import classes from './views.module.css';

/**
 * Views: view folders and views on the left; the open view (or a new one) on the right — its
 * criteria builder with a live count above the result grid. /views/12 opens a view, /views/new a
 * new one; ?folder= is the selected folder.
 */
export function ViewsPage() {
  const { viewId: viewParam } = useParams();
  const isNew = viewParam === 'new';
  const viewId = isNew ? null : parseId(viewParam);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const folderParam = parseId(params.get('folder'));
  const { setDirty, blocker } = useUnsavedChangesGuard();
  const folders = useViewFolders();
  const openView = useView(viewId);
  const open = viewId !== null ? openView.data : undefined;
  const superuser = useIsSuperuser();

  const selection: SectionSelection = isNew
    ? { kind: 'none' }
    : viewId !== null
      ? { kind: 'item', id: viewId }
      : { kind: 'folder', key: folderParam ?? 'root' };
  const currentFolder: ViewFolderKey = viewId !== null ? (open?.folderId ?? 'root') : (folderParam ?? 'root');
  const selectedFolder = selection.kind === 'folder' && selection.key !== 'root' ? selection.key : null;
  const createRights = useDestinationRights(currentFolder === 'root' ? null : { type: 'view-folder', id: currentFolder });
  const { expanded, expandPath, onToggle } = useExpandedFolders(folders, open?.folderId ?? null);

  const folderQuery = (key: ViewFolderKey) => (key === 'root' ? '' : `?folder=${key}`);
  const goToView = (view: Pick<View, 'id'>) => void navigate(`/views/${view.id}`);
  const goToFolder = (key: ViewFolderKey) => void navigate(`/views${folderQuery(key)}`);
  const newView = () => void navigate(`/views/new${folderQuery(currentFolder)}`);

  return (
    <div className={classes.page}>
      <SectionSidePanel
        label="View tree"
        title="Views"
        actions={
          <>
            {/* Building and counting needs no right; saving checks the folder it goes into. */}
            <Button size="compact-xs" onClick={newView}>
              New view
            </Button>
            <FolderActions
              section={viewSection}
              currentFolder={currentFolder}
              selectedFolder={selectedFolder}
              createRights={createRights}
              itemOpen={viewId !== null || isNew}
              expandPath={expandPath}
              goToFolder={goToFolder}
            />
          </>
        }
        footer={
          <Text size="xs" c="dimmed" className={classes.sideFooter}>
            To move a view to another folder, open it and use Details….
          </Text>
        }
      >
        <SectionTree
          section={viewSection}
          selection={selection}
          expanded={expanded}
          seesAll={superuser}
          onSelectFolder={goToFolder}
          onSelectItem={goToView}
          onToggle={onToggle}
        />
      </SectionSidePanel>
      <section aria-label="View" className={panels.panel} data-testid="view-panel">
        {viewId !== null || isNew ? (
          <ViewEditor
            key={viewParam}
            viewId={viewId}
            folder={currentFolder}
            onDirtyChange={setDirty}
            onSaved={(v) => {
              if (v.folderId !== null) expandPath(v.folderId);
              if (v.id !== viewId) {
                setDirty(false);
                goToView(v);
              }
            }}
            onDeleted={(v) => {
              setDirty(false);
              goToFolder(v.folderId ?? 'root');
            }}
          />
        ) : (
          <NoViewOpen onNew={newView} />
        )}
      </section>
      <DiscardChangesModal blocker={blocker} onDiscard={() => setDirty(false)}>
        The open view has changes that are not saved. Leave it and lose them?
      </DiscardChangesModal>
    </div>
  );
}

function NoViewOpen({ onNew }: { onNew: () => void }) {
  return (
    <Stack p="lg" gap="sm" maw={720} data-testid="no-view-open">
      <Text fw={700} size="lg">
        Views
      </Text>
      <Text>
        A view is a saved device query: criteria over the devices’ fields, combined with ALL / ANY / NOT groups to any depth. Its devices
        are found when you open it, so a device that changes joins or leaves the view at once.
      </Text>
      <Text size="sm" c="dimmed">
        The count updates as you type. Save a view to export or mail its devices, send them a command or assign them profiles.
      </Text>
      <Button w="fit-content" onClick={onNew}>
        New view
      </Button>
    </Stack>
  );
}
