import { NOTIFICATION_KINDS, type Notification, type NotificationKind, type NotificationPreferences } from '@openums/protocol';
import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  Group,
  Indicator,
  Modal,
  Popover,
  ScrollArea,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import {
  countNotifications,
  getNotificationPreferences,
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  putNotificationPreferences,
} from '../../api/notifications';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';

const KEY = ['notifications'] as const;
/** The checks run every few minutes; the bell asks once a minute (and on focus). */
const POLL_MS = 60_000;

export const KIND_LABELS: Record<NotificationKind, string> = {
  certificateExpiry: 'Server certificates expiring',
  deviceCertificateExpiry: 'Device certificates expiring',
  diskSpace: 'Disk space of the data directory',
  serverSkew: 'Server version or clock skew',
  missedHeartbeats: 'Devices that stopped reporting',
  jobFailures: 'Job runs with failures',
  missingAdminTask: 'Missing administrative tasks',
};
const SEVERITY_COLOR = { info: 'blue', warning: 'orange', critical: 'red' } as const;

function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/** The header's bell: how many current conditions you have not read; opens the list. */
export function NotificationBell() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const [prefsOpen, prefs] = useDisclosure(false);
  const count = useQuery({ queryKey: [...KEY, 'count'], queryFn: ({ signal }) => countNotifications(signal), refetchInterval: POLL_MS });
  const unread = count.data?.unread ?? 0;
  return (
    <>
      <Popover opened={opened} onChange={(o) => !o && close()} position="bottom-end" width={420} shadow="md" withinPortal>
        <Popover.Target>
          <Indicator label={unread} size={16} disabled={unread === 0} color="red" offset={4}>
            <ActionIcon
              variant="subtle"
              color="gray"
              onClick={toggle}
              aria-label={unread ? `Notifications: ${unread} unread` : 'Notifications'}
              data-testid="notification-bell"
            >
              <BellIcon />
            </ActionIcon>
          </Indicator>
        </Popover.Target>
        <Popover.Dropdown p={0}>
          {opened && (
            <NotificationList
              onPreferences={() => {
                close();
                prefs.open();
              }}
            />
          )}
        </Popover.Dropdown>
      </Popover>
      <Modal opened={prefsOpen} onClose={prefs.close} title="Notification settings" size="lg">
        {prefsOpen && <PreferencesForm onDone={prefs.close} />}
      </Modal>
    </>
  );
}

function NotificationList({ onPreferences }: { onPreferences: () => void }) {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: [...KEY, 'list'], queryFn: ({ signal }) => listNotifications({ limit: 50 }, signal) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: KEY });
  const read = useMutation({ mutationFn: (id: number) => markNotificationRead(id), onSuccess: refresh });
  const readAll = useMutation({ mutationFn: markAllNotificationsRead, onSuccess: refresh });
  const items: Notification[] = list.data?.items ?? [];
  return (
    <Stack gap={0} role="region" aria-label="Notifications">
      <Group justify="space-between" px="sm" py={8} style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
        <Text fw={600} size="sm">
          Notifications
        </Text>
        <Group gap={4}>
          <Button size="compact-xs" variant="subtle" onClick={() => readAll.mutate()} disabled={!items.some((n) => !n.read)}>
            Mark all read
          </Button>
          <Button size="compact-xs" variant="subtle" onClick={onPreferences}>
            Settings
          </Button>
        </Group>
      </Group>
      {list.isError && <ErrorAlert title="Cannot load notifications" error={list.error} />}
      <ScrollArea.Autosize mah={420}>
        {list.isPending ? (
          <Text size="sm" c="dimmed" p="sm">
            Loading…
          </Text>
        ) : items.length === 0 ? (
          <Text size="sm" c="dimmed" p="sm" data-testid="no-notifications">
            Nothing needs your attention.
          </Text>
        ) : (
          items.map((n) => (
            <UnstyledButton
              key={n.id}
              onClick={() => !n.read && read.mutate(n.id)}
              px="sm"
              py={8}
              w="100%"
              data-testid="notification"
              data-read={n.read}
              style={{
                borderBottom: '1px solid var(--mantine-color-gray-2)',
                background: n.read ? undefined : 'var(--mantine-color-blue-0)',
              }}
            >
              <Group gap={6} wrap="nowrap" align="flex-start">
                <Badge size="xs" color={SEVERITY_COLOR[n.severity]} variant="light" mt={2}>
                  {n.severity}
                </Badge>
                <Stack gap={2} style={{ minWidth: 0 }}>
                  <Text size="sm" fw={n.read ? 400 : 600}>
                    {n.title}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {n.message}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {KIND_LABELS[n.kind]} · since {new Date(n.createdAt).toLocaleString()}
                  </Text>
                </Stack>
              </Group>
            </UnstyledButton>
          ))
        )}
      </ScrollArea.Autosize>
    </Stack>
  );
}

function PreferencesForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: [...KEY, 'preferences'], queryFn: ({ signal }) => getNotificationPreferences(signal) });
  const [d, setD] = useState<NotificationPreferences>({ mailTo: null, kinds: {} });
  useEffect(() => {
    if (query.data) setD(query.data);
  }, [query.data]);
  const save = useMutation({
    mutationFn: () => putNotificationPreferences(d),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: KEY });
      notifySuccess('Notification settings saved');
      onDone();
    },
  });
  const choice = (k: NotificationKind) => ({ show: d.kinds[k]?.show ?? true, mail: d.kinds[k]?.mail ?? false });
  const setChoice = (k: NotificationKind, patch: Partial<{ show: boolean; mail: boolean }>) =>
    setD((prev) => ({ ...prev, kinds: { ...prev.kinds, [k]: { ...choice(k), ...patch } } }));
  const mailWanted = NOTIFICATION_KINDS.some((k) => choice(k).mail);
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Which conditions your notification centre shows, and which are mailed to you when they arise (sent through Administration › Mail).
      </Text>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Show</Table.Th>
            <Table.Th>Mail</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {NOTIFICATION_KINDS.map((k) => (
            <Table.Tr key={k}>
              <Table.Td>{KIND_LABELS[k]}</Table.Td>
              <Table.Td>
                <Checkbox
                  aria-label={`Show: ${KIND_LABELS[k]}`}
                  checked={choice(k).show}
                  onChange={(e) => setChoice(k, { show: e.currentTarget.checked })}
                />
              </Table.Td>
              <Table.Td>
                <Checkbox
                  aria-label={`Mail: ${KIND_LABELS[k]}`}
                  checked={choice(k).mail}
                  onChange={(e) => setChoice(k, { mail: e.currentTarget.checked })}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <TextInput
        label="Mail to"
        placeholder="you@example.com"
        value={d.mailTo ?? ''}
        onChange={(e) => {
          // Read now: React clears the event's currentTarget before a state updater runs.
          const mailTo = e.currentTarget.value.trim() || null;
          setD((prev) => ({ ...prev, mailTo }));
        }}
        error={mailWanted && !d.mailTo ? 'An address is needed for the kinds chosen for mail' : undefined}
      />
      {save.isError && <ErrorAlert title="Not saved" error={save.error} />}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={mailWanted && !d.mailTo}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}
