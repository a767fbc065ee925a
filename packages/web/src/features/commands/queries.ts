import type { Command, CommandState } from '@openums/protocol';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getCommand, listDeviceCommands, type QueuedCommand } from '../../api/commands';
import { useLiveStatus } from '../live/live-status';
import { commandStateLog, isTerminal } from './command-states';

export interface BatchEntry {
  deviceId: number;
  state: CommandState;
  message: string | null;
}
/** Commands queued by one "send to folder": id → latest state, kept up to date by live events. */
export interface CommandBatch {
  entries: Map<number, BatchEntry>;
}

export const commandKeys = {
  all: ['commands'] as const,
  one: (id: number) => ['commands', 'one', id] as const,
  batches: ['commands', 'batch'] as const,
  batch: (batchId: string) => ['commands', 'batch', batchId] as const,
  deviceHistory: (deviceId: number) => ['commands', 'device', deviceId] as const,
};

export function batchFromQueued(queued: QueuedCommand[]): CommandBatch {
  const entries = new Map<number, BatchEntry>();
  for (const c of queued) entries.set(c.id, commandStateLog.merge(c.id, { deviceId: c.deviceId, state: c.state, message: null }));
  return { entries };
}

/** One command, live: events patch it; without a live stream it is polled until it finishes. */
export function useCommand(id: number) {
  const live = useLiveStatus() === 'live';
  return useQuery({
    queryKey: commandKeys.one(id),
    queryFn: async ({ signal }): Promise<Command> => commandStateLog.merge(id, await getCommand(id, signal)),
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      if (state && isTerminal(state)) return false;
      return live ? 15_000 : 2_000;
    },
  });
}

export function useDeviceCommands(deviceId: number) {
  return useInfiniteQuery({
    queryKey: commandKeys.deviceHistory(deviceId),
    queryFn: ({ pageParam, signal }) => listDeviceCommands(deviceId, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}
