import { PARAMETER_CATALOGUE, type Profile } from '@openums/protocol';
import { Alert, Badge, Button, Group, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { isApiError } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { formatDateTime, plural } from '../../lib/format';
import { AccessControlButton, GatedButton } from '../access/gated-button';
import { RIGHT_LABELS } from '../access/rights-labels';
import { useMyRights } from '../access/use-my-rights';
import { AssignProfileDialog, AssignmentsPanel } from './assignments';
import { ParameterEditor } from '../configuration-editor/parameter-editor';
import { CopyProfileDialog, DeleteProfileDialog, MoveProfileDialog, RenameProfileDialog } from './profile-dialogs';
import classes from './profiles.module.css';
import { useProfile, useProfileFeatureSettings, useProfileFolders, type ProfileFolderKey } from './queries';
import { SaveBar } from '../configuration-editor/save-bar';
import { SaveProfileDialog } from './save-dialog';
import { useSettingsDraft } from '../configuration-editor/settings-draft';

export const PROFILE_TABS = ['parameters', 'assignments'] as const;
export type ProfileTab = (typeof PROFILE_TABS)[number];

type Dialog = 'rename' | 'move' | 'copy' | 'delete' | 'save' | 'assign' | null;

interface ProfileEditorProps {
  profileId: number;
  tab: ProfileTab;
  /** False: read-only whatever the profile's access list says. */
  canWrite: boolean;
  onTabChange: (tab: ProfileTab) => void;
  onOpenProfile: (profile: Profile) => void;
  onDeleted: () => void;
  onFolderChanged: (folder: ProfileFolderKey) => void;
  onExport: (profile: Profile) => void;
  /** Reports unsaved changes, so leaving the profile can ask first. */
  onDirtyChange: (dirty: boolean) => void;
}

export function ProfileEditor(props: ProfileEditorProps) {
  const query = useProfile(props.profileId);
  if (query.isPending) {
    return (
      <Group p="md" gap="xs">
        <Loader size="xs" />
        <Text size="sm">Loading profile…</Text>
      </Group>
    );
  }
  if (query.isError) {
    return (
      <Stack p="md">
        <ErrorAlert
          title={isApiError(query.error, 'PROFILE_NOT_FOUND') ? 'Profile not found' : 'Cannot load the profile'}
          error={query.error}
        />
      </Stack>
    );
  }
  return <LoadedProfileEditor key={query.data.id} profile={query.data} {...props} />;
}

function LoadedProfileEditor({
  profile,
  tab,
  canWrite,
  onTabChange,
  onOpenProfile,
  onDeleted,
  onFolderChanged,
  onExport,
  onDirtyChange,
}: ProfileEditorProps & { profile: Profile }) {
  const saved = profile.settings;
  // The profile changed on the server (another window, another administrator): an untouched
  // editor follows it; one with unsaved changes keeps them.
  const edit = useSettingsDraft(saved, 'keep');
  const { draft, dirty } = edit;
  const [dialog, setDialog] = useState<Dialog>(null);
  const [search, setSearch] = useState('');
  const folders = useProfileFolders();
  const feature = useProfileFeatureSettings();
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange(false), [onDirtyChange]);

  const activatedCount = Object.keys(saved).length;
  const versionMismatch = profile.basedOn.split('.')[0] !== PARAMETER_CATALOGUE.basedOn.split('.')[0];
  const close = () => setDialog(null);
  const mine = useMyRights({ type: 'profile', id: profile.id });
  /** Parameters and name: the page allows writing and so does the profile's access list. */
  const editable = canWrite && mine.can('write');

  return (
    <>
      <div className={classes.profileHeader}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Group gap="xs" wrap="nowrap">
              <Title
                order={2}
                size="h4"
                style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
                data-testid="profile-name"
              >
                {profile.name}
              </Title>
              <Badge
                variant="light"
                color={profile.type === 'priority' ? 'grape' : 'gray'}
                style={{ flex: 'none' }}
                data-testid="profile-type"
              >
                {profile.type === 'priority' ? 'Priority profile' : 'Standard profile'}
              </Badge>
            </Group>
            <Text size="xs" c="dimmed">
              Based on OS {profile.basedOn} · in {folders.index.path(profile.folderId)} · {plural(activatedCount, 'activated parameter')} ·
              changed {formatDateTime(profile.updatedAt)}
            </Text>
          </Stack>
          <Group gap={6} wrap="nowrap" style={{ flex: 'none' }}>
            {canWrite && (
              <>
                <GatedButton size="compact-sm" variant="light" rights={mine} right="read" onClick={() => setDialog('assign')}>
                  Assign…
                </GatedButton>
                <GatedButton
                  size="compact-sm"
                  variant="default"
                  rights={mine}
                  right="write"
                  onClick={() => setDialog('rename')}
                  aria-label="Rename profile"
                >
                  Rename
                </GatedButton>
                <Button size="compact-sm" variant="default" onClick={() => setDialog('copy')} aria-label="Copy profile">
                  Copy
                </Button>
                <GatedButton
                  size="compact-sm"
                  variant="default"
                  rights={mine}
                  right="move"
                  onClick={() => setDialog('move')}
                  aria-label="Move profile"
                >
                  Move
                </GatedButton>
              </>
            )}
            <Button size="compact-sm" variant="default" onClick={() => onExport(profile)} aria-label="Export profile">
              Export
            </Button>
            <AccessControlButton object={{ type: 'profile', id: profile.id }} name={profile.name} rights={mine} size="compact-sm" />
            {canWrite && (
              <GatedButton
                size="compact-sm"
                variant="light"
                color="red"
                rights={mine}
                right="write"
                onClick={() => setDialog('delete')}
                aria-label="Delete profile"
              >
                Delete
              </GatedButton>
            )}
          </Group>
        </Group>
        {!editable && canWrite && !mine.loading && (
          <Text size="xs" c="dimmed" mt={4} data-testid="profile-read-only">
            Read only: changing this profile needs the {RIGHT_LABELS.write} right on it.
          </Text>
        )}
        {profile.type === 'priority' && feature.data && !feature.data.priorityProfiles && (
          <Alert color="yellow" mt="xs" p="xs" title="Priority profiles are switched off" data-testid="priority-off">
            This priority profile applies to no device until an administrator turns priority profiles on (switch under the profile tree).
          </Alert>
        )}
        {versionMismatch && (
          <Alert color="yellow" mt="xs" p="xs" title={`Based on OS ${profile.basedOn}`}>
            This server's parameter catalogue describes OS {PARAMETER_CATALOGUE.basedOn}. Devices with another major version refuse a direct
            assignment of this profile.
          </Alert>
        )}
      </div>
      <Tabs
        value={tab}
        onChange={(v) => onTabChange((v as ProfileTab | null) ?? 'parameters')}
        keepMounted={false}
        className={classes.tabs}
      >
        <Tabs.List px="md">
          <Tabs.Tab
            value="parameters"
            rightSection={
              dirty ? (
                <Badge size="xs" color="yellow">
                  unsaved
                </Badge>
              ) : undefined
            }
          >
            Parameters
          </Tabs.Tab>
          <Tabs.Tab value="assignments">Assignments</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="parameters" className={classes.tabPanel}>
          <ParameterEditor
            key={edit.editorKey}
            draft={draft}
            saved={saved}
            errors={edit.errors}
            readOnly={!editable}
            onSet={edit.onSet}
            onActivate={edit.onActivate}
            onRemoveInstance={edit.onRemoveInstance}
            search={search}
            onSearchChange={setSearch}
          />
          {editable && (
            <SaveBar
              changed={edit.changed.length}
              errors={edit.errors}
              onShow={setSearch}
              onDiscard={edit.discard}
              onSave={() => setDialog('save')}
            />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="assignments" className={classes.tabPanel}>
          <AssignmentsPanel profile={profile} canWrite={canWrite} />
        </Tabs.Panel>
      </Tabs>
      {dialog === 'save' && (
        <SaveProfileDialog
          profile={profile}
          draft={draft}
          changes={edit.counts}
          onClose={close}
          // Secrets come back masked: the saved profile is the new starting point.
          onSaved={(updated) => edit.reset(updated.settings)}
        />
      )}
      {dialog === 'assign' && <AssignProfileDialog profile={profile} onClose={close} onAssigned={() => onTabChange('assignments')} />}
      {dialog === 'rename' && <RenameProfileDialog profile={profile} onClose={close} />}
      {dialog === 'move' && <MoveProfileDialog profile={profile} onClose={close} onMoved={onFolderChanged} />}
      {dialog === 'copy' && <CopyProfileDialog profile={profile} onClose={close} onCopied={onOpenProfile} />}
      {dialog === 'delete' && <DeleteProfileDialog profile={profile} onClose={close} onDeleted={onDeleted} />}
    </>
  );
}
