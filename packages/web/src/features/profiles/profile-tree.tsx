import type { Profile } from '@openums/protocol';
import { Badge, Button, Loader, Text } from '@mantine/core';
import { createContext, useContext, useMemo } from 'react';
import { errorMessage } from '../../api/client';
import { TreeItem, TreeLabel, treeClasses } from '../../components/tree-item';
import classes from './profiles.module.css';
import { useIsSuperuser } from '../access/use-general-rights';
import { useProfileFolders, useProfileList, type ProfileFolderKey } from './queries';
import { plural } from '../../lib/format';

export type TreeSelection = { kind: 'folder'; key: ProfileFolderKey } | { kind: 'profile'; id: number };

interface TreeState {
  selection: TreeSelection;
  expanded: ReadonlySet<ProfileFolderKey>;
  onSelectFolder: (key: ProfileFolderKey) => void;
  onSelectProfile: (profile: Profile) => void;
  onToggle: (key: ProfileFolderKey, open: boolean) => void;
}

const TreeContext = createContext<TreeState | null>(null);

function useTree(): TreeState {
  const state = useContext(TreeContext);
  if (!state) throw new Error('ProfileTree parts must be inside <ProfileTree>');
  return state;
}

/** Profile folders with their profiles; a folder loads its profiles when it is opened. */
export function ProfileTree(props: TreeState) {
  return (
    <TreeContext.Provider value={props}>
      <div role="tree" aria-label="Profiles">
        <FolderRow folderKey="root" label="Profiles" level={1} />
        {props.expanded.has('root') && <FolderContents parent="root" level={2} />}
      </div>
    </TreeContext.Provider>
  );
}

function FolderContents({ parent, level }: { parent: ProfileFolderKey; level: number }) {
  const folders = useProfileFolders();
  const { expanded } = useTree();
  const subFolders = folders.index.children(parent);
  return (
    <div role="group">
      {folders.isError && parent === 'root' && <ErrorLine level={level} error={folders.error} retry={() => void folders.refetch()} />}
      {subFolders.map((folder) => (
        <div key={folder.id}>
          <FolderRow folderKey={folder.id} label={folder.name} level={level} />
          {expanded.has(folder.id) && <FolderContents parent={folder.id} level={level + 1} />}
        </div>
      ))}
      <FolderProfiles folder={parent} level={level} empty={subFolders.length === 0} />
    </div>
  );
}

