import { useQuery } from '@tanstack/react-query';
import { getDeviceSummary } from '../../api/devices';
import { getCheckStatus } from '../../api/monitoring';
import { SERVERS_REFETCH_MS } from '../servers/queries';

export const dashboardQueries = {
  checkStatus: ['check-status'] as const,
  /** Under 'devices': whatever refreshes the inventory refreshes the counts too. */
  deviceSummary: ['devices', 'summary'] as const,
};

/** The server re-runs its health probes at most every 5 s: polling faster shows nothing new. */
export function useCheckStatus() {
  return useQuery({
    queryKey: dashboardQueries.checkStatus,
    queryFn: ({ signal }) => getCheckStatus(signal),
    refetchInterval: SERVERS_REFETCH_MS,
  });
}

/** Two index counts: cheap enough to follow at the pace of the server list. */
export function useDeviceSummary() {
  return useQuery({
    queryKey: dashboardQueries.deviceSummary,
    queryFn: ({ signal }) => getDeviceSummary(signal),
    refetchInterval: SERVERS_REFETCH_MS,
  });
}
