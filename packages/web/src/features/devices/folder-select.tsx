import { errorMessage } from '../../api/client';
import { FolderPathSelect } from '../../components/folder-path-select';
import { useAllFolders, type FolderKey } from './queries';

interface FolderSelectProps {
  label: string;
  value: FolderKey;
  onChange: (value: FolderKey) => void;
  description?: string;
}

/** Searchable choice of any device folder (by full path) or the top level. */
export function FolderSelect({ label, value, onChange, description }: FolderSelectProps) {
  const folders = useAllFolders();
  return (
    <FolderPathSelect
      label={label}
      description={description}
      value={value}
      onChange={onChange}
      folders={folders}
      limit={300}
      error={folders.error ? errorMessage(folders.error) : undefined}
    />
  );
}
