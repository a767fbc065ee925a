import type { AdminGroup, GeneralRight } from '@openums/protocol';
import { TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createAdminGroup } from '../../api/admin-groups';
import type { Admin } from '../../api/admins';
import { FormDialog } from '../../components/form-dialog';
import { notifySuccess } from '../../components/notify';
import { GeneralRightsField } from './general-rights';
import { MemberPicker, parseMemberKey } from './member-picker';
import { adminQueries } from './queries';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

export function groupNameProblem(name: string): string | null {
  if (!name.trim()) return 'Enter a name.';
  if (name.length > 128) return 'At most 128 characters.';
  return CONTROL.test(name) ? 'No control characters.' : null;
}

export function CreateGroupDialog({
  accounts,
  groups,
  onClose,
  onCreated,
}: {
  accounts: readonly Admin[];
  groups: readonly AdminGroup[];
  onClose: () => void;
  onCreated: (group: AdminGroup) => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [rights, setRights] = useState<GeneralRight[]>([]);
  return (
    <FormDialog
      opened
      title="New group"
      submitLabel="Create group"
      size="lg"
      onClose={onClose}
      submitDisabled={groupNameProblem(name) !== null}
      onSubmit={async () => {
        const created = await createAdminGroup({ name: name.trim(), members: members.map(parseMemberKey), generalRights: rights });
        await queryClient.invalidateQueries({ queryKey: adminQueries.groups });
        return created;
      }}
      onDone={(created) => {
        notifySuccess(`Group ${created.name} created`);
        onCreated(created);
      }}
    >
      <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={128} data-autofocus required />
      <MemberPicker label="Members" accounts={accounts} groups={groups} exclude={[]} value={members} onChange={setMembers} />
      <GeneralRightsField value={rights} onChange={setRights} label="General rights of the members" />
    </FormDialog>
  );
}
