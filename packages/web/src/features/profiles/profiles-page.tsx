import type { Profile } from '@openums/protocol';
import { Button, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import panels from '../../components/panels.module.css';
import { SectionSidePanel } from '../../components/tree-section/section-side-panel';
import { SectionTree, type SectionSelection } from '../../components/tree-section/section-tree';
import { parseId, useExpandedFolders, useUnsavedChangesGuard } from '../../components/tree-section/section-state';
import { DiscardChangesModal } from '../../components/unsaved-changes';
import { GatedButton } from '../access/gated-button';
import { useGeneralRight, useIsSuperuser } from '../access/use-general-rights';
import { useDestinationRights } from '../access/use-my-rights';
import { FolderActions } from '../tree-section/folder-actions';
import { ExportDialog, ImportButton, PriorityProfilesSwitch } from './import-export';
import { NewProfileDialog } from './profile-dialogs';
import { PROFILE_TABS, ProfileEditor, type ProfileTab } from './profile-editor';
import { profileSection, ProfileSearchResults } from './profile-tree';
import classes from './profiles.module.css';
import { useProfile, useProfileFolders, type ProfileFolderKey } from './queries';

type Dialog = 'new-profile' | 'export' | null;

/**
 * Profiles: folders and profiles on the left, the open profile's editor on the right. The open
 * profile is in the path (/profiles/12), the rest in the query (?folder=&tab=&q=).
 */
export function ProfilesPage() {
  const { profileId: profileParam } = useParams();
  const profileId = parseId(profileParam);
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const folderParam = parseId(params.get('folder'));
  const tab = (PROFILE_TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as ProfileTab) : 'parameters';
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [exportIds, setExportIds] = useState<number[]>([]);
  const { setDirty, blocker } = useUnsavedChangesGuard();
  const folders = useProfileFolders();
  const openProfile = useProfile(profileId);
  const open = profileId !== null ? openProfile.data : undefined;

  const selection: SectionSelection = profileId !== null ? { kind: 'item', id: profileId } : { kind: 'folder', key: folderParam ?? 'root' };
  /** Where "New profile" and "New folder" create: the selected folder, or the open profile's. */
  const currentFolder: ProfileFolderKey = profileId !== null ? (open?.folderId ?? 'root') : (folderParam ?? 'root');
  const selectedFolder = selection.kind === 'folder' && selection.key !== 'root' ? selection.key : null;
  // Creating needs write on the folder created in; at the top level only a superuser may.
  const createRights = useDestinationRights(currentFolder === 'root' ? null : { type: 'profile-folder', id: currentFolder });
  const canCreate = createRights.can('write');
  const canImport = useIsSuperuser();
  const canSwitchPriority = useGeneralRight('globalSettings');

  const urlQ = params.get('q') ?? '';
  useEffect(() => {
    if (q === urlQ) return;
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (q) next.set('q', q);
        else next.delete('q');
        return next;
      },
      { replace: true },
    );
  }, [q, urlQ, setParams]);

  const { expanded, expandPath, onToggle } = useExpandedFolders(folders, open?.folderId ?? null);

  const keepQuery = (extra: Record<string, string | null> = {}) => {
    const next = new URLSearchParams();
    const merged = { q: q || null, ...extra };
    for (const [k, v] of Object.entries(merged)) if (v !== null) next.set(k, v);
    const qs = next.toString();
    return qs ? `?${qs}` : '';
  };
  const goToProfile = (profile: Pick<Profile, 'id'>, nextTab: ProfileTab | null = null) =>
    void navigate(`/profiles/${profile.id}${keepQuery({ tab: nextTab })}`);
  const goToFolder = (key: ProfileFolderKey) => void navigate(`/profiles${keepQuery({ folder: key === 'root' ? null : String(key) })}`);

  const close = () => setDialog(null);

  return (
    <div className={classes.page}>
      <SectionSidePanel
        label="Profile tree"
        title="Profiles"
        actions={
          <>
            <GatedButton size="compact-xs" rights={createRights} right="write" onClick={() => setDialog('new-profile')}>
              New profile
            </GatedButton>
            <FolderActions
              section={profileSection}
              currentFolder={currentFolder}
              selectedFolder={selectedFolder}
              createRights={createRights}
              itemOpen={profileId !== null}
              expandPath={expandPath}
              goToFolder={goToFolder}
            />
          </>
        }
        search={
          <TextInput
            size="xs"
            type="search"
            aria-label="Search profiles"
            placeholder="Search profiles by name"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maxLength={128}
          />
        }
        footer={
          <Stack gap={8} className={classes.sideFooter}>
            <Group gap={4}>
              {canImport && <ImportButton onImported={(created) => created[0] && goToProfile(created[0])} />}
              <Button
                size="compact-xs"
                variant="default"
                onClick={() => {
                  setExportIds(profileId !== null ? [profileId] : []);
                  setDialog('export');
                }}
                aria-label="Export profiles"
              >
                Export…
              </Button>
            </Group>
            <PriorityProfilesSwitch canWrite={canSwitchPriority} />
          </Stack>
        }
      >
        {q ? (
          <ProfileSearchResults q={q} selectedId={profileId} onSelect={(p) => goToProfile(p)} />
        ) : (
          <SectionTree
            section={profileSection}
            selection={selection}
            expanded={expanded}
            seesAll={canImport}
            onSelectFolder={goToFolder}
            onSelectItem={(p) => goToProfile(p)}
            onToggle={onToggle}
          />
        )}
      </SectionSidePanel>
      <section aria-label="Profile" className={panels.panel} data-testid="profile-panel">
        {profileId !== null ? (
          <ProfileEditor
            profileId={profileId}
            tab={tab}
            canWrite
            onTabChange={(next) =>
              setParams(
                (prev) => {
                  const p = new URLSearchParams(prev);
                  if (next === 'parameters') p.delete('tab');
                  else p.set('tab', next);
                  return p;
                },
                { replace: true },
              )
            }
            onOpenProfile={(p) => goToProfile(p)}
            onDeleted={() => {
              setDirty(false);
              void navigate(`/profiles${keepQuery({ folder: open?.folderId ? String(open.folderId) : null })}`);
            }}
            onFolderChanged={expandPath}
            onExport={(p) => {
              setExportIds([p.id]);
              setDialog('export');
            }}
            onDirtyChange={setDirty}
          />
        ) : (
          <NoProfileOpen canWrite={canCreate} onNew={() => setDialog('new-profile')} />
        )}
      </section>
      {dialog === 'new-profile' && (
        <NewProfileDialog
          folder={currentFolder}
          onClose={close}
          onCreated={(p) => {
            if (p.folderId !== null) expandPath(p.folderId);
            goToProfile(p);
          }}
        />
      )}
      {/* Secrets are exported only with write on each profile: the server refuses the others. */}
      {dialog === 'export' && <ExportDialog initial={exportIds} canWrite onClose={close} />}
      <DiscardChangesModal blocker={blocker} onDiscard={() => setDirty(false)}>
        The open profile has changes that are not saved. Leave it and lose them?
      </DiscardChangesModal>
    </div>
  );
}

function NoProfileOpen({ canWrite, onNew }: { canWrite: boolean; onNew: () => void }) {
  return (
    <Stack p="lg" gap="sm" maw={720} data-testid="no-profile-open">
      <Title order={2}>Profiles</Title>
      <Text>
        A profile sets some of the devices’ parameters: only the parameters you activate in it. Assign it to devices or device folders;
        every device in an assigned folder and its sub-folders gets it.
      </Text>
      <Text size="sm" c="dimmed">
        When several profiles set the same parameter, the one closest to the device wins (a profile assigned to the device beats one
        assigned to its folder, which beats one on a parent folder); priority profiles override standard profiles. The device tab “Effective
        configuration” shows which profile set each value.
      </Text>
      {canWrite && (
        <Button w="fit-content" onClick={onNew}>
          New profile
        </Button>
      )}
    </Stack>
  );
}
