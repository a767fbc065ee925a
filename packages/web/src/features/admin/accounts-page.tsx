import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { deleteAdmin, updateAdmin, type Admin } from '../../api/admins';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { notifyError, notifySuccess } from '../../components/notify';
import { formatDateTime, formatShortDateTime } from '../../lib/format';
import { useSession } from '../auth/session';
import { CreateAccountDialog, displayName, EditAccountDialog, ResetPasswordDialog } from './account-dialogs';
import { ApiTokensDialog } from './api-tokens-dialog';
import { RightsBadges } from './general-rights';
import { LoadError, Loading, PageHeader } from './page-states';
import { PasswordPolicyCard } from './password-policy-card';
import { useAccounts } from './queries';

type Open = { kind: 'edit' | 'password' | 'tokens' | 'delete'; account: Admin } | { kind: 'create' } | null;

/** Administration › Accounts: administrators, their general rights, passwords and API tokens. */
export function AccountsPage() {
  const [open, setOpen] = useState<Open>(null);
  const queryClient = useQueryClient();
  const close = () => setOpen(null);

  return (
    <Stack p="lg" gap="lg" maw={1400}>
      <PageHeader
        title="Accounts"
        description="The administrators who sign in to OpenUMS. General rights decide which parts of Administration an account may use; groups add their rights to their members'."
      >
        <Button onClick={() => setOpen({ kind: 'create' })}>New account</Button>
      </PageHeader>
      <AccountTable onOpen={setOpen} />
      <PasswordPolicyCard />
      {open?.kind === 'create' && <CreateAccountDialog onClose={close} />}
      {open?.kind === 'edit' && <EditAccountDialog account={open.account} onClose={close} />}
      {open?.kind === 'password' && <ResetPasswordDialog account={open.account} onClose={close} />}
      {open?.kind === 'tokens' && <ApiTokensDialog account={open.account} onClose={close} />}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          opened
          title="Delete account"
          confirmLabel="Delete account"
          onClose={close}
          onConfirm={async () => {
            await deleteAdmin(open.account.id);
            await queryClient.invalidateQueries({ queryKey: ['admins'] });
            void queryClient.invalidateQueries({ queryKey: ['admin-groups'] });
          }}
          onDone={() => notifySuccess(`Account ${displayName(open.account)} deleted`)}
        >
          Delete <b>{displayName(open.account)}</b>? Its sessions and API tokens stop working at once, and it leaves every group. The audit
          log keeps its name. To keep the account for later, disable it instead.
        </ConfirmDialog>
      )}
    </Stack>
  );
}

function AccountTable({ onOpen }: { onOpen: (open: Open) => void }) {
  const query = useAccounts();
  const me = useSession().data?.user.id;
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);

  if (query.isPending) return <Loading what="accounts" />;
  if (query.isError && !query.data) {
    return <LoadError what="accounts" right="accountsAndAccess" error={query.error} onRetry={() => void query.refetch()} />;
  }
  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={960}>
        <Table striped highlightOnHover fz="sm" verticalSpacing={6} aria-label="Accounts" data-testid="account-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>User name</Table.Th>
              <Table.Th>Sign-in</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>General rights</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th aria-label="Actions" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a) => (
              <Table.Tr key={a.id} data-testid="account-row" data-username={a.username} data-disabled={a.disabled || undefined}>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" fw={600}>
                      {a.username}
                    </Text>
                    {a.id === me && (
                      <Badge size="xs" variant="outline">
                        You
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>{a.domain ? `Directory (${a.domain})` : 'Local password'}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={a.disabled ? 'red' : 'green'} data-testid="account-status">
                    {a.disabled ? 'Disabled' : 'Enabled'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <RightsBadges rights={a.generalRights} all={a.superuser} />
                </Table.Td>
                <Table.Td title={formatDateTime(a.createdAt)} style={{ whiteSpace: 'nowrap' }}>
                  {formatShortDateTime(a.createdAt)}
                </Table.Td>
                <Table.Td>
                  <Group gap={2} wrap="nowrap">
                    <RowButton label="Edit" name={a} onClick={() => onOpen({ kind: 'edit', account: a })} />
                    {a.domain === null && (
                      <RowButton label="Reset password" name={a} onClick={() => onOpen({ kind: 'password', account: a })} />
                    )}
                    <RowButton label="API tokens" name={a} onClick={() => onOpen({ kind: 'tokens', account: a })} />
                    {a.id !== me && <ToggleDisabledButton account={a} />}
                    {a.id !== me && (
                      <RowButton label="Delete" name={a} color="red" onClick={() => onOpen({ kind: 'delete', account: a })} />
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {query.hasNextPage && (
        <Button
          variant="subtle"
          size="compact-sm"
          w="fit-content"
          loading={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        >
          Load more accounts
        </Button>
      )}
    </Stack>
  );
}

function RowButton({ label, name, color, onClick }: { label: string; name: Admin; color?: string; onClick: () => void }) {
  return (
    <Button size="compact-xs" variant="subtle" color={color ?? 'gray'} onClick={onClick} aria-label={`${label}: ${displayName(name)}`}>
      {label}
    </Button>
  );
}

function ToggleDisabledButton({ account }: { account: Admin }) {
  const queryClient = useQueryClient();
  const enable = account.disabled;
  const toggle = useMutation({
    mutationFn: () => updateAdmin(account.id, { disabled: !account.disabled }),
    onSuccess: (updated) => {
      notifySuccess(`Account ${displayName(updated)} ${updated.disabled ? 'disabled' : 'enabled'}`);
      void queryClient.invalidateQueries({ queryKey: ['admins'] });
    },
    onError: (error) => notifyError(enable ? 'Could not enable the account' : 'Could not disable the account', error),
  });
  return (
    <Button
      size="compact-xs"
      variant="subtle"
      color={enable ? 'teal' : 'gray'}
      loading={toggle.isPending}
      onClick={() => toggle.mutate()}
      aria-label={`${enable ? 'Enable' : 'Disable'}: ${displayName(account)}`}
      title={enable ? undefined : 'The account can no longer sign in; its sessions and API tokens are refused'}
    >
      {enable ? 'Enable' : 'Disable'}
    </Button>
  );
}
