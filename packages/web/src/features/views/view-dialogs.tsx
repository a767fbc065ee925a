import type { View, ViewCriteria } from '@openums/protocol';
import { Textarea, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createView, deleteView, updateView } from '../../api/views';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { FormDialog } from '../../components/form-dialog';
import { notifySuccess } from '../../components/notify';
import { SectionFolderSelect } from '../../components/tree-section/folder-dialogs';
import { toFolderId } from '../../components/tree-section/tree-section';
import { useDestinationRights } from '../access/use-my-rights';
import { invalidateViews, viewKeys, type ViewFolderKey } from './queries';
import { viewSection } from './view-tree';

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
        const body = { name: name.trim(), description: description.trim(), folderId: toFolderId(target) };
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
      <SectionFolderSelect section={viewSection} label="Folder" value={target} onChange={setTarget} error={refused} />
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
