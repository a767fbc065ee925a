import { Alert, Badge, Button, Code, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createApiToken, revokeApiToken, type Admin, type ApiToken, type CreatedApiToken } from '../../api/admins';
import { CopyIcon } from '../../components/copy-icon';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { formatDateTime, formatShortDateTime } from '../../lib/format';
import { displayName } from './account-dialogs';
import { adminQueries, useApiTokens } from './queries';

const STATUS_COLOR: Record<string, string> = { active: 'green', expired: 'orange', revoked: 'gray' };
const STATUS_LABEL: Record<string, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };
/** The start of the token as it is written (the server answers `oat_<12 hex>`): `oat_<12 hex>_…`. */
export const tokenPrefix = (t: Pick<ApiToken, 'prefix'>) => `${t.prefix.startsWith('oat_') ? t.prefix : `oat_${t.prefix}`}_…`;

const VALIDITY = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Does not expire' },
];

/** An account's API tokens: list, create (the token is shown once), revoke. */
export function ApiTokensDialog({ account, onClose }: { account: Admin; onClose: () => void }) {
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  return (
    <Modal
      opened
      onClose={created ? () => {} : onClose}
      withCloseButton={!created}
      closeOnClickOutside={!created}
      closeOnEscape={!created}
      title={created ? 'API token created' : `API tokens of ${displayName(account)}`}
      centered
      size="xl"
    >
      {created ? <CreatedToken token={created} onDone={() => setCreated(null)} /> : <TokenList account={account} onCreated={setCreated} />}
    </Modal>
  );
}

function TokenList({ account, onCreated }: { account: Admin; onCreated: (t: CreatedApiToken) => void }) {
  const query = useApiTokens(account.id);
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [validity, setValidity] = useState('90');
  const create = useMutation({
    mutationFn: () =>
      createApiToken(account.id, {
        name: name.trim(),
        expiresAt: validity === 'never' ? null : new Date(Date.now() + Number(validity) * 86_400_000).toISOString(),
      }),
    onSuccess: (token) => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: adminQueries.tokens(account.id) });
      onCreated(token);
    },
  });
  const tokens = query.data?.items ?? [];

  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Scripts and other programs use a token instead of a password: <Code>Authorization: Bearer oat_…</Code>. A token acts with this
        account's rights and stops working when it expires, is revoked, or the account is disabled.
      </Text>
      {query.isPending ? (
        <Text size="sm">Loading tokens…</Text>
      ) : query.isError ? (
        <ErrorAlert title="Cannot load the tokens" error={query.error} />
      ) : tokens.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="no-tokens">
          This account has no API tokens.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table fz="sm" striped aria-label="API tokens" style={{ whiteSpace: 'nowrap' }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Token</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th aria-label="Actions" />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.map((t) => (
                <TokenRow key={t.id} adminId={account.id} token={t} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() && !create.isPending) create.mutate();
        }}
      >
        <Stack gap="xs">
          <Text size="sm" fw={600}>
            New token
          </Text>
          <Group align="flex-end" gap="xs">
            <TextInput
              label="Name"
              placeholder="e.g. inventory script"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              maxLength={128}
              style={{ flex: 1 }}
            />
            <Select
              label="Valid for"
              data={VALIDITY}
              value={validity}
              onChange={(v) => setValidity(v ?? '90')}
              allowDeselect={false}
              w={170}
            />
            <Button type="submit" disabled={!name.trim()} loading={create.isPending}>
              Create token
            </Button>
          </Group>
          {create.error && <ErrorAlert title="Could not create the token" error={create.error} />}
        </Stack>
      </form>
    </Stack>
  );
}

function TokenRow({ adminId, token }: { adminId: number; token: ApiToken }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: () => revokeApiToken(adminId, token.id),
    onSuccess: () => {
      setConfirming(false);
      notifySuccess(`Token ${token.name} revoked`);
      void queryClient.invalidateQueries({ queryKey: adminQueries.tokens(adminId) });
    },
    onError: (error) => notifyError('Could not revoke the token', error),
  });
  return (
    <Table.Tr data-testid="token-row">
      <Table.Td maw={220} style={{ overflow: 'hidden', textOverflow: 'ellipsis' }} title={token.name}>
        {token.name}
      </Table.Td>
      <Table.Td ff="monospace" title={`Created ${formatDateTime(token.createdAt)}`}>
        {tokenPrefix(token)}
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={STATUS_COLOR[token.status] ?? 'gray'}>
          {STATUS_LABEL[token.status] ?? token.status}
        </Badge>
      </Table.Td>
      <Table.Td title={formatDateTime(token.expiresAt, 'Never')}>{formatShortDateTime(token.expiresAt, undefined, 'Never')}</Table.Td>
      <Table.Td title={formatDateTime(token.lastUsedAt, 'Never')}>{formatShortDateTime(token.lastUsedAt, undefined, 'Never')}</Table.Td>
      <Table.Td>
        {token.status === 'active' &&
          (confirming ? (
            <Group gap={4} wrap="nowrap">
              <Button size="compact-xs" color="red" loading={revoke.isPending} onClick={() => revoke.mutate()}>
                Revoke now
              </Button>
              <Button size="compact-xs" variant="default" onClick={() => setConfirming(false)}>
                Keep
              </Button>
            </Group>
          ) : (
            <Button
              size="compact-xs"
              variant="subtle"
              color="red"
              onClick={() => setConfirming(true)}
              aria-label={`Revoke token ${token.name}`}
            >
              Revoke
            </Button>
          ))}
      </Table.Td>
    </Table.Tr>
  );
}

/** The new token, once. The dialog closes only through the button, so a stray click cannot lose it. */
function CreatedToken({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  return (
    <Stack>
      <Alert color="orange" title="Copy the token now: it is shown only this once" data-testid="secret-warning">
        The server keeps only a hash of the token. After you close this window nobody can show it again; a lost token can only be revoked
        and replaced by a new one. Treat it like a password.
      </Alert>
      <Text size="sm" fw={600}>
        {token.name}
        {token.expiresAt ? `, valid until ${formatDateTime(token.expiresAt)}` : ', does not expire'}
      </Text>
      <Group gap={6} wrap="nowrap" align="flex-start">
        <Code block style={{ flex: 1, overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }} data-testid="api-token">
          {token.token}
        </Code>
        <CopyIcon value={token.token} label="Copy token" />
      </Group>
      <Text size="xs" c="dimmed">
        Send it as <Code>Authorization: Bearer {tokenPrefix(token)}</Code> with every request.
      </Text>
      <Group justify="flex-end">
        <Button onClick={onDone}>I have saved the token</Button>
      </Group>
    </Stack>
  );
}
