import { COMMAND_RIGHT, type Command, type CommandName, type CommandState } from '@openums/protocol';
import { Alert, Badge, Button, Group, Loader, Modal, Progress, Stack, Table, Text } from '@mantine/core';
import { skipToken, useQuery } from '@tanstack/react-query';
import type { QueuedCommand } from '../../api/commands';
import { ErrorAlert } from '../../components/error-alert';
import { RIGHT_LABELS } from '../access/rights-labels';
import { formatDateTime } from '../../lib/format';
import { useLiveStatus } from '../live/live-status';
import { commandLabel } from './command-catalog';
import { COMMAND_STATES, isTerminal, STATE_COLOR, STATE_LABEL } from './command-states';
import { devicesLabel, type CommandTarget } from './command-target';
import { commandKeys, useCommand, type CommandBatch } from './queries';

export function CommandStateBadge({ state, size = 'sm' }: { state: CommandState; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  return (
    <Badge
      color={STATE_COLOR[state]}
      variant={isTerminal(state) ? 'filled' : 'light'}
      size={size}
      data-testid="command-state"
      data-state={state}
    >
      {STATE_LABEL[state]}
    </Badge>
  );
}

interface CommandResultDialogProps {
  target: CommandTarget;
  command: string;
  queued: QueuedCommand[];
  batchId: string;
  /** Devices left out for want of the command's right (the server's `refused`). */
  refused?: number;
  onClose: () => void;
}

/** After sending: one device's command live, or a folder's commands counted by state. */
export function CommandResultDialog({ target, command, queued, batchId, refused = 0, onClose }: CommandResultDialogProps) {
  const right = RIGHT_LABELS[COMMAND_RIGHT[command as CommandName] ?? 'read'];
  const title = `${commandLabel(command)}: ${target.kind === 'device' ? target.name : `folder ${target.name}`}`;
  return (
    <Modal opened onClose={onClose} title={title} centered size="md">
      <Stack data-testid="command-result">
        {refused > 0 && (
          <Alert color="orange" data-testid="command-refused">
            {target.kind === 'device'
              ? `Not sent: you need the ${right} right on this device.`
              : `${devicesLabel(refused)} left out: you need the ${right} right on them.`}
          </Alert>
        )}
        {queued.length === 0 && refused > 0 ? null : queued.length === 0 ? (
          <Alert color="yellow">There were no devices to send the command to.</Alert>
        ) : target.kind === 'device' && queued.length === 1 ? (
          <SingleResult id={queued[0]!.id} />
        ) : (
          <BatchResult batchId={batchId} total={queued.length} />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function LiveHint({ done }: { done: boolean }) {
  const status = useLiveStatus();
  if (done || status === 'live') return null;
  return (
    <Text size="xs" c="dimmed">
      Live updates are not connected; the state is checked every few seconds.
    </Text>
  );
}

const STEPS: { label: string; at: (c: Command) => string | null }[] = [
  { label: 'Queued', at: (c) => c.createdAt },
  { label: 'Sent to the device', at: (c) => c.sentAt },
  { label: 'Received by the device', at: (c) => c.acknowledgedAt },
  { label: 'Finished', at: (c) => c.finishedAt },
];

export function SingleResult({ id }: { id: number }) {
  const query = useCommand(id);
  if (query.isPending) {
    return (
      <Group gap="xs">
        <Loader size="xs" />
        <Text size="sm">Loading the command…</Text>
      </Group>
    );
  }
  if (query.isError) return <ErrorAlert title="Cannot load the command" error={query.error} />;
  const c = query.data;
  const done = isTerminal(c.state);
  return (
    <Stack gap="sm">
      <Group gap="sm">
        <Text fw={600}>State</Text>
        <CommandStateBadge state={c.state} size="lg" />
        {!done && <Loader size="xs" aria-label="Waiting for the device" />}
      </Group>
      {c.state === 'queued' && (
        <Text size="sm" c="dimmed">
          Waiting for the device to connect. The command is delivered when it does, until {formatDateTime(c.expiresAt)}.
        </Text>
      )}
      {c.message && (
        <Alert color={c.state === 'failed' ? 'red' : 'gray'} variant="light" title="Message from the device" data-testid="command-message">
          {c.message}
        </Alert>
      )}
      <Table withRowBorders={false} verticalSpacing={2} fz="sm">
        <Table.Tbody>
          {STEPS.map((step) => (
            <Table.Tr key={step.label}>
              <Table.Td c="dimmed" w={190}>
                {step.label}
              </Table.Td>
              <Table.Td>{formatDateTime(step.at(c), '—')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <LiveHint done={done} />
    </Stack>
  );
}

function BatchResult({ batchId, total }: { batchId: string; total: number }) {
  const query = useQuery<CommandBatch>({ queryKey: commandKeys.batch(batchId), queryFn: skipToken, staleTime: Infinity });
  const counts = new Map<CommandState, number>();
  for (const entry of query.data?.entries.values() ?? []) counts.set(entry.state, (counts.get(entry.state) ?? 0) + 1);
  const finished = COMMAND_STATES.filter(isTerminal).reduce((sum, s) => sum + (counts.get(s) ?? 0), 0);
  const done = finished === total;
  return (
    <Stack gap="sm">
      <Text size="sm">
        Sent to {devicesLabel(total)}; <b>{finished.toLocaleString()}</b> finished.
      </Text>
      <Progress.Root size="lg" aria-label="Command states">
        {COMMAND_STATES.map((state) => {
          const n = counts.get(state) ?? 0;
          return n ? (
            <Progress.Section key={state} value={(n / total) * 100} color={STATE_COLOR[state]} title={`${STATE_LABEL[state]}: ${n}`} />
          ) : null;
        })}
      </Progress.Root>
      <Table withRowBorders={false} verticalSpacing={2} fz="sm" data-testid="command-counts">
        <Table.Tbody>
          {COMMAND_STATES.filter((s) => counts.get(s)).map((state) => (
            <Table.Tr key={state} data-testid={`command-count-${state}`}>
              <Table.Td w={140}>
                <CommandStateBadge state={state} />
              </Table.Td>
              <Table.Td>{(counts.get(state) ?? 0).toLocaleString()}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {counts.get('queued') ? (
        <Text size="xs" c="dimmed">
          Queued commands wait for their device to connect.
        </Text>
      ) : null}
      <LiveHint done={done} />
    </Stack>
  );
}
