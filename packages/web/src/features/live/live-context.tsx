import { Badge, Tooltip } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { sessionQueryKey } from '../auth/session';
import { LiveCacheUpdater } from './cache-updates';
import { EventStream, type LiveStatus } from './event-stream';
import { LiveContext, useLiveStatus } from './live-status';

/** Opens the live event stream for the signed-in user and keeps the query cache up to date with it. */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [stream, setStream] = useState<EventStream | null>(null);

  useEffect(() => {
    const updater = new LiveCacheUpdater(queryClient);
    const created = new EventStream({
      onEvent: (event) => updater.handle(event),
      onResync: () => updater.resync(),
      onUnauthenticated: () => queryClient.setQueryData(sessionQueryKey, null),
    });
    created.start();
    setStream(created);
    return () => {
      created.stop();
      updater.dispose();
    };
  }, [queryClient]);

  return <LiveContext.Provider value={stream}>{children}</LiveContext.Provider>;
}

const LOOK: Record<LiveStatus, { color: string; label: string; hint: string }> = {
  live: { color: 'green', label: 'Live', hint: 'Device status and command results update as they happen.' },
  connecting: { color: 'gray', label: 'Connecting…', hint: 'Opening the live update stream.' },
  reconnecting: {
    color: 'yellow',
    label: 'Reconnecting…',
    hint: 'The live update stream is interrupted; the page may be out of date until it is back.',
  },
  off: { color: 'gray', label: 'Not live', hint: 'Live updates are off.' },
};

export function LiveIndicator() {
  const status = useLiveStatus();
  const look = LOOK[status];
  return (
    <Tooltip label={look.hint} multiline w={260} withArrow>
      <Badge
        variant="dot"
        color={look.color}
        size="sm"
        data-testid="live-status"
        data-status={status}
        role="status"
        aria-label={`Live updates: ${look.label}`}
      >
        {look.label}
      </Badge>
    </Tooltip>
  );
}
