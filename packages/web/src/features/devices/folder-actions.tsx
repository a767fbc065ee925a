import { Group, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createFolder, deleteFolder, updateFolder } from '../../api/folders';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { FormDialog } from '../../components/form-dialog';
import { RenameDialog } from '../../components/rename-dialog';
import { notifySuccess } from '../../components/notify';
import { AccessControlButton, GatedButton } from '../access/gated-button';
import { useDestinationRights } from '../access/use-my-rights';
import { CommandMenu } from '../commands/command-menu';
import { FolderSelect } from './folder-select';
import { invalidateInventory, useAllFolders, type FolderKey } from './queries';

type Dialog = 'create' | 'rename' | 'move' | 'delete' | null;

interface FolderActionsProps {
  selected: FolderKey;
  onSelect: (key: FolderKey) => void;
  onExpand: (key: FolderKey) => void;
}

/** Toolbar over the tree: acts on the selected folder ("New" creates inside it). */
export function FolderActions({ selected, onSelect, onExpand }: FolderActionsProps) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const folders = useAllFolders();
  const folder = selected === 'root' ? undefined : folders.index.byId.get(selected);
  const isFolder = selected !== 'root';
  // The top level has no access list: only a superuser creates folders there.
  const mine = useDestinationRights(isFolder ? { type: 'device-folder', id: selected } : null);
  const afterChange = useAfterChange();
  const close = () => setDialog(null);

  return (
    <>
      <Group gap={4}>
        <GatedButton
          size="compact-xs"
          variant="light"
          rights={mine}
          right="write"
          onClick={() => setDialog('create')}
          aria-label="New folder"
        >
          New
        </GatedButton>
        <GatedButton
          size="compact-xs"
          variant="default"
          disabled={!isFolder}
          rights={mine}
          right="write"
          onClick={() => setDialog('rename')}
          aria-label="Rename folder"
        >
          Rename
        </GatedButton>
        <GatedButton
          size="compact-xs"
          variant="default"
          disabled={!isFolder}
          rights={mine}
          right="move"
          onClick={() => setDialog('move')}
          aria-label="Move folder"
        >
          Move
        </GatedButton>
        <GatedButton
          size="compact-xs"
          variant="default"
          color="red"
          disabled={!isFolder}
          rights={mine}
          right="write"
          onClick={() => setDialog('delete')}
          aria-label="Delete folder"
        >
          Delete
        </GatedButton>
        <CommandMenu
          target={isFolder ? { kind: 'folder', folderId: selected, name: folders.index.path(selected) } : null}
          ariaLabel="Folder commands"
          title={isFolder ? 'Send a command to all devices in this folder' : 'Select a folder to send it commands'}
          rights={mine}
        />
        <AccessControlButton
          object={isFolder ? { type: 'device-folder', id: selected } : null}
          name={isFolder ? folders.index.path(selected) : ''}
          rights={mine}
          label="Access"
        />
      </Group>
      {dialog === 'create' && (
        <CreateFolderDialog
          parent={selected}
          parentLabel={selected === 'root' ? 'Top level' : folders.index.path(selected)}
          onClose={close}
          onCreated={() => onExpand(selected)}
        />
      )}
      {dialog === 'rename' && isFolder && <RenameFolderDialog id={selected} currentName={folder?.name ?? ''} onClose={close} />}
      {dialog === 'move' && isFolder && (
        <MoveFolderDialog
          id={selected}
          name={folder?.name ?? `Folder #${selected}`}
          currentParent={folder?.parentId ?? 'root'}
          onClose={close}
          onMoved={(parent) => onExpand(parent)}
        />
      )}
      {dialog === 'delete' && isFolder && (
        <ConfirmDialog
          opened
          title="Delete folder"
          confirmLabel="Delete folder"
          onClose={close}
          onConfirm={async () => {
            await deleteFolder(selected);
            onSelect(folder?.parentId ?? 'root');
            await afterChange();
          }}
          onDone={() => notifySuccess(`Folder "${folder?.name ?? selected}" deleted`)}
        >
          Delete the folder <b>{folder?.name ?? `#${selected}`}</b>? Only an empty folder (no devices, no sub-folders) can be deleted.
        </ConfirmDialog>
      )}
    </>
  );
}

function useAfterChange() {
  const queryClient = useQueryClient();
  return () => invalidateInventory(queryClient);
}

function CreateFolderDialog({
  parent,
  parentLabel,
  onClose,
  onCreated,
}: {
  parent: FolderKey;
  parentLabel: string;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [name, setName] = useState('');
  const afterChange = useAfterChange();
  return (
    <FormDialog
      opened
      title="New folder"
      submitLabel="Create folder"
      onClose={onClose}
      submitDisabled={!name.trim()}
      onSubmit={async () => {
        const created = await createFolder({ name: name.trim(), parentId: parent === 'root' ? null : parent });
        await afterChange();
        return created;
      }}
      onDone={(created) => {
        onCreated();
        notifySuccess(`Folder "${created.name}" created`);
      }}
    >
      <Text size="sm">
        Inside: <b>{parentLabel}</b>
      </Text>
      <TextInput
        label="Folder name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        data-autofocus
        maxLength={100}
        required
      />
    </FormDialog>
  );
}

function RenameFolderDialog({ id, currentName, onClose }: { id: number; currentName: string; onClose: () => void }) {
  const afterChange = useAfterChange();
  return (
    <RenameDialog
      title="Rename folder"
      label="Folder name"
      what="Folder"
      currentName={currentName}
      maxLength={100}
      save={async (name) => {
        const updated = await updateFolder(id, { name });
        await afterChange();
        return updated;
      }}
      onClose={onClose}
    />
  );
}

interface MoveFolderDialogProps {
  id: number;
  name: string;
  currentParent: FolderKey;
  onClose: () => void;
  onMoved: (newParent: FolderKey) => void;
}

function MoveFolderDialog({ id, name, currentParent, onClose, onMoved }: MoveFolderDialogProps) {
  const [target, setTarget] = useState<FolderKey>(currentParent);
  const afterChange = useAfterChange();
  return (
    <FormDialog
      opened
      title={`Move folder "${name}"`}
      submitLabel="Move"
      onClose={onClose}
      submitDisabled={target === currentParent}
      onSubmit={async () => {
        await updateFolder(id, { parentId: target === 'root' ? null : target });
        await afterChange();
        return target;
      }}
      onDone={(parent) => {
        onMoved(parent);
        notifySuccess(`Folder "${name}" moved`);
      }}
    >
      <FolderSelect label="Move into" value={target} onChange={setTarget} description="The folder and everything in it moves there." />
    </FormDialog>
  );
}
