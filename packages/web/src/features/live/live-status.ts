import { createContext, useContext, useSyncExternalStore } from 'react';
import type { EventStream, LiveStatus } from './event-stream';

export const LiveContext = createContext<EventStream | null>(null);

const noSubscribe = () => () => {};
const off = (): LiveStatus => 'off';

/** Status of the live event stream; 'off' outside the provider (tests, login page). */
export function useLiveStatus(): LiveStatus {
  const stream = useContext(LiveContext);
  return useSyncExternalStore(stream?.subscribe ?? noSubscribe, stream?.getStatus ?? off);
}
