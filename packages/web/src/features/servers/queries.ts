import { useQuery } from '@tanstack/react-query';
import { getClusterSettings } from '../../api/cluster-settings';
import { listServers } from '../../api/servers';

export const clusterQueries = {
  servers: ['servers'] as const,
  settings: ['cluster-settings'] as const,
};

/** Servers beat every few seconds; the list follows them while it is on screen. */
export const SERVERS_REFETCH_MS = 5_000;

export function useServers() {
  return useQuery({
    queryKey: clusterQueries.servers,
    queryFn: ({ signal }) => listServers(signal),
    refetchInterval: SERVERS_REFETCH_MS,
  });
}

export function useClusterSettings() {
  return useQuery({ queryKey: clusterQueries.settings, queryFn: ({ signal }) => getClusterSettings(signal), staleTime: 60_000 });
}
