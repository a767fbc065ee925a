import { Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createProfileFolder, deleteProfileFolder, updateProfileFolder } from '../../api/profiles';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { FormDialog } from '../../components/form-dialog';
import { RenameDialog } from '../../components/rename-dialog';
import { notifySuccess } from '../../components/notify';
import { invalidateProfiles, useProfileFolders, type ProfileFolderKey } from './queries';

import { ProfileFolderSelect, toFolderId } from './profile-dialogs';

export function NewProfileFolderDialog({
  parent,
  onClose,
  onCreated,
}: {
  parent: ProfileFolderKey;
  onClose: () => void;
  onCreated: (id: number) => void;
}) {
  const [name, setName] = useState('');
  const folders = useProfileFolders();
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title="New profile folder"
      submitLabel="Create folder"
      onClose={onClose}
      submitDisabled={!name.trim()}
      onSubmit={async () => {
        const created = await createProfileFolder({ name: name.trim(), parentId: toFolderId(parent) });
        await invalidateProfiles(queryClient);
        return created;
      }}
      onDone={(created) => {
        onCreated(created.id);
        notifySuccess(`Folder "${created.name}" created`);
      }}
    >
      <Text size="sm">
        Inside: <b>{parent === 'root' ? 'Top level' : folders.index.path(parent)}</b>
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

export function RenameProfileFolderDialog({ id, onClose }: { id: number; onClose: () => void }) {
  const folders = useProfileFolders();
  const queryClient = useQueryClient();
  return (
    <RenameDialog
      title="Rename profile folder"
      label="Folder name"
      what="Folder"
      currentName={folders.index.byId.get(id)?.name ?? ''}
      maxLength={100}
      save={async (name) => {
        const updated = await updateProfileFolder(id, { name });
        await invalidateProfiles(queryClient);
        return updated;
      }}
      onClose={onClose}
    />
  );
}

export function MoveProfileFolderDialog({
  id,
  onClose,
  onMoved,
}: {
  id: number;
  onClose: () => void;
  onMoved: (parent: ProfileFolderKey) => void;
}) {
  const folders = useProfileFolders();
  const folder = folders.index.byId.get(id);
  const current: ProfileFolderKey = folder?.parentId ?? 'root';
  const [target, setTarget] = useState<ProfileFolderKey>(current);
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title={`Move folder "${folder?.name ?? id}"`}
      submitLabel="Move"
      onClose={onClose}
      submitDisabled={target === current}
      onSubmit={async () => {
        await updateProfileFolder(id, { parentId: toFolderId(target) });
        await invalidateProfiles(queryClient);
        return target;
      }}
      onDone={(parent) => {
        onMoved(parent);
        notifySuccess(`Folder "${folder?.name ?? id}" moved`);
      }}
    >
      <ProfileFolderSelect
        label="Move into"
        value={target}
        onChange={setTarget}
        exclude={id}
        description="The folder moves with its sub-folders and profiles."
      />
    </FormDialog>
  );
}

export function DeleteProfileFolderDialog({
  id,
  onClose,
  onDeleted,
}: {
  id: number;
  onClose: () => void;
  onDeleted: (parent: ProfileFolderKey) => void;
}) {
  const folders = useProfileFolders();
  const folder = folders.index.byId.get(id);
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened
      title="Delete profile folder"
      confirmLabel="Delete folder"
      onClose={onClose}
      onConfirm={async () => {
        await deleteProfileFolder(id);
        await invalidateProfiles(queryClient);
      }}
      onDone={() => {
        onDeleted(folder?.parentId ?? 'root');
        notifySuccess(`Folder "${folder?.name ?? id}" deleted`);
      }}
    >
      Delete the profile folder <b>{folder ? folders.index.path(id) : `#${id}`}</b>? Only an empty folder (no profiles, no sub-folders) can
      be deleted.
    </ConfirmDialog>
  );
}
