import type { View, ViewCriteria } from '@openums/protocol';
import { Text, Textarea, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createView, createViewFolder, deleteView, deleteViewFolder, updateView, updateViewFolder } from '../../api/views';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { FolderPathSelect } from '../../components/folder-path-select';
import { FormDialog } from '../../components/form-dialog';
import { notifySuccess } from '../../components/notify';
import { RenameDialog } from '../../components/rename-dialog';
import { useDestinationRights } from '../access/use-my-rights';
import { invalidateViews, useViewFolders, viewKeys, type ViewFolderKey } from './queries';

const toId = (key: ViewFolderKey) => (key === 'root' ? null : key);

function ViewFolderSelect(props: {
  label: string;
  value: ViewFolderKey;
  onChange: (v: ViewFolderKey) => void;
  exclude?: number;
  description?: string;
  error?: string;
}) {
  const folders = useViewFolders();
  return <FolderPathSelect {...props} folders={folders} />;
}

export function NewViewFolderDialog({
  parent,
  onClose,
  onCreated,
}: {
  parent: ViewFolderKey;
  onClose: () => void;
  onCreated: (id: number) => void;
}) {
  const [name, setName] = useState('');
  const folders = useViewFolders();
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title="New view folder"
      submitLabel="Create folder"
      onClose={onClose}
      submitDisabled={!name.trim()}
      onSubmit={async () => {
        const created = await createViewFolder({ name: name.trim(), parentId: toId(parent) });
        await invalidateViews(queryClient);
        return created;
      }}
      onDone={(created) => {
        onCreated(created.id);
        notifySuccess(`Folder "${created.name}" created`);
      }}
    >
      <Text size="sm">
        Inside: <b>{folders.index.path(toId(parent))}</b>
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

export function RenameViewFolderDialog({ id, onClose }: { id: number; onClose: () => void }) {
  const folders = useViewFolders();
  const queryClient = useQueryClient();
  return (
    <RenameDialog
      title="Rename view folder"
      label="Folder name"
      what="Folder"
      currentName={folders.index.byId.get(id)?.name ?? ''}
      maxLength={100}
      save={async (name) => {
        const updated = await updateViewFolder(id, { name });
        await invalidateViews(queryClient);
        return updated;
      }}
      onClose={onClose}
    />
  );
}

export function MoveViewFolderDialog({
  id,
  onClose,
  onMoved,
}: {
  id: number;
  onClose: () => void;
  onMoved: (parent: ViewFolderKey) => void;
}) {
  const folders = useViewFolders();
  const folder = folders.index.byId.get(id);
  const current: ViewFolderKey = folder?.parentId ?? 'root';
  const [target, setTarget] = useState<ViewFolderKey>(current);
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title={`Move folder "${folder?.name ?? id}"`}
      submitLabel="Move"
      onClose={onClose}
      submitDisabled={target === current}
      onSubmit={async () => {
        await updateViewFolder(id, { parentId: toId(target) });
        await invalidateViews(queryClient);
        return target;
      }}
      onDone={(parent) => {
        onMoved(parent);
        notifySuccess(`Folder "${folder?.name ?? id}" moved`);
      }}
    >
      <ViewFolderSelect
        label="Move into"
        value={target}
        onChange={setTarget}
        exclude={id}
        description="The folder moves with its sub-folders and views."
      />
    </FormDialog>
  );
}

export function DeleteViewFolderDialog({
  id,
  onClose,
  onDeleted,
}: {
  id: number;
  onClose: () => void;
  onDeleted: (parent: ViewFolderKey) => void;
}) {
  const folders = useViewFolders();
  const folder = folders.index.byId.get(id);
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened
      title="Delete view folder"
      confirmLabel="Delete folder"
      onClose={onClose}
      onConfirm={async () => {
        await deleteViewFolder(id);
        await invalidateViews(queryClient);
      }}
      onDone={() => {
        onDeleted(folder?.parentId ?? 'root');
        notifySuccess(`Folder "${folder?.name ?? id}" deleted`);
      }}
    >
      Delete the view folder <b>{folders.index.path(id)}</b>? Only an empty folder (no views, no sub-folders) can be deleted.
    </ConfirmDialog>
  );
}

/**
 * Name, description and folder of a view: "Save" of a new view and "Save as" create one with the
 * builder's criteria; "Details" changes an existing view (moving it to another folder too).
 */
export function ViewDetailsDialog({
  mode,
  view,
  folder,
  criteria,
  onClose,
  onSaved,
}: {
  mode: 'create' | 'save-as' | 'edit';
  view?: View;
  folder: ViewFolderKey;
  criteria: ViewCriteria | null;
  onClose: () => void;
  onSaved: (view: View) => void;
}) {
  const [name, setName] = useState(mode === 'save-as' && view ? `${view.name} (copy)` : (view?.name ?? ''));
  const [description, setDescription] = useState(view?.description ?? '');
  const [target, setTarget] = useState<ViewFolderKey>(mode === 'edit' ? (view?.folderId ?? 'root') : folder);
  const queryClient = useQueryClient();
  const title = mode === 'edit' ? 'View details' : mode === 'save-as' ? 'Save as a new view' : 'Save view';
  // Creating in (or moving to) a folder needs write there; the top level is for superusers.
  const moving = mode !== 'edit' || target !== (view?.folderId ?? 'root');
  const destination = useDestinationRights(target === 'root' ? null : { type: 'view-folder', id: target });
  const refused = moving && !destination.loading ? destination.missing('write') : undefined;
  return (
    <FormDialog
      opened
      title={title}
      submitLabel={mode === 'edit' ? 'Save details' : 'Save view'}
      onClose={onClose}
      submitDisabled={!name.trim() || (mode !== 'edit' && criteria === null) || refused !== undefined || (moving && destination.loading)}
      onSubmit={async () => {
        const body = { name: name.trim(), description: description.trim(), folderId: toId(target) };
        const saved = mode === 'edit' && view ? await updateView(view.id, body) : await createView({ ...body, criteria: criteria! });
        queryClient.setQueryData(viewKeys.one(saved.id), saved);
        await invalidateViews(queryClient);
        return saved;
      }}
      onDone={(saved) => {
        onSaved(saved);
        notifySuccess(mode === 'edit' ? `View "${saved.name}" saved` : `View "${saved.name}" created`);
      }}
    >
      <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus maxLength={100} required />
      <Textarea
        label="Description"
        value={description}
        onChange={(e) => setDescription(e.currentTarget.value)}
        maxLength={1000}
        autosize
        minRows={2}
        maxRows={6}
      />
      <ViewFolderSelect label="Folder" value={target} onChange={setTarget} error={refused} />
    </FormDialog>
  );
}

export function DeleteViewDialog({ view, onClose, onDeleted }: { view: View; onClose: () => void; onDeleted: () => void }) {
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened
      title="Delete view"
      confirmLabel="Delete view"
      onClose={onClose}
      onConfirm={async () => {
        await deleteView(view.id);
        queryClient.removeQueries({ queryKey: viewKeys.one(view.id) });
        await invalidateViews(queryClient);
      }}
      onDone={() => {
        onDeleted();
        notifySuccess(`View "${view.name}" deleted`);
      }}
    >
      Delete the view <b>{view.name}</b>? Its devices stay as they are; only the saved query goes.
    </ConfirmDialog>
  );
}
