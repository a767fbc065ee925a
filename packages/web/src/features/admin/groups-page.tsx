import type { AdminGroup, GeneralRight } from '@openums/protocol';
import { Badge, Button, Group, NavLink, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { addGroupMembers, deleteAdminGroup, removeGroupMember, updateAdminGroup } from '../../api/admin-groups';
import type { Admin } from '../../api/admins';
import { isApiError } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { RenameDialog } from '../../components/rename-dialog';
import { plural } from '../../lib/format';
import { displayName } from './account-dialogs';
import { CreateGroupDialog } from './group-dialogs';
import { GeneralRightsField, sortRights } from './general-rights';
import { MemberPicker, memberKey, parseMemberKey } from './member-picker';
import { LoadError, Loading, PageHeader } from './page-states';
import { adminQueries, useAdminGroups, useAllAccounts } from './queries';

/** Administration › Groups: groups of administrators, their members and general rights. */
export function GroupsPage() {
  const groupsQuery = useAdminGroups();
  const accountsQuery = useAllAccounts();
  const [creating, setCreating] = useState(false);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const groups = [...(groupsQuery.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const accounts = accountsQuery.data ?? [];
  const selected = groups.find((g) => g.id === selectedId) ?? groups[0] ?? null;

  return (
    <Stack p="lg" gap="lg" maw={1400}>
      <PageHeader
        title="Groups"
        description="Members of a group hold its general rights. A group can contain accounts and other groups; the members of a nested group hold the rights of every group above it."
      >
        <Button onClick={() => setCreating(true)} disabled={!groupsQuery.data}>
          New group
        </Button>
      </PageHeader>
      {groupsQuery.isPending ? (
        <Loading what="groups" />
      ) : groupsQuery.isError && !groupsQuery.data ? (
        <LoadError what="groups" right="accountsAndAccess" error={groupsQuery.error} onRetry={() => void groupsQuery.refetch()} />
      ) : groups.length === 0 ? (
        <Paper withBorder p="xl" radius="sm" maw={760} data-testid="no-groups">
          <Stack gap="xs" align="flex-start">
            <Text fw={600}>No groups yet</Text>
            <Text size="sm" c="dimmed">
              Put administrators who do the same work in a group and give the group the rights they need, instead of giving each account its
              own. Groups imported from an LDAP domain appear here too.
            </Text>
            <Button onClick={() => setCreating(true)}>Create the first group</Button>
          </Stack>
        </Paper>
      ) : (
        <Group align="flex-start" gap="lg" wrap="nowrap">
          <Paper withBorder radius="sm" w={260} miw={200} py={4} component="nav" aria-label="Groups">
            {groups.map((g) => (
              <NavLink
                key={g.id}
                label={g.name}
                description={plural(g.members.length, 'member')}
                active={g.id === selected?.id}
                onClick={() => setSelectedId(g.id)}
                data-testid="group-item"
              />
            ))}
          </Paper>
          {selected && (
            <GroupDetail key={selected.id} group={selected} groups={groups} accounts={accounts} accountsError={accountsQuery.error} />
          )}
        </Group>
      )}
      {creating && (
        <CreateGroupDialog accounts={accounts} groups={groups} onClose={() => setCreating(false)} onCreated={(g) => setSelectedId(g.id)} />
      )}
    </Stack>
  );
}

interface GroupDetailProps {
  group: AdminGroup;
  groups: readonly AdminGroup[];
  accounts: readonly Admin[];
  accountsError: unknown;
}

function GroupDetail({ group, groups, accounts, accountsError }: GroupDetailProps) {
  const queryClient = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const refresh = (updated: AdminGroup) => {
    queryClient.setQueryData<{ items: AdminGroup[] }>(adminQueries.groups, (data) =>
      data ? { items: data.items.map((g) => (g.id === updated.id ? updated : g)) } : data,
    );
    void queryClient.invalidateQueries({ queryKey: adminQueries.groups });
  };

  return (
    <Paper withBorder p="md" radius="sm" style={{ flex: 1, minWidth: 0 }} maw={900} data-testid="group-detail">
      <Stack gap="lg">
        <Group justify="space-between" wrap="nowrap">
          <Title order={3} size="h4">
            {group.name}
          </Title>
          <Group gap="xs">
            <Button variant="default" size="xs" onClick={() => setRenaming(true)}>
              Rename
            </Button>
            <Button variant="subtle" color="red" size="xs" onClick={() => setDeleting(true)}>
              Delete group
            </Button>
          </Group>
        </Group>
        <MembersSection group={group} groups={groups} accounts={accounts} accountsError={accountsError} onChanged={refresh} />
        <RightsSection group={group} onChanged={refresh} />
      </Stack>
      {renaming && (
        <RenameDialog
          title="Rename group"
          label="Group name"
          what="Group"
          currentName={group.name}
          maxLength={128}
          save={(name) => updateAdminGroup(group.id, { name })}
          onSaved={refresh}
          onClose={() => setRenaming(false)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          opened
          title="Delete group"
          confirmLabel="Delete group"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await deleteAdminGroup(group.id);
            await queryClient.invalidateQueries({ queryKey: adminQueries.groups });
          }}
          onDone={() => notifySuccess(`Group ${group.name} deleted`)}
        >
          Delete the group <b>{group.name}</b>? Its {plural(group.members.length, 'member')} stay but lose the rights they held through it,
          from their next request.
        </ConfirmDialog>
      )}
    </Paper>
  );
}

function MembersSection({ group, groups, accounts, accountsError, onChanged }: GroupDetailProps & { onChanged: (g: AdminGroup) => void }) {
  const [adding, setAdding] = useState<string[]>([]);
  const add = useMutation({
    mutationFn: () => addGroupMembers(group.id, adding.map(parseMemberKey)),
    onSuccess: (updated) => {
      setAdding([]);
      onChanged(updated);
      notifySuccess(`${plural(adding.length, 'member')} added to ${group.name}`);
    },
  });
  const remove = useMutation({
    mutationFn: (m: { type: 'admin' | 'group'; id: number }) => removeGroupMember(group.id, m),
    onSuccess: onChanged,
    onError: (error) => notifyError('Could not remove the member', error),
  });
  const accountName = (id: number) => {
    const a = accounts.find((x) => x.id === id);
    return a ? displayName(a) : `Account #${id}`;
  };
  const groupName = (id: number) => groups.find((g) => g.id === id)?.name ?? `Group #${id}`;
  const members = [...group.members]
    .map((m) => ({ ...m, type: m.type === 'group' ? ('group' as const) : ('admin' as const) }))
    .map((m) => ({ ...m, name: m.type === 'group' ? groupName(m.id) : accountName(m.id) }))
    .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'admin' ? -1 : 1));

  return (
    <Stack gap="xs">
      <Title order={4} size="h5">
        Members
      </Title>
      {members.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="no-members">
          No members yet. Add accounts or other groups below.
        </Text>
      ) : (
        <Table fz="sm" verticalSpacing={4} aria-label={`Members of ${group.name}`}>
          <Table.Tbody>
            {members.map((m) => (
              <Table.Tr key={memberKey(m)} data-testid="member-row">
                <Table.Td w={100}>
                  <Badge variant="light" color={m.type === 'group' ? 'violet' : 'blue'} size="sm" tt="none">
                    {m.type === 'group' ? 'Group' : 'Account'}
                  </Badge>
                </Table.Td>
                <Table.Td>{m.name}</Table.Td>
                <Table.Td w={90} align="right">
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    loading={remove.isPending && remove.variables?.id === m.id && remove.variables.type === m.type}
                    onClick={() => remove.mutate({ type: m.type, id: m.id })}
                    aria-label={`Remove ${m.name} from ${group.name}`}
                  >
                    Remove
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {accountsError ? <ErrorAlert title="Cannot load the accounts to choose from" error={accountsError} /> : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (adding.length && !add.isPending) add.mutate();
        }}
      >
        <Group align="flex-end" gap="xs" wrap="nowrap">
          <div style={{ flex: 1 }}>
            <MemberPicker
              accounts={accounts}
              groups={groups}
              exclude={group.members}
              selfId={group.id}
              value={adding}
              onChange={(v) => {
                add.reset();
                setAdding(v);
              }}
            />
          </div>
          <Button type="submit" disabled={!adding.length} loading={add.isPending}>
            Add
          </Button>
        </Group>
      </form>
      {add.error && <AddMembersError error={add.error} group={group} groups={groups} />}
    </Stack>
  );
}

/** A loop is explained with the groups' names; other failures as the server says them. */
function AddMembersError({ error, group, groups }: { error: unknown; group: AdminGroup; groups: readonly AdminGroup[] }) {
  if (isApiError(error, 'GROUP_CYCLE')) {
    const details = (error.details ?? {}) as { memberGroupId?: number };
    const member = groups.find((g) => g.id === details.memberGroupId)?.name;
    return (
      <ErrorAlert
        title="This would put the group inside itself"
        error={
          new Error(
            `${member ? `“${member}”` : 'A chosen group'} already contains “${group.name}”, directly or through other groups. ` +
              'Adding it would make a loop, so nothing was added. Remove the chosen group or take the nesting apart first.',
          )
        }
      />
    );
  }
  return <ErrorAlert title="Could not add the members" error={error} />;
}

function RightsSection({ group, onChanged }: { group: AdminGroup; onChanged: (g: AdminGroup) => void }) {
  const [draft, setDraft] = useState<GeneralRight[] | null>(null);
  const stored = sortRights(group.generalRights);
  const value = draft ?? stored;
  const dirty = draft !== null && draft.join() !== stored.join();
  const save = useMutation({
    mutationFn: () => updateAdminGroup(group.id, { generalRights: value }),
    onSuccess: (updated) => {
      setDraft(null);
      onChanged(updated);
      notifySuccess(`Rights of ${group.name} saved`);
    },
  });
  return (
    <Stack gap="xs">
      <GeneralRightsField value={value} onChange={setDraft} label="General rights of the members" />
      {save.error && <ErrorAlert title="Could not save the rights" error={save.error} />}
      <Group justify="flex-end" gap="xs">
        <Button variant="default" disabled={!dirty} onClick={() => setDraft(null)}>
          Discard changes
        </Button>
        <Button disabled={!dirty} loading={save.isPending} onClick={() => save.mutate()}>
          Save rights
        </Button>
      </Group>
    </Stack>
  );
}
