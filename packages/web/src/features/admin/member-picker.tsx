import type { AdminGroup, GroupMember } from '@openums/protocol';
import { MultiSelect } from '@mantine/core';
import { useMemo } from 'react';
import type { Admin } from '../../api/admins';
import { displayName } from './account-dialogs';

export const memberKey = (m: { type: string; id: number }) => `${m.type}:${m.id}`;

export function parseMemberKey(key: string): GroupMember {
  const [type, id] = key.split(':');
  return { type: type === 'group' ? 'group' : 'admin', id: Number(id) };
}

interface MemberPickerProps {
  accounts: readonly Admin[];
  groups: readonly AdminGroup[];
  /** Members already in the group (left out of the choices). */
  exclude: readonly { type: string; id: number }[];
  /** The group being edited (cannot contain itself). */
  selfId?: number;
  value: string[];
  onChange: (keys: string[]) => void;
  label?: string;
  loading?: boolean;
}

/** Accounts and groups to add to a group, searchable, in two sections. */
export function MemberPicker({ accounts, groups, exclude, selfId, value, onChange, label = 'Add members', loading }: MemberPickerProps) {
  const data = useMemo(() => {
    const taken = new Set(exclude.map(memberKey));
    const byName = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label);
    const accountItems = accounts
      .map((a) => ({ value: memberKey({ type: 'admin', id: a.id }), label: displayName(a) }))
      .filter((i) => !taken.has(i.value))
      .sort(byName);
    const groupItems = groups
      .filter((g) => g.id !== selfId)
      .map((g) => ({ value: memberKey({ type: 'group', id: g.id }), label: g.name }))
      .filter((i) => !taken.has(i.value))
      .sort(byName);
    return [
      { group: 'Accounts', items: accountItems },
      { group: 'Groups', items: groupItems },
    ].filter((g) => g.items.length > 0);
  }, [accounts, groups, exclude, selfId]);
  return (
    <MultiSelect
      label={label}
      placeholder={loading ? 'Loading accounts and groups…' : value.length ? undefined : 'Search accounts and groups'}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      clearable
      nothingFoundMessage="No account or group with that name"
      maxDropdownHeight={280}
      disabled={loading}
      comboboxProps={{ withinPortal: true }}
      hidePickedOptions
    />
  );
}
