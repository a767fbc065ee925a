import type { SystemInfo } from '@openums/protocol';
import { Button, Group, Loader, Progress, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { sendCommand } from '../../api/commands';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError } from '../../components/notify';
import { isTerminal } from '../commands/command-states';
import { useCommand } from '../commands/queries';
import classes from './devices.module.css';
import { formatDateTime, formatDuration, formatMac, formatMegabytes, orDash, plural } from '../../lib/format';
import { keys, useSystemInfo } from './queries';

/** The latest system information the agent reported, with a button to ask for fresh values. */
export function DeviceSystemInfo({ deviceId, online }: { deviceId: number; online: boolean }) {
  const query = useSystemInfo(deviceId);
  const [pendingId, setPendingId] = useState<number | null>(null);
  const [requesting, setRequesting] = useState(false);

  const requestRefresh = async () => {
    setRequesting(true);
    try {
      const { commands } = await sendCommand({ command: 'refresh-sysinfo', deviceIds: [deviceId] });
      setPendingId(commands[0]?.id ?? null);
    } catch (error) {
      notifyError('Could not request system information', error);
    } finally {
      setRequesting(false);
    }
  };

  let body: ReactNode;
  if (query.isPending) {
    body = (
      <Group gap="xs">
        <Loader size="xs" />
        <Text size="sm">Loading system information…</Text>
      </Group>
    );
  } else if (query.isError) {
    body = <ErrorAlert title="Cannot load system information" error={query.error} />;
  } else if (!query.data.system) {
    body = (
      <Text size="sm" c="dimmed" data-testid="system-info-empty">
        This device has not reported system information yet. It does when its agent connects.
      </Text>
    );
  } else {
    body = <SystemFields system={query.data.system} reportedAt={query.data.reportedAt} />;
  }

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="xs" c="dimmed">
          {query.data?.reportedAt ? `Reported ${formatDateTime(query.data.reportedAt)}` : ''}
        </Text>
        <Button
          size="compact-xs"
          variant="default"
          onClick={() => void requestRefresh()}
          loading={requesting || pendingId !== null}
          disabled={!online}
          title={online ? 'Ask the device for its current system information' : 'The device is offline'}
        >
          Refresh from device
        </Button>
      </Group>
      {pendingId !== null && <RefreshWatcher id={pendingId} deviceId={deviceId} onDone={() => setPendingId(null)} />}
      {body}
    </Stack>
  );
}

/** Waits for the refresh-sysinfo command, then reloads the system information. */
function RefreshWatcher({ id, deviceId, onDone }: { id: number; deviceId: number; onDone: () => void }) {
  const command = useCommand(id);
  const queryClient = useQueryClient();
  const state = command.data?.state;
  useEffect(() => {
    if (command.isError) {
      notifyError('Could not follow the refresh', command.error);
      onDone();
      return;
    }
    if (!state || !isTerminal(state)) return;
    if (state !== 'succeeded')
      notifyError('The device did not refresh its system information', new Error(command.data?.message ?? `The command ${state}.`));
    void queryClient.invalidateQueries({ queryKey: keys.systemInfo(deviceId) });
    // The server stores reported system information in batches, a moment after the command ends.
    setTimeout(() => void queryClient.invalidateQueries({ queryKey: keys.systemInfo(deviceId) }), 3_000);
    onDone();
  }, [state, command.isError, command.error, command.data?.message, deviceId, onDone, queryClient]);
  return null;
}

function SystemFields({ system }: { system: SystemInfo; reportedAt: string | null }) {
  const usedMb = Math.max(0, system.memory.totalMb - system.memory.freeMb);
  const usedPct = system.memory.totalMb ? Math.round((usedMb / system.memory.totalMb) * 100) : 0;
  const fields: [key: string, label: string, value: ReactNode][] = [
    ['hostname', 'Host name', system.hostname],
    ['product', 'Product', system.product],
    ['version', 'Version', system.version],
    ['serial', 'Serial number', orDash(system.serial)],
    ['ips', 'IP addresses', system.ips.length ? system.ips.join('\n') : '—'],
    ['macs', 'MAC addresses', system.macs.length ? system.macs.map(formatMac).join('\n') : '—'],
    ['cpu', 'CPU', `${system.cpu.model}${system.cpu.cores ? ` (${plural(system.cpu.cores, 'core')})` : ''}`],
    [
      'memory',
      'Memory',
      <Stack gap={2} key="memory">
        <span>
          {formatMegabytes(usedMb)} used of {formatMegabytes(system.memory.totalMb)} ({usedPct} %)
        </span>
        <Progress value={usedPct} size="sm" color={usedPct > 90 ? 'red' : usedPct > 75 ? 'yellow' : 'teal'} aria-label="Memory in use" />
      </Stack>,
    ],
    ['bootTime', 'Booted', formatDateTime(new Date(system.bootTime).toISOString())],
    ['uptime', 'Uptime', formatDuration(system.uptime)],
    ['structureTag', 'Structure tag', orDash(system.structureTag)],
  ];
  return (
    <dl className={classes.fields} aria-label="System information">
      {fields.map(([key, label, value]) => (
        <div key={key} data-testid={`system-field-${key}`}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
