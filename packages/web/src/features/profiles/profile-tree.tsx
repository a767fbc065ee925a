import type { Profile } from '@openums/protocol';
import { Badge, Button, Loader, Text } from '@mantine/core';
import { createProfileFolder, deleteProfileFolder, updateProfileFolder } from '../../api/profiles';
import { treeClasses } from '../../components/tree-item';
import { ErrorLine } from '../../components/tree-section/section-tree';
import type { TreeSection } from '../../components/tree-section/tree-section';
import { plural } from '../../lib/format';
import classes from './profiles.module.css';
import { invalidateProfiles, useProfileFolders, useProfileList } from './queries';

/** Profile folders with their profiles in the shared section tree, folder dialogs and folder actions. */
export const profileSection: TreeSection<Profile> = {
  noun: 'profile',
  plural: 'profiles',
  title: 'Profiles',
  folderType: 'profile-folder',
  useFolders: useProfileFolders,
  useItems: (folder) => useProfileList({ folderId: folder }),
  createFolder: createProfileFolder,
  updateFolder: updateProfileFolder,
  deleteFolder: deleteProfileFolder,
  invalidate: invalidateProfiles,
  itemIcon: <ProfileIcon />,
  itemTitle: (profile) => `${profile.name} — ${plural(Object.keys(profile.settings).length, 'activated parameter')}`,
  itemBadge: (profile) => profile.type === 'priority' && <PriorityBadge title="Priority profile" />,
};

function PriorityBadge({ title }: { title?: string }) {
  return (
    <Badge size="xs" color="grape" variant="light" title={title}>
      Priority
    </Badge>
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
          {profile.type === 'priority' && <PriorityBadge />}
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
