import { Badge, Button, Code, Group, Loader, Stack, Switch, Table, Text, UnstyledButton } from '@mantine/core';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useMemo, useState } from 'react';
import { clearCommLog, getCommLog, putCommLogSwitch, type CommLogEntry, type CommLogSwitch } from '../../api/device-comm-log';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { formatDateTime } from '../../lib/format';
import { GatedButton } from '../access/gated-button';
import type { MyRightsCheck } from '../access/use-my-rights';

export const commLogKeys = { log: (deviceId: number) => ['devices', 'comm-log', deviceId] as const };

// Seconds matter here: a command, its ack and its result are usually within one minute.
const withSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : withSeconds.format(date);
}

/** "512 B", "8.0 KiB". */
export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

/** The payload indented when it is whole JSON; a cut payload as stored. */
function prettyPayload(e: CommLogEntry): string {
  if (e.payload === undefined) return '';
  if (e.truncated) return e.payload;
  try {
    return JSON.stringify(JSON.parse(e.payload), null, 2);
  } catch {
    return e.payload;
  }
}

/**
 * The device's communication log (docs/logging.md#device-communication-log): the switch (needs
 * write on the device), whether payloads are kept, and the messages in and out, newest first,
 * a page at a time; a row with a payload opens to show it.
 */
export function CommLogPanel({ deviceId, rights }: { deviceId: number; rights: MyRightsCheck }) {
  const queryClient = useQueryClient();
  const queryKey = commLogKeys.log(deviceId);
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam, signal }) => getCommLog(deviceId, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirmClear, setConfirmClear] = useState(false);
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());

  if (query.isPending) {
    return (
      <Group gap="xs" p="xs">
        <Loader size="xs" />
        <Text size="sm">Loading the communication log…</Text>
      </Group>
    );
  }
  if (query.isError && !query.data) return <ErrorAlert title="Cannot load the communication log" error={query.error} />;
  const state = query.data.pages[0]!;
  const mayWrite = rights.can('write');
  const missing = rights.missing('write');

  const change = async (next: CommLogSwitch) => {
    setSaving(true);
    setError(null);
    try {
      await putCommLogSwitch(deviceId, next);
      await queryClient.invalidateQueries({ queryKey });
      notifySuccess(next.enabled ? 'Communication log on' : 'Communication log off');
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  const toggle = (id: number) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <Stack gap="sm" data-testid="comm-log-panel">
      {error !== null && <ErrorAlert title="Switch not changed" error={error} />}
      <Group gap="lg" align="center">
        <Switch
          label="Log communication"
          checked={state.enabled}
          disabled={!mayWrite || saving}
          onChange={(e) => void change({ enabled: e.currentTarget.checked, payload: state.payload })}
          title={missing}
        />
        <Switch
          label="Include payloads"
          checked={state.payload}
          disabled={!mayWrite || saving || !state.enabled}
          onChange={(e) => void change({ enabled: true, payload: e.currentTarget.checked })}
          title={missing}
        />
        <Group gap={6} ml="auto">
          <Button size="compact-xs" variant="default" onClick={() => void query.refetch()} loading={query.isRefetching}>
            Refresh
          </Button>
          <GatedButton
            size="compact-xs"
            variant="light"
            color="red"
            rights={rights}
            right="write"
            onClick={() => setConfirmClear(true)}
            disabled={rows.length === 0}
          >
            Clear log
          </GatedButton>
        </Group>
      </Group>
      <Text size="xs" c="dimmed" data-testid="comm-log-status">
        {state.enabled
          ? `On since ${formatDateTime(state.since)}${state.payload ? ', with payloads' : ', types and sizes only'}.`
          : 'Off: nothing is recorded.'}{' '}
        Secrets in payloads are masked, payloads are cut at 8 KiB; the newest 10,000 entries are kept for the retention an administrator
        sets (7 days by default).
      </Text>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed" p="xs" data-testid="comm-log-empty">
          No messages recorded.
        </Text>
      ) : (
        <Table fz="xs" verticalSpacing={4} horizontalSpacing={6} striped aria-label="Communication log" data-testid="comm-log-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Time</Table.Th>
              <Table.Th>Direction</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th style={{ textAlign: 'right' }}>Size</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((e) => (
              <Fragment key={e.id}>
                <Table.Tr data-testid="comm-log-row">
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatTime(e.at)}</Table.Td>
                  <Table.Td>
                    <Badge size="xs" variant="light" tt="none" color={e.direction === 'in' ? 'blue' : 'grape'}>
                      {e.direction === 'in' ? 'device → server' : 'server → device'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {e.payload === undefined ? (
                      <Text size="xs" ff="monospace">
                        {e.type}
                      </Text>
                    ) : (
                      <UnstyledButton onClick={() => toggle(e.id)} aria-expanded={open.has(e.id)} aria-label={`Payload of ${e.type}`}>
                        <Text size="xs" ff="monospace" c="blue">
                          {open.has(e.id) ? '▾' : '▸'} {e.type}
                        </Text>
                      </UnstyledButton>
                    )}
                  </Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{formatBytes(e.size)}</Table.Td>
                </Table.Tr>
                {open.has(e.id) && (
                  <Table.Tr>
                    <Table.Td colSpan={4}>
                      <Code block data-testid="comm-log-payload" style={{ maxHeight: 320, overflow: 'auto' }}>
                        {prettyPayload(e)}
                      </Code>
                      {e.truncated && (
                        <Text size="xs" c="dimmed">
                          Cut at 8 KiB (the message had {formatBytes(e.size)}).
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {query.hasNextPage && (
        <Button
          size="compact-xs"
          variant="subtle"
          w="fit-content"
          loading={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        >
          Older entries
        </Button>
      )}
      <ConfirmDialog
        opened={confirmClear}
        title="Clear the communication log"
        confirmLabel="Clear log"
        onClose={() => setConfirmClear(false)}
        onConfirm={async () => {
          const r = await clearCommLog(deviceId);
          await queryClient.invalidateQueries({ queryKey });
          return r;
        }}
        onDone={() => notifySuccess('Communication log cleared')}
      >
        Delete every recorded message of this device? The switch stays as it is.
      </ConfirmDialog>
    </Stack>
  );
}
