import { Button, Menu, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { DeleteFolderDialog, MoveFolderDialog, NewFolderDialog, RenameFolderDialog } from '../../components/tree-section/folder-dialogs';
import type { FolderKey, FolderSection } from '../../components/tree-section/tree-section';
import { AccessDialog } from '../access/access-dialog';
import { GatedButton } from '../access/gated-button';
import { useMyRights, type MyRightsCheck } from '../access/use-my-rights';

type Dialog = 'new' | 'rename' | 'move' | 'delete' | 'access' | null;

interface FolderActionsProps {
  section: FolderSection;
  /** Where a new folder goes: the selected folder, or the open object's. */
  currentFolder: FolderKey;
  /** The folder the menu acts on; null when none (or the top level) is selected. */
  selectedFolder: number | null;
  /** The rights on `currentFolder` (creating needs write there; at the top level only a superuser may). */
  createRights: MyRightsCheck;
  /** Whether an object is open: a new folder is then only shown, not selected. */
  itemOpen: boolean;
  expandPath: (key: FolderKey) => void;
  goToFolder: (key: FolderKey) => void;
}

/**
 * "New folder" and the "Folder ▾" menu (rename, move, delete, access control) of a section's
 * tree, each gated by the administrator's rights on the folder, with their dialogs.
 */
export function FolderActions({
  section,
  currentFolder,
  selectedFolder,
  createRights,
  itemOpen,
  expandPath,
  goToFolder,
}: FolderActionsProps) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const folders = section.useFolders();
  const folderRights = useMyRights(selectedFolder === null ? null : { type: section.folderType, id: selectedFolder });
  const close = () => setDialog(null);
  return (
    <>
      <GatedButton
        size="compact-xs"
        variant="light"
        rights={createRights}
        right="write"
        onClick={() => setDialog('new')}
        aria-label={`New ${section.noun} folder`}
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
          <FolderMenuItem missing={folderRights.missing('write')} onClick={() => setDialog('rename')}>
            Rename folder
          </FolderMenuItem>
          <FolderMenuItem missing={folderRights.missing('move')} onClick={() => setDialog('move')}>
            Move folder
          </FolderMenuItem>
          <FolderMenuItem missing={folderRights.missing('write')} color="red" onClick={() => setDialog('delete')}>
            Delete folder
          </FolderMenuItem>
          <Menu.Divider />
          <FolderMenuItem
            missing={folderRights.canAny(['read', 'accessControl']) ? undefined : 'You need the Read or Access control right'}
            onClick={() => setDialog('access')}
          >
            Access control…
          </FolderMenuItem>
        </Menu.Dropdown>
      </Menu>
      {dialog === 'new' && (
        <NewFolderDialog
          section={section}
          parent={currentFolder}
          onClose={close}
          onCreated={(id) => {
            expandPath(currentFolder);
            if (!itemOpen) goToFolder(id);
          }}
        />
      )}
      {dialog === 'rename' && selectedFolder !== null && <RenameFolderDialog section={section} id={selectedFolder} onClose={close} />}
      {dialog === 'move' && selectedFolder !== null && (
        <MoveFolderDialog section={section} id={selectedFolder} onClose={close} onMoved={expandPath} />
      )}
      {dialog === 'delete' && selectedFolder !== null && (
        <DeleteFolderDialog section={section} id={selectedFolder} onClose={close} onDeleted={goToFolder} />
      )}
      {dialog === 'access' && selectedFolder !== null && (
        <AccessDialog object={{ type: section.folderType, id: selectedFolder }} name={folders.index.path(selectedFolder)} onClose={close} />
      )}
    </>
  );
}

/** An item of the folder menu; without the right it is disabled and says which right is missing. */
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
