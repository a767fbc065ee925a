import { Select } from '@mantine/core';
import { useMemo } from 'react';
import { errorMessage } from '../../api/client';
import { useAllFolders, type FolderKey } from './queries';

interface FolderSelectProps {
  label: string;
  value: FolderKey;
  onChange: (value: FolderKey) => void;
  description?: string;
}

/** Searchable choice of any folder (by full path) or the top level. */
export function FolderSelect({ label, value, onChange, description }: FolderSelectProps) {
  const folders = useAllFolders();
  const data = useMemo(() => {
    const options = (folders.data ?? [])
      .map((f) => ({ value: String(f.id), label: folders.index.path(f.id) }))
      .sort((a, b) => a.label.localeCompare(b.label));
    return [{ value: 'root', label: 'Top level (no folder)' }, ...options];
  }, [folders.data, folders.index]);

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
      limit={300}
      maxDropdownHeight={280}
      disabled={folders.isPending}
      placeholder={folders.isPending ? 'Loading folders…' : undefined}
      error={folders.error ? errorMessage(folders.error) : undefined}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