function FolderProfiles({ folder, level, empty }: { folder: ProfileFolderKey; level: number; empty: boolean }) {
  const query = useProfileList({ folderId: folder });
  const profiles = useMemo(
    () =>
      (query.data?.pages.flatMap((p) => p.items) ?? [])
        .filter((p) => (p.folderId ?? 'root') === folder)
        .sort((a, b) => a.name.localeCompare(b.name)),
    [query.data, folder],
  );
  const indent = { paddingLeft: (level - 1) * 16 + 28 };
  // Others see only the profiles their access lists allow: "none yet" would mislead them.
  const superuser = useIsSuperuser();
  if (query.isPending) {
    return (
      <Text size="xs" c="dimmed" style={indent} py={4}>
        <Loader size={10} mr={6} />
        Loading profiles…
      </Text>
    );
  }
  if (query.isError) return <ErrorLine level={level} error={query.error} retry={() => void query.refetch()} />;
  return (
    <>
      {profiles.map((profile) => (
        <ProfileRow key={profile.id} profile={profile} level={level} />
      ))}
      {profiles.length === 0 && empty && (
        <Text size="xs" c="dimmed" style={indent} py={4}>
          {folder !== 'root' ? 'Empty folder' : superuser ? 'No profiles yet' : 'No profiles you may see'}
        </Text>
      )}
      {query.hasNextPage && (
        <Button
          variant="subtle"
          size="compact-xs"
          ml={(level - 1) * 16 + 24}
          loading={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        >
          Load more profiles
        </Button>
      )}
    </>
  );
}

function ErrorLine({ level, error, retry }: { level: number; error: unknown; retry: () => void }) {
  return (
    <Text size="xs" c="red" style={{ paddingLeft: (level - 1) * 16 + 8 }} py={4} role="alert">
      {errorMessage(error)}{' '}
      <Button variant="subtle" size="compact-xs" onClick={retry}>
        Retry
      </Button>
    </Text>
  );
}

function FolderRow({ folderKey, label, level }: { folderKey: ProfileFolderKey; label: string; level: number }) {
  const { selection, expanded, onSelectFolder, onToggle } = useTree();
  const isExpanded = expanded.has(folderKey);
  const isSelected = selection.kind === 'folder' && selection.key === folderKey;
  const select = () => {
    onSelectFolder(folderKey);
    if (!isExpanded) onToggle(folderKey, true);
  };
  return (
    <TreeItem
      label={label}
      level={level}
      selected={isSelected}
      expanded={isExpanded}
      onActivate={select}
      onToggle={(open) => onToggle(folderKey, open)}
      testId={`profile-folder-${folderKey}`}
      icon={<FolderIcon open={isExpanded} />}
    >
      <TreeLabel title={label}>{label}</TreeLabel>
    </TreeItem>
  );
}

function ProfileRow({ profile, level }: { profile: Profile; level: number }) {
  const { selection, onSelectProfile } = useTree();
  const isSelected = selection.kind === 'profile' && selection.id === profile.id;
  const activated = Object.keys(profile.settings).length;
  return (
    <TreeItem
      label={profile.name}
      level={level}
      selected={isSelected}
      onActivate={() => onSelectProfile(profile)}
      testId={`profile-node-${profile.id}`}
      icon={<ProfileIcon />}
    >
      <TreeLabel title={`${profile.name} — ${plural(activated, 'activated parameter')}`}>{profile.name}</TreeLabel>
      {profile.type === 'priority' && (
        <Badge size="xs" color="grape" variant="light" title="Priority profile">
          Priority
        </Badge>
      )}
    </TreeItem>
  );
}

/** Search results: profiles whose name starts with the text, with their folder. */
export function ProfileSearchResults({
  q,
  selectedId,
  onSelect,
}: {
  q: string;
  selectedId: number | null;
  onSelect: (profile: Profile) => void;
}) {
  const query = useProfileList({ q });
  const folders = useProfileFolders();
  const prefix = q.trim().toLowerCase();
  const profiles = (query.data?.pages.flatMap((p) => p.items) ?? []).filter((p) => p.name.toLowerCase().startsWith(prefix));
  if (query.isPending) {
    return (
      <Text size="xs" c="dimmed" px="sm" py={6}>
        <Loader size={10} mr={6} />
        Searching…
      </Text>
    );
  }
  if (query.isError) return <ErrorLine level={1} error={query.error} retry={() => void query.refetch()} />;
  return (
    <div role="listbox" aria-label="Matching profiles" data-testid="profile-search-results">
      {profiles.length === 0 && (
        <Text size="xs" c="dimmed" px="sm" py={6}>
          No profile name starts with "{q}".
        </Text>
      )}
      {profiles.map((profile) => (
        <div
          key={profile.id}
          role="option"
          aria-selected={profile.id === selectedId}
          aria-label={profile.name}
          tabIndex={0}
          className={`${treeClasses.treeRow} ${classes.searchRow}`}
          onClick={() => onSelect(profile)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              onSelect(profile);
            }
          }}
        >
          <span className={treeClasses.treeIcon} aria-hidden>
            <ProfileIcon />
          </span>
          <span className={treeClasses.treeLabel}>
            {profile.name}
            <Text span size="xs" c="dimmed" display="block">
              {folders.index.path(profile.folderId)}
            </Text>
          </span>
          {profile.type === 'priority' && (
            <Badge size="xs" color="grape" variant="light">
              Priority
            </Badge>
          )}
        </div>
      ))}
      {query.hasNextPage && (
        <Button variant="subtle" size="compact-xs" ml="sm" loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          More results
        </Button>
      )}
    </div>
  );
}

function FolderIcon({ open }: { open: boolean }) {
  return (
    <svg width="15" height="15" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round">
      {open ? <path d="M1.5 13V3.5h4.5l1.5 1.5h6v2.5M1.5 13l2-5.5h11L12.5 13z" /> : <path d="M1.5 13V3.5h4.5l1.5 1.5h7V13z" />}
    </svg>
  );
}

export function ProfileIcon() {
  return (
    <svg
      width="15"
      height="15"
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.3"
      strokeLinejoin="round"
      strokeLinecap="round"
    >
      <path d="M3.5 1.5h6l3 3v10h-9z" />
      <path d="M5.5 7.5h5M5.5 10h5M5.5 12.5h3" />
    </svg>
  );
}
