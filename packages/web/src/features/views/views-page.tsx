import type { View } from '@openums/protocol';
import { Button, Group, Menu, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useBlocker, useNavigate, useParams, useSearchParams } from 'react-router';
import panels from '../../components/panels.module.css';
import { expandedWithPath } from '../../components/folder-paths';
import { DiscardChangesModal, useWarnBeforeUnload } from '../../components/unsaved-changes';
import { withMember } from '../../lib/sets';
import { AccessDialog } from '../access/access-dialog';
import { GatedButton } from '../access/gated-button';
import { useDestinationRights, useMyRights } from '../access/use-my-rights';
import { useView, useViewFolders, type ViewFolderKey } from './queries';
import { ViewEditor } from './view-editor';
import { DeleteViewFolderDialog, MoveViewFolderDialog, NewViewFolderDialog, RenameViewFolderDialog } from './view-dialogs';
import { ViewTree, type ViewTreeSelection } from './view-tree';
import classes from './views.module.css';

type Dialog = 'new-folder' | 'rename-folder' | 'move-folder' | 'delete-folder' | 'folder-access' | null;

function parseId(value: string | null | undefined): number | null {
  const id = Number(value);
  return value && Number.isSafeInteger(id) && id > 0 ? id : null;
}

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
  const [expanded, setExpanded] = useState<ReadonlySet<ViewFolderKey>>(() => new Set<ViewFolderKey>(['root']));
  const [dialog, setDialog] = useState<Dialog>(null);
  const dirtyRef = useRef(false);
  const [dirty, setDirtyState] = useState(false);
  const setDirty = useCallback((value: boolean) => {
    dirtyRef.current = value;
    setDirtyState(value);
  }, []);
  const folders = useViewFolders();
  const openView = useView(viewId);
  const open = viewId !== null ? openView.data : undefined;

  const selection: ViewTreeSelection = isNew
    ? { kind: 'new' }
    : viewId !== null
      ? { kind: 'view', id: viewId }
      : { kind: 'folder', key: folderParam ?? 'root' };
  const currentFolder: ViewFolderKey = viewId !== null ? (open?.folderId ?? 'root') : (folderParam ?? 'root');
  const selectedFolder = selection.kind === 'folder' && selection.key !== 'root' ? selection.key : null;
  const createRights = useDestinationRights(currentFolder === 'root' ? null : { type: 'view-folder', id: currentFolder });
  const folderRights = useMyRights(selectedFolder === null ? null : { type: 'view-folder', id: selectedFolder });

  const expandPath = useCallback(
    (key: ViewFolderKey) => setExpanded((prev) => expandedWithPath(prev, key, folders.index.ancestors)),
    [folders.index],
  );
  const openFolder = open?.folderId ?? null;
  useEffect(() => {
    if (openFolder !== null && folders.data) expandPath(openFolder);
  }, [openFolder, folders.data, expandPath]);
  const onToggle = useCallback((key: ViewFolderKey, value: boolean) => setExpanded((prev) => withMember(prev, key, value)), []);

  const folderQuery = (key: ViewFolderKey) => (key === 'root' ? '' : `?folder=${key}`);
  const goToView = (view: Pick<View, 'id'>) => void navigate(`/views/${view.id}`);
  const goToFolder = (key: ViewFolderKey) => void navigate(`/views${folderQuery(key)}`);
  const newView = () => void navigate(`/views/new${folderQuery(currentFolder)}`);

  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirtyRef.current && currentLocation.pathname !== nextLocation.pathname);
  useWarnBeforeUnload(dirty);
  const close = () => setDialog(null);

  return (
    <div className={classes.page}>
      <section aria-label="View tree" className={panels.sidePanel}>
        <Stack gap={6} className={panels.panelHeader}>
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            Views
          </Text>
          <Group gap={4}>
            {/* Building and counting needs no right; saving checks the folder it goes into. */}
            <Button size="compact-xs" onClick={newView}>
              New view
            </Button>
            <GatedButton
              size="compact-xs"
              variant="light"
              rights={createRights}
              right="write"
              onClick={() => setDialog('new-folder')}
              aria-label="New view folder"
            >
              New folder
            </GatedButton>
            <Menu position="bottom-start" withinPortal>
              <Menu.Target>
                <Button
                  size="compact-xs"
                  variant="default"
                  disabled={selectedFolder === null}
                  title={selectedFolder === null ? 'Select a folder first' : undefined}
                  aria-label="Folder actions"
                >
                  Folder ▾
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <FolderMenuItem missing={folderRights.missing('write')} onClick={() => setDialog('rename-folder')}>
                  Rename folder
                </FolderMenuItem>
                <FolderMenuItem missing={folderRights.missing('move')} onClick={() => setDialog('move-folder')}>
                  Move folder
                </FolderMenuItem>
                <FolderMenuItem missing={folderRights.missing('write')} color="red" onClick={() => setDialog('delete-folder')}>
                  Delete folder
                </FolderMenuItem>
                <Menu.Divider />
                <FolderMenuItem
                  missing={folderRights.canAny(['read', 'accessControl']) ? undefined : 'You need the Read or Access control right'}
                  onClick={() => setDialog('folder-access')}
                >
                  Access control…
                </FolderMenuItem>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Stack>
        <div className={panels.treeScroll}>
          <ViewTree selection={selection} expanded={expanded} onSelectFolder={goToFolder} onSelectView={goToView} onToggle={onToggle} />
        </div>
        <Text size="xs" c="dimmed" className={classes.sideFooter}>
          To move a view to another folder, open it and use Details….
        </Text>
      </section>
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
      {dialog === 'new-folder' && (
        <NewViewFolderDialog
          parent={currentFolder}
          onClose={close}
          onCreated={(id) => {
            expandPath(currentFolder);
            if (viewId === null && !isNew) goToFolder(id);
          }}
        />
      )}
      {dialog === 'rename-folder' && selectedFolder !== null && <RenameViewFolderDialog id={selectedFolder} onClose={close} />}
      {dialog === 'move-folder' && selectedFolder !== null && (
        <MoveViewFolderDialog id={selectedFolder} onClose={close} onMoved={expandPath} />
      )}
      {dialog === 'delete-folder' && selectedFolder !== null && (
        <DeleteViewFolderDialog id={selectedFolder} onClose={close} onDeleted={goToFolder} />
      )}
      {dialog === 'folder-access' && selectedFolder !== null && (
        <AccessDialog object={{ type: 'view-folder', id: selectedFolder }} name={folders.index.path(selectedFolder)} onClose={close} />
      )}
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

function FolderMenuItem({
  missing,
  color,
  onClick,
  children,
}: {
  missing: string | undefined;
  color?: string;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <Menu.Item color={missing ? undefined : color} disabled={missing !== undefined} onClick={onClick}>
      {children}
      {missing && (
        <Text size="xs" c="dimmed">
          {missing}
        </Text>
      )}
    </Menu.Item>
  );
}
