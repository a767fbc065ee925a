import { Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createJobFolder, deleteJobFolder, updateJob, updateJobFolder, type Job } from '../../api/jobs';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { FolderPathSelect } from '../../components/folder-path-select';
import { FormDialog } from '../../components/form-dialog';
import { notifySuccess } from '../../components/notify';
import { RenameDialog } from '../../components/rename-dialog';
import { invalidateJobFolders, useJobFolders, type JobFolderKey } from './job-folders';

const toId = (key: JobFolderKey) => (key === 'root' ? null : key);

export function NewJobFolderDialog({
  parent,
  onClose,
  onCreated,
}: {
  parent: JobFolderKey;
  onClose: () => void;
  onCreated: (id: number) => void;
}) {
  const [name, setName] = useState('');
  const [into, setInto] = useState<JobFolderKey>(parent);
  const folders = useJobFolders();
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title="New job folder"
      submitLabel="Create folder"
      onClose={onClose}
      submitDisabled={!name.trim()}
      onSubmit={async () => {
        const created = await createJobFolder({ name: name.trim(), parentId: toId(into) });
        await invalidateJobFolders(queryClient);
        return created;
      }}
      onDone={(created) => {
        onCreated(created.id);
        notifySuccess(`Folder "${created.name}" created`);
      }}
    >
      <TextInput
        label="Folder name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        data-autofocus
        maxLength={100}
        required
      />
      <FolderPathSelect label="Inside" value={into} onChange={setInto} folders={folders} />
    </FormDialog>
  );
}

export function RenameJobFolderDialog({ id, onClose }: { id: number; onClose: () => void }) {
  const folders = useJobFolders();
  const queryClient = useQueryClient();
  return (
    <RenameDialog
      title="Rename job folder"
      label="Folder name"
      what="Folder"
      currentName={folders.index.byId.get(id)?.name ?? ''}
      maxLength={100}
      save={async (name) => {
        const updated = await updateJobFolder(id, { name });
        await invalidateJobFolders(queryClient);
        return updated;
      }}
      onClose={onClose}
    />
  );
}

export function MoveJobFolderDialog({
  id,
  onClose,
  onMoved,
}: {
  id: number;
  onClose: () => void;
  onMoved: (parent: JobFolderKey) => void;
}) {
  const folders = useJobFolders();
  const folder = folders.index.byId.get(id);
  const current: JobFolderKey = folder?.parentId ?? 'root';
  const [target, setTarget] = useState<JobFolderKey>(current);
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title={`Move folder "${folder?.name ?? id}"`}
      submitLabel="Move"
      onClose={onClose}
      submitDisabled={target === current}
      onSubmit={async () => {
        await updateJobFolder(id, { parentId: toId(target) });
        await invalidateJobFolders(queryClient);
        return target;
      }}
      onDone={(parent) => {
        onMoved(parent);
        notifySuccess(`Folder "${folder?.name ?? id}" moved`);
      }}
    >
      <FolderPathSelect
        label="Move into"
        value={target}
        onChange={setTarget}
        folders={folders}
        exclude={id}
        description="The folder moves with its sub-folders and jobs."
      />
    </FormDialog>
  );
}

export function DeleteJobFolderDialog({
  id,
  onClose,
  onDeleted,
}: {
  id: number;
  onClose: () => void;
  onDeleted: (parent: JobFolderKey) => void;
}) {
  const folders = useJobFolders();
  const folder = folders.index.byId.get(id);
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened
      title="Delete job folder"
      confirmLabel="Delete folder"
      onClose={onClose}
      onConfirm={async () => {
        await deleteJobFolder(id);
        await invalidateJobFolders(queryClient);
      }}
      onDone={() => {
        onDeleted(folder?.parentId ?? 'root');
        notifySuccess(`Folder "${folder?.name ?? id}" deleted`);
      }}
    >
      Delete the job folder <b>{folder ? folders.index.path(id) : `#${id}`}</b>? Its jobs move to{' '}
      {folder?.parentId ? <b>{folders.index.path(folder.parentId)}</b> : 'no folder'} and keep running on their schedules. A folder with
      sub-folders cannot be deleted: move or delete them first.
    </ConfirmDialog>
  );
}

/** Files a job in a folder (or in none). */
export function MoveJobDialog({ job, onClose, onMoved }: { job: Job; onClose: () => void; onMoved?: (job: Job) => void }) {
  const folders = useJobFolders();
  const current: JobFolderKey = job.folderId ?? 'root';
  const [target, setTarget] = useState<JobFolderKey>(current);
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title={`Move job "${job.name}"`}
      submitLabel="Move"
      onClose={onClose}
      submitDisabled={target === current}
      onSubmit={async () => {
        const moved = await updateJob(job.id, { folderId: toId(target) });
        await invalidateJobFolders(queryClient);
        return moved;
      }}
      onDone={(moved) => {
        onMoved?.(moved);
        notifySuccess(`Job "${job.name}" moved to ${target === 'root' ? 'no folder' : folders.index.path(target)}`);
      }}
    >
      <FolderPathSelect label="Folder" value={target} onChange={setTarget} folders={folders} />
      <Text size="xs" c="dimmed">
        Folders only sort jobs: what a job runs on is set by its targets.
      </Text>
    </FormDialog>
  );
}
