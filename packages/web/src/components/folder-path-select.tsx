import { Select } from '@mantine/core';
import { useMemo } from 'react';
import type { FolderPaths, TreeFolder } from './folder-paths';

export type FolderChoice = 'root' | number;

interface FolderPathSelectProps {
  label: string;
  value: FolderChoice;
  onChange: (value: FolderChoice) => void;
  description?: string;
  folders: { data?: readonly TreeFolder[]; index: Pick<FolderPaths<TreeFolder>, 'path' | 'ancestors'>; isPending: boolean };
  /** A folder that may not be chosen, with everything below it (moving a folder into itself). */
  exclude?: number;
  /** Most options rendered at once (the search narrows them). */
  limit?: number;
  error?: string;
}

/** Searchable choice of a folder by its full path, or the top level. */
export function FolderPathSelect({ label, value, onChange, description, folders, exclude, limit, error }: FolderPathSelectProps) {
  const data = useMemo(() => {
    const options = (folders.data ?? [])
      .filter((f) => exclude === undefined || !folders.index.ancestors(f.id).includes(exclude))
      .map((f) => ({ value: String(f.id), label: folders.index.path(f.id) }))
      .sort((a, b) => a.label.localeCompare(b.label));
    return [{ value: 'root', label: 'Top level (no folder)' }, ...options];
  }, [folders.data, folders.index, exclude]);
  return (
    <Select
      label={label}
      description={description}
      data={data}
      value={String(value)}
      onChange={(v) => onChange(v === null || v === 'root' ? 'root' : Number(v))}
      searchable
      allowDeselect={false}
      nothingFoundMessage="No folder with that name"
      limit={limit}
      maxDropdownHeight={280}
      disabled={folders.isPending}
      placeholder={folders.isPending ? 'Loading folders…' : undefined}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
