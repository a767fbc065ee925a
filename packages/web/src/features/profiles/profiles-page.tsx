import type { Profile } from '@openums/protocol';
import { Button, Group, Menu, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useBlocker, useNavigate, useParams, useSearchParams } from 'react-router';
import { AccessDialog } from '../access/access-dialog';
import { GatedButton } from '../access/gated-button';
import { useGeneralRight, useIsSuperuser } from '../access/use-general-rights';
import { useDestinationRights, useMyRights } from '../access/use-my-rights';
import panels from '../../components/panels.module.css';
import { ExportDialog, ImportButton, PriorityProfilesSwitch } from './import-export';
import { NewProfileDialog } from './profile-dialogs';
import {
  DeleteProfileFolderDialog,
  MoveProfileFolderDialog,
  NewProfileFolderDialog,
  RenameProfileFolderDialog,
} from './profile-folder-dialogs';
import { PROFILE_TABS, ProfileEditor, type ProfileTab } from './profile-editor';
import { ProfileSearchResults, ProfileTree, type TreeSelection } from './profile-tree';
import classes from './profiles.module.css';
import { useProfile, useProfileFolders, type ProfileFolderKey } from './queries';
import { expandedWithPath } from '../../components/folder-paths';
import { DiscardChangesModal, useWarnBeforeUnload } from '../../components/unsaved-changes';
import { withMember } from '../../lib/sets';

type Dialog = 'new-profile' | 'new-folder' | 'rename-folder' | 'move-folder' | 'delete-folder' | 'folder-access' | 'export' | null;

function parseId(value: string | null | undefined): number | null {
  const id = Number(value);
  return value && Number.isSafeInteger(id) && id > 0 ? id : null;
}

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
  const [expanded, setExpanded] = useState<ReadonlySet<ProfileFolderKey>>(() => new Set<ProfileFolderKey>(['root']));
  const [dialog, setDialog] = useState<Dialog>(null);
  const [exportIds, setExportIds] = useState<number[]>([]);
  const [dirty, setDirtyState] = useState(false);
  // The blocker reads the ref: a navigation right after "changes are gone" (deleted) must pass.
  const dirtyRef = useRef(false);
  const setDirty = useCallback((value: boolean) => {
    dirtyRef.current = value;
    setDirtyState(value);
  }, []);
  const folders = useProfileFolders();
  const openProfile = useProfile(profileId);
  const open = profileId !== null ? openProfile.data : undefined;

  const selection: TreeSelection = profileId !== null ? { kind: 'profile', id: profileId } : { kind: 'folder', key: folderParam ?? 'root' };
  /** Where "New profile" and "New folder" create: the selected folder, or the open profile's. */
  const currentFolder: ProfileFolderKey = profileId !== null ? (open?.folderId ?? 'root') : (folderParam ?? 'root');
  const selectedFolder = selection.kind === 'folder' && selection.key !== 'root' ? selection.key : null;
  // Creating needs write on the folder created in; at the top level only a superuser may.
  const createRights = useDestinationRights(currentFolder === 'root' ? null : { type: 'profile-folder', id: currentFolder });
  const folderRights = useMyRights(selectedFolder === null ? null : { type: 'profile-folder', id: selectedFolder });
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

  const expandPath = useCallback(
    (key: ProfileFolderKey) => setExpanded((prev) => expandedWithPath(prev, key, folders.index.ancestors)),
    [folders.index],
  );
  // Opening a profile by its address shows it in the tree.
  const openFolder = open?.folderId ?? null;
  useEffect(() => {
    if (openFolder !== null && folders.data) expandPath(openFolder);
  }, [openFolder, folders.data, expandPath]);

  const onToggle = useCallback((key: ProfileFolderKey, value: boolean) => {
    setExpanded((prev) => withMember(prev, key, value));
  }, []);

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

  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirtyRef.current && currentLocation.pathname !== nextLocation.pathname);
  useWarnBeforeUnload(dirty);

  const close = () => setDialog(null);

  return (
    <div className={classes.page}>
      <section aria-label="Profile tree" className={panels.sidePanel}>
        <Stack gap={6} className={panels.panelHeader}>
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            Profiles
          </Text>
          <Group gap={4}>
            <GatedButton size="compact-xs" rights={createRights} right="write" onClick={() => setDialog('new-profile')}>
              New profile
            </GatedButton>
            <GatedButton
              size="compact-xs"
              variant="light"
              rights={createRights}
              right="write"
              onClick={() => setDialog('new-folder')}
              aria-label="New profile folder"
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
                <FolderMenuItem missing={folderRights.missing('write')} onClick={() => setDialog('rename-folder')}>
                  Rename folder
                </FolderMenuItem>
                <FolderMenuItem missing={folderRights.missing('move')} onClick={() => setDialog('move-folder')}>
                  Move folder
                </FolderMenuItem>
                <FolderMenuItem missing={folderRights.missing('write')} color="red" onClick={() => setDialog('delete-folder')}>
                  Delete folder
                </FolderMenuItem>
                <Menu.Divider />
                <FolderMenuItem
                  missing={folderRights.canAny(['read', 'accessControl']) ? undefined : 'You need the Read or Access control right'}
                  onClick={() => setDialog('folder-access')}
                >
                  Access control…
                </FolderMenuItem>
              </Menu.Dropdown>
            </Menu>
          </Group>
          <TextInput
            size="xs"
            type="search"
            aria-label="Search profiles"
            placeholder="Search profiles by name"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maxLength={128}
          />
        </Stack>
        <div className={panels.treeScroll}>
          {q ? (
            <ProfileSearchResults q={q} selectedId={profileId} onSelect={(p) => goToProfile(p)} />
          ) : (
            <ProfileTree
              selection={selection}
              expanded={expanded}
              onSelectFolder={goToFolder}
              onSelectProfile={(p) => goToProfile(p)}
              onToggle={onToggle}
            />
          )}
        </div>
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
      </section>
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
      {dialog === 'new-folder' && (
        <NewProfileFolderDialog
          parent={currentFolder}
          onClose={close}
          onCreated={(id) => {
            expandPath(currentFolder);
            if (profileId === null) goToFolder(id);
          }}
        />
      )}
      {dialog === 'rename-folder' && selectedFolder !== null && <RenameProfileFolderDialog id={selectedFolder} onClose={close} />}
      {dialog === 'move-folder' && selectedFolder !== null && (
        <MoveProfileFolderDialog id={selectedFolder} onClose={close} onMoved={expandPath} />
      )}
      {dialog === 'delete-folder' && selectedFolder !== null && (
        <DeleteProfileFolderDialog id={selectedFolder} onClose={close} onDeleted={goToFolder} />
      )}
      {dialog === 'folder-access' && selectedFolder !== null && (
        <AccessDialog object={{ type: 'profile-folder', id: selectedFolder }} name={folders.index.path(selectedFolder)} onClose={close} />
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
