import { COMMAND_RIGHT, type CommandName } from '@openums/protocol';
import { Button, Menu, Text, Tooltip } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import type { QueuedCommand } from '../../api/commands';
import { RIGHT_LABELS } from '../access/rights-labels';
import type { MyRightsCheck } from '../access/use-my-rights';
import { COMMANDS, type CommandInfo } from './command-catalog';
import { CommandResultDialog } from './command-result';
import type { CommandTarget } from './command-target';
import { batchFromQueued, commandKeys } from './queries';
import { SendCommandDialog } from './send-command-dialog';

interface CommandMenuProps {
  target: CommandTarget | null;
  label?: string;
  ariaLabel?: string;
  title?: string;
  /** The signed-in administrator's rights on the target: commands it lacks the right for are disabled. */
  rights?: MyRightsCheck;
  /** The commands the target can run (commandsOffered); the others are not shown. Omitted: all. */
  offered?: readonly CommandName[];
}

let batchCounter = 0;

/** "Commands" menu → confirmation → live result. */
export function CommandMenu({ target, label = 'Commands', ariaLabel, title, rights, offered }: CommandMenuProps) {
  const queryClient = useQueryClient();
  const commands = offered ? COMMANDS.filter((c) => offered.includes(c.name)) : COMMANDS;
  const [chosen, setChosen] = useState<CommandInfo | null>(null);
  const missing = (command: CommandInfo) =>
    rights && !rights.can(COMMAND_RIGHT[command.name]) ? RIGHT_LABELS[COMMAND_RIGHT[command.name]] : undefined;
  const noneAllowed =
    target !== null &&
    ((rights !== undefined && !rights.loading && commands.every((c) => missing(c) !== undefined)) || commands.length === 0);
  const [result, setResult] = useState<{
    target: CommandTarget;
    command: string;
    queued: QueuedCommand[];
    batchId: string;
    refused: number;
  } | null>(null);

  const onSent = (queued: QueuedCommand[], _recursive: boolean, refused: number) => {
    if (!target || !chosen) return;
    const batchId = `b${++batchCounter}`;
    queryClient.setQueryData(commandKeys.batch(batchId), batchFromQueued(queued));
    if (target.kind === 'device') void queryClient.invalidateQueries({ queryKey: commandKeys.deviceHistory(target.deviceId) });
    setResult({ target, command: chosen.name, queued, batchId, refused });
    setChosen(null);
  };

  return (
    <>
      <Menu position="bottom-end" withinPortal shadow="md" width={260} disabled={noneAllowed}>
        <Menu.Target>
          <Tooltip
            label={
              commands.length === 0
                ? 'This device cannot run commands yet (no agent has enrolled for it)'
                : 'You have no right to send commands here (Power control, Send message, Firmware control)'
            }
            disabled={!noneAllowed}
            multiline
            maw={260}
            withArrow
          >
            <Button
              size="compact-xs"
              variant="light"
              disabled={!target}
              data-disabled={noneAllowed || undefined}
              aria-disabled={noneAllowed || undefined}
              rightSection={<Chevron />}
              aria-label={ariaLabel}
              title={noneAllowed ? undefined : title}
            >
              {label}
            </Button>
          </Tooltip>
        </Menu.Target>
        <Menu.Dropdown aria-label={target ? `Commands for ${target.name}` : undefined}>
          {target?.kind === 'folder' && <Menu.Label>To all devices in the folder</Menu.Label>}
          {commands.map((command, i) => (
            <Fragment key={command.name}>
              {i > 0 && command.risk !== commands[i - 1]!.risk && <Menu.Divider />}
              <Menu.Item
                color={command.risk === 'destructive' ? 'red' : undefined}
                onClick={() => setChosen(command)}
                disabled={missing(command) !== undefined}
              >
                {command.label}
                {missing(command) && (
                  <Text size="xs" c="dimmed">
                    Needs the {RIGHT_LABELS[COMMAND_RIGHT[command.name]]} right
                  </Text>
                )}
              </Menu.Item>
            </Fragment>
          ))}
        </Menu.Dropdown>
      </Menu>
      {chosen && target && <SendCommandDialog target={target} command={chosen} onClose={() => setChosen(null)} onSent={onSent} />}
      {result && (
        <CommandResultDialog
          target={result.target}
          command={result.command}
          queued={result.queued}
          batchId={result.batchId}
          refused={result.refused}
          onClose={() => {
            queryClient.removeQueries({ queryKey: commandKeys.batch(result.batchId) });
            setResult(null);
          }}
        />
      )}
    </>
  );
}

function Chevron() {
  return (
    <svg width="10" height="10" viewBox="0 0 12 12" aria-hidden>
      <path d="M2 4l4 4 4-4" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
