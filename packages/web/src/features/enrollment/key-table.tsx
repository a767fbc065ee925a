import type { EnrollmentKey } from '@openums/protocol';
import { Badge, Button, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { deleteEnrollmentKey, setEnrollmentKeyDisabled } from '../../api/enrollment';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { formatDateTime, formatShortDateTime } from '../../lib/format';
import { useAllFolders } from '../devices/queries';
import { enrollmentKeys, removeEnrollmentKey, storeEnrollmentKey, useEnrollmentKeys } from './queries';

const STATUS_COLOR: Record<string, string> = { usable: 'green', used: 'gray', expired: 'orange', disabled: 'red' };
const STATUS_LABEL: Record<string, string> = { usable: 'Usable', used: 'Used up', expired: 'Expired', disabled: 'Disabled' };

/** The server's prefix, marked as the start of a longer key. */
export function displayPrefix(prefix: string): string {
  return prefix.endsWith('…') ? prefix : `${prefix}…`;
}

export function EnrollmentKeyTable() {
  const query = useEnrollmentKeys();
  const folders = useAllFolders();
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const [deleting, setDeleting] = useState<EnrollmentKey | null>(null);
  const queryClient = useQueryClient();

  if (query.isPending) {
    return (
      <Group gap="xs" p="md">
        <Loader size="xs" />
        <Text size="sm">Loading enrollment keys…</Text>
      </Group>
    );
  }
  if (query.isError && !query.data) {
    return (
      <Stack p="md" gap="xs">
        <ErrorAlert title="Cannot load enrollment keys" error={query.error} />
        <Button variant="default" w="fit-content" onClick={() => void query.refetch()}>
          Try again
        </Button>
      </Stack>
    );
  }
  if (rows.length === 0) {
    return (
      <Text c="dimmed" size="sm" p="md" data-testid="no-keys">
        No enrollment keys yet. Create one to enroll devices.
      </Text>
    );
  }

  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={1000}>
        <Table
          striped
          highlightOnHover
          fz="sm"
          verticalSpacing={6}
          aria-label="Enrollment keys"
          data-testid="key-table"
          style={{ whiteSpace: 'nowrap' }}
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Key</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Uses</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th>Folder</Table.Th>
              <Table.Th>Comment</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th aria-label="Actions" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((key) => (
              <Table.Tr key={key.id} data-testid="key-row" data-key-id={key.id}>
                <Table.Td title={`Created ${formatDateTime(key.createdAt)}`}>
                  <Text ff="monospace" size="sm" data-testid="key-prefix">
                    {displayPrefix(key.prefix)}
                  </Text>
                  {key.unitId && (
                    <Text size="xs" c="dimmed" ff="monospace" title="Only the device with this unit ID can use the key">
                      unit {key.unitId}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{key.type === 'mass' ? 'Mass' : 'One-time'}</Table.Td>
                <Table.Td miw={100}>
                  <Badge color={STATUS_COLOR[key.status] ?? 'gray'} variant="light" data-testid="key-status">
                    {STATUS_LABEL[key.status] ?? key.status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {key.uses.toLocaleString()} / {key.maxUses === null ? '∞' : key.maxUses.toLocaleString()}
                </Table.Td>
                <Table.Td title={formatDateTime(key.expiresAt, 'Never')}>{formatShortDateTime(key.expiresAt, undefined, 'Never')}</Table.Td>
                <Table.Td
                  maw={200}
                  style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}
                  title={key.folderId === null ? undefined : folders.index.path(key.folderId)}
                >
                  {key.folderId === null ? 'Top level' : folders.index.path(key.folderId)}
                </Table.Td>
                <Table.Td maw={240} style={{ overflow: 'hidden', textOverflow: 'ellipsis' }} title={key.comment ?? undefined}>
                  {key.comment ?? '—'}
                </Table.Td>
                <Table.Td title={formatDateTime(key.lastUsedAt, 'Never')}>
                  {formatShortDateTime(key.lastUsedAt, undefined, 'Never')}
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <ToggleDisabledButton enrollmentKey={key} />
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => setDeleting(key)}
                      aria-label={`Delete key ${displayPrefix(key.prefix)}`}
                    >
                      Delete
                    </Button>
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
          Load more keys
        </Button>
      )}
      {deleting && (
        <ConfirmDialog
          opened
          title="Delete enrollment key"
          confirmLabel="Delete key"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await deleteEnrollmentKey(deleting.id);
            removeEnrollmentKey(queryClient, deleting.id);
            void queryClient.invalidateQueries({ queryKey: enrollmentKeys.keys });
          }}
          onDone={() => notifySuccess(`Key ${displayPrefix(deleting.prefix)} deleted`)}
        >
          Delete the {deleting.type === 'mass' ? 'mass' : 'one-time'} key <b>{displayPrefix(deleting.prefix)}</b>
          {deleting.comment ? ` (${deleting.comment})` : ''}? Devices can no longer enroll with it. Devices already enrolled with it stay
          enrolled.
        </ConfirmDialog>
      )}
    </Stack>
  );
}

function ToggleDisabledButton({ enrollmentKey }: { enrollmentKey: EnrollmentKey }) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: () => setEnrollmentKeyDisabled(enrollmentKey.id, !enrollmentKey.disabled),
    onSuccess: (updated) => {
      if (updated && typeof updated === 'object' && 'id' in updated) storeEnrollmentKey(queryClient, updated);
      void queryClient.invalidateQueries({ queryKey: enrollmentKeys.keys });
    },
    onError: (error) => notifyError(enrollmentKey.disabled ? 'Could not enable the key' : 'Could not disable the key', error),
  });
  const canEnable = enrollmentKey.disabled;
  return (
    <Button
      size="compact-xs"
      variant="subtle"
      color={canEnable ? 'teal' : 'gray'}
      loading={toggle.isPending}
      onClick={() => toggle.mutate()}
      aria-label={`${canEnable ? 'Enable' : 'Disable'} key ${displayPrefix(enrollmentKey.prefix)}`}
    >
      {canEnable ? 'Enable' : 'Disable'}
    </Button>
  );
}
