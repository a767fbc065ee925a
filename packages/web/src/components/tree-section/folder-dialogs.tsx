import { Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../confirm-dialog';
import { FolderPathSelect } from '../folder-path-select';
import { FormDialog } from '../form-dialog';
import { notifySuccess } from '../notify';
import { RenameDialog } from '../rename-dialog';
import { toFolderId, type FolderKey, type FolderSection } from './tree-section';

type Section = FolderSection;

/** Searchable choice of one of the section's folders by its full path, or the top level. */
export function SectionFolderSelect(props: {
  section: Pick<Section, 'useFolders'>;
  label: string;
  value: FolderKey;
  onChange: (value: FolderKey) => void;
  /** A folder that may not be chosen, with everything below it (moving a folder into itself). */
  exclude?: number;
  description?: string;
  error?: string;
}) {
  const { section, ...rest } = props;
  const folders = section.useFolders();
  return <FolderPathSelect {...rest} folders={folders} />;
}

export function NewFolderDialog({
  section,
  parent,
  onClose,
  onCreated,
}: {
  section: Section;
  parent: FolderKey;
  onClose: () => void;
  onCreated: (id: number) => void;
}) {
  const [name, setName] = useState('');
  const folders = section.useFolders();
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title={`New ${section.noun} folder`}
      submitLabel="Create folder"
      onClose={onClose}
      submitDisabled={!name.trim()}
      onSubmit={async () => {
        const created = await section.createFolder({ name: name.trim(), parentId: toFolderId(parent) });
        await section.invalidate(queryClient);
        return created;
      }}
      onDone={(created) => {
        onCreated(created.id);
        notifySuccess(`Folder "${created.name}" created`);
      }}
    >
      <Text size="sm">
        Inside: <b>{folders.index.path(toFolderId(parent))}</b>
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

export function RenameFolderDialog({ section, id, onClose }: { section: Section; id: number; onClose: () => void }) {
  const folders = section.useFolders();
  const queryClient = useQueryClient();
  return (
    <RenameDialog
      title={`Rename ${section.noun} folder`}
      label="Folder name"
      what="Folder"
      currentName={folders.index.byId.get(id)?.name ?? ''}
      maxLength={100}
      save={async (name) => {
        const updated = await section.updateFolder(id, { name });
        await section.invalidate(queryClient);
        return updated;
      }}
      onClose={onClose}
    />
  );
}

/** Moving a folder or an object of the section into another folder (or the top level). */
export function MoveToFolderDialog({
  section,
  title,
  what,
  current,
  exclude,
  description,
  move,
  onClose,
  onMoved,
}: {
  section: Pick<Section, 'useFolders'>;
  title: string;
  /** What moves, for the notification: `${what} moved`. */
  what: string;
  current: FolderKey;
  /** A folder that may not be chosen, with everything below it (a folder cannot move into itself). */
  exclude?: number;
  description: string;
  /** Moves it and refreshes what shows it; a failure keeps the dialog open. */
  move: (target: FolderKey) => Promise<void>;
  onClose: () => void;
  onMoved: (target: FolderKey) => void;
}) {
  const [target, setTarget] = useState<FolderKey>(current);
  return (
    <FormDialog
      opened
      title={title}
      submitLabel="Move"
      onClose={onClose}
      submitDisabled={target === current}
      onSubmit={async () => {
        await move(target);
        return target;
      }}
      onDone={(moved) => {
        onMoved(moved);
        notifySuccess(`${what} moved`);
      }}
    >
      <SectionFolderSelect
        section={section}
        label="Move into"
        value={target}
        onChange={setTarget}
        exclude={exclude}
        description={description}
      />
    </FormDialog>
  );
}

export function MoveFolderDialog({
  section,
  id,
  onClose,
  onMoved,
}: {
  section: Section;
  id: number;
  onClose: () => void;
  onMoved: (parent: FolderKey) => void;
}) {
  const folders = section.useFolders();
  const folder = folders.index.byId.get(id);
  const queryClient = useQueryClient();
  return (
    <MoveToFolderDialog
      section={section}
      title={`Move folder "${folder?.name ?? id}"`}
      what={`Folder "${folder?.name ?? id}"`}
      current={folder?.parentId ?? 'root'}
      exclude={id}
      description={`The folder moves with its sub-folders and ${section.plural}.`}
      move={async (target) => {
        await section.updateFolder(id, { parentId: toFolderId(target) });
        await section.invalidate(queryClient);
      }}
      onClose={onClose}
      onMoved={onMoved}
    />
  );
}

export function DeleteFolderDialog({
  section,
  id,
  onClose,
  onDeleted,
}: {
  section: Section;
  id: number;
  onClose: () => void;
  onDeleted: (parent: FolderKey) => void;
}) {
  const folders = section.useFolders();
  const folder = folders.index.byId.get(id);
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened
      title={`Delete ${section.noun} folder`}
      confirmLabel="Delete folder"
      onClose={onClose}
      onConfirm={async () => {
        await section.deleteFolder(id);
        await section.invalidate(queryClient);
      }}
      onDone={() => {
        onDeleted(folder?.parentId ?? 'root');
        notifySuccess(`Folder "${folder?.name ?? id}" deleted`);
      }}
    >
      Delete the {section.noun} folder <b>{folder ? folders.index.path(id) : `#${id}`}</b>? Only an empty folder (no {section.plural}, no
      sub-folders) can be deleted.
    </ConfirmDialog>
  );
}
