import { PARAMETER_CATALOGUE, type Profile } from '@openums/protocol';
import { Radio, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { copyProfile, createProfile, deleteProfile, updateProfile } from '../../api/profiles';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { FormDialog } from '../../components/form-dialog';
import { RenameDialog } from '../../components/rename-dialog';
import { notifySuccess } from '../../components/notify';
import { MoveToFolderDialog, SectionFolderSelect } from '../../components/tree-section/folder-dialogs';
import { toFolderId } from '../../components/tree-section/tree-section';
import { invalidateDeviceConfiguration } from '../devices/queries';
import { profileSection } from './profile-tree';
import { invalidateProfiles, profileKeys, storeProfile, useProfileFeatureSettings, type ProfileFolderKey } from './queries';

export function NewProfileDialog({
  folder,
  onClose,
  onCreated,
}: {
  folder: ProfileFolderKey;
  onClose: () => void;
  onCreated: (profile: Profile) => void;
}) {
  const [name, setName] = useState('');
  const [type, setType] = useState<'standard' | 'priority'>('standard');
  const [target, setTarget] = useState<ProfileFolderKey>(folder);
  const feature = useProfileFeatureSettings();
  const priorityOn = feature.data?.priorityProfiles === true;
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title="New profile"
      submitLabel="Create profile"
      onClose={onClose}
      submitDisabled={!name.trim()}
      onSubmit={async () => {
        const created = await createProfile({
          name: name.trim(),
          type,
          folderId: toFolderId(target),
          basedOn: PARAMETER_CATALOGUE.basedOn,
          settings: {},
        });
        await invalidateProfiles(queryClient);
        return created;
      }}
      onDone={(created) => {
        notifySuccess(`Profile "${created.name}" created`);
        onCreated(created);
      }}
    >
      <TextInput
        label="Profile name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        data-autofocus
        maxLength={128}
        required
      />
      <Radio.Group label="Type" value={type} onChange={(v) => setType(v as 'standard' | 'priority')}>
        <Stack gap={6} mt={6}>
          <Radio
            value="standard"
            label="Standard profile"
            description="Overrides the device's own settings; the profile closest to the device wins."
          />
          <Radio
            value="priority"
            label="Priority profile"
            disabled={!priorityOn}
            description={
              priorityOn
                ? 'Overrides every standard profile; only another priority profile can override it.'
                : 'Priority profiles are switched off for this server (see the switch under the profile tree).'
            }
          />
        </Stack>
      </Radio.Group>
      <SectionFolderSelect section={profileSection} label="Folder" value={target} onChange={setTarget} />
      <Text size="xs" c="dimmed">
        Based on OS {PARAMETER_CATALOGUE.basedOn}: the parameters of this version can be set. A new profile activates no parameter yet.
      </Text>
    </FormDialog>
  );
}

export function RenameProfileDialog({ profile, onClose }: { profile: Profile; onClose: () => void }) {
  const queryClient = useQueryClient();
  return (
    <RenameDialog
      title="Rename profile"
      label="Profile name"
      what="Profile"
      currentName={profile.name}
      maxLength={128}
      save={async (name) => {
        const updated = await updateProfile(profile.id, { name });
        storeProfile(queryClient, updated);
        await invalidateProfiles(queryClient);
        return updated;
      }}
      onClose={onClose}
    />
  );
}

export function MoveProfileDialog({
  profile,
  onClose,
  onMoved,
}: {
  profile: Profile;
  onClose: () => void;
  onMoved: (folder: ProfileFolderKey) => void;
}) {
  const queryClient = useQueryClient();
  return (
    <MoveToFolderDialog
      section={profileSection}
      title={`Move "${profile.name}"`}
      what={`Profile "${profile.name}"`}
      current={profile.folderId ?? 'root'}
      description="Folders only organise profiles; moving changes no device."
      move={async (target) => {
        const updated = await updateProfile(profile.id, { folderId: toFolderId(target) });
        storeProfile(queryClient, updated);
        await invalidateProfiles(queryClient);
      }}
      onClose={onClose}
      onMoved={onMoved}
    />
  );
}

export function CopyProfileDialog({
  profile,
  onClose,
  onCopied,
}: {
  profile: Profile;
  onClose: () => void;
  onCopied: (copy: Profile) => void;
}) {
  const [name, setName] = useState(`Copy of ${profile.name}`.slice(0, 128));
  const [target, setTarget] = useState<ProfileFolderKey>(profile.folderId ?? 'root');
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title={`Copy "${profile.name}"`}
      submitLabel="Copy profile"
      onClose={onClose}
      submitDisabled={!name.trim()}
      onSubmit={async () => {
        const copy = await copyProfile(profile.id, { name: name.trim(), folderId: toFolderId(target) });
        await invalidateProfiles(queryClient);
        return copy;
      }}
      onDone={(copy) => {
        notifySuccess(`Profile copied as "${copy.name}"`);
        onCopied(copy);
      }}
    >
      <TextInput
        label="Name of the copy"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        data-autofocus
        maxLength={128}
        required
      />
      <SectionFolderSelect section={profileSection} label="Folder" value={target} onChange={setTarget} />
      <Text size="xs" c="dimmed">
        The copy has the same activated parameters (stored secrets included) and no assignments.
      </Text>
    </FormDialog>
  );
}

export function DeleteProfileDialog({ profile, onClose, onDeleted }: { profile: Profile; onClose: () => void; onDeleted: () => void }) {
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened
      title="Delete profile"
      confirmLabel="Delete profile"
      onClose={onClose}
      onConfirm={async () => {
        await deleteProfile(profile.id);
        queryClient.removeQueries({ queryKey: profileKeys.one(profile.id) });
        await invalidateProfiles(queryClient);
        invalidateDeviceConfiguration(queryClient);
      }}
      onDone={() => {
        onDeleted();
        notifySuccess(`Profile "${profile.name}" deleted`);
      }}
    >
      Delete the profile <b>{profile.name}</b>? Its assignments are removed too: devices that got settings from it fall back to other
      profiles or their own configuration.
    </ConfirmDialog>
  );
}

// ── folders ──────────────────────────────────────────────────────────────────
