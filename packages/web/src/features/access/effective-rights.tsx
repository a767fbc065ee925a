import { OBJECT_RIGHTS, type AccessNodeRef } from '@openums/protocol';
import { Alert, Group, Loader, Select, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { useSession } from '../auth/session';
import { useEffectiveAccess, useNodeNames } from './queries';
import { OBJECT_NOUNS, reasonText, RIGHT_LABELS } from './rights-labels';

interface EffectiveRightsProps {
  object: AccessNodeRef;
  accounts: { id: number; name: string; superuser: boolean }[] | undefined;
  groupName: (id: number) => string;
  /** The list shown has changes that are not saved (effective rights are the saved list's). */
  unsaved: boolean;
}

/** Pick an account: each right allowed or denied on the object, and which entry decided it. */
export function EffectiveRights({ object, accounts, groupName, unsaved }: EffectiveRightsProps) {
  const me = useSession().data?.user;
  // Without the account list (it needs a general right), you can still ask about yourself.
  const options = accounts ?? (me ? [{ id: me.id, name: me.username, superuser: false }] : []);
  const [adminId, setAdminId] = useState<number | null>(null);
  const query = useEffectiveAccess(object, adminId);
  const names = useNodeNames(object.type, groupName);

  return (
    <Stack gap="sm">
      <Select
        label="Account"
        description={`Every right this account has on this ${OBJECT_NOUNS[object.type]}, and the entry that decides it.`}
        placeholder="Pick an account"
        searchable
        maw={360}
        data={options.map((a) => ({ value: String(a.id), label: a.name }))}
        value={adminId === null ? null : String(adminId)}
        onChange={(v) => setAdminId(v ? Number(v) : null)}
        nothingFoundMessage="No account by that name"
        comboboxProps={{ withinPortal: true }}
      />
      {!accounts && (
        <Text size="xs" c="dimmed">
          Only your own account is offered: listing accounts needs the Accounts and access general right.
        </Text>
      )}
      {unsaved && (
        <Alert color="yellow" p="xs">
          These are the rights of the saved list. Save your changes to see their effect.
        </Alert>
      )}
      {adminId !== null && query.isPending && (
        <Group gap="xs">
          <Loader size="xs" />
          <Text size="sm">Working out the rights…</Text>
        </Group>
      )}
      {query.isError && <ErrorAlert title="Cannot work out the rights" error={query.error} />}
      {query.data && (
        <Table verticalSpacing={4} aria-label="Effective rights" data-testid="effective-rights">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={200}>Right</Table.Th>
              <Table.Th>Result and why</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {OBJECT_RIGHTS.map((right) => {
              const effective = query.data.rights[right];
              const notSet = effective.reason.kind === 'not-set';
              return (
                <Table.Tr key={right} data-testid={`effective-${right}`} data-allowed={effective.allowed}>
                  <Table.Td>
                    <Text size="sm">{RIGHT_LABELS[right]}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Text span size="sm" fw={700} c={effective.allowed ? 'teal.7' : notSet ? 'gray.6' : 'red.7'} aria-hidden>
                        {effective.allowed ? '✓' : notSet ? '–' : '✕'}
                      </Text>
                      <Text size="sm" c={notSet ? 'dimmed' : undefined}>
                        {reasonText(effective, object, names)}
                      </Text>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {query.data && (
        <Text size="xs" c="dimmed">
          Not set: no entry on this {OBJECT_NOUNS[object.type]} or a folder above allows or denies it, so it is refused. A deny on a folder
          above cannot be lifted further down.
        </Text>
      )}
    </Stack>
  );
}
