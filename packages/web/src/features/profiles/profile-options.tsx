import { MultiSelect } from '@mantine/core';
import { useMemo } from 'react';
import { useAllProfiles } from './queries';

/** Every profile the administrator may see as options by name, for pickers. */
export function useProfileOptions() {
  const profiles = useAllProfiles();
  const options = useMemo(
    () => (profiles.data ?? []).map((p) => ({ value: String(p.id), label: p.name })).sort((a, b) => a.label.localeCompare(b.label)),
    [profiles.data],
  );
  return { options, isPending: profiles.isPending };
}

/** A choice of up to 20 profiles by name (ids as strings). */
export function ProfilesMultiSelect({
  value,
  onChange,
  placeholder,
}: {
  value: string[];
  onChange: (value: string[]) => void;
  placeholder: string;
}) {
  const { options, isPending } = useProfileOptions();
  return (
    <MultiSelect
      label="Profiles"
      data={options}
      value={value}
      onChange={onChange}
      searchable
      maxValues={20}
      placeholder={isPending ? 'Loading profiles…' : placeholder}
      nothingFoundMessage="No profile with that name"
      comboboxProps={{ withinPortal: true }}
      data-autofocus
    />
  );
}
