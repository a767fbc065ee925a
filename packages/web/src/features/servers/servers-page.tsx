import { Alert, Button, Group, List, Loader, Stack, Text, Title } from '@mantine/core';
import { ErrorAlert } from '../../components/error-alert';
import { clusterWarnings, summarizeCluster } from './cluster-health';
import { ClusterSettingsCard } from './cluster-settings-card';
import { useServers } from './queries';
import { ServerTable } from './server-table';

/** Administration › Servers: the processes sharing the database, live, and the cluster's addresses. */
export function ServersPage() {
  const query = useServers();
  const servers = query.data?.items;
  const summary = servers ? summarizeCluster(servers) : null;
  const warnings = servers ? clusterWarnings(servers) : [];

  return (
    <Stack p="lg" gap="lg" maw={1400}>
      <Group justify="space-between" align="flex-end">
        <Stack gap={2}>
          <Title order={2}>Servers</Title>
          <Text size="sm" c="dimmed">
            The server processes of this installation. They share one database; the list updates every 5 seconds.
          </Text>
        </Stack>
        {summary && (
          <Text size="sm" data-testid="cluster-summary">
            <b>{summary.running}</b> running · <b>{summary.dead}</b> dead · <b>{summary.devicesConnected.toLocaleString()}</b>{' '}
            {summary.devicesConnected === 1 ? 'device' : 'devices'} connected
          </Text>
        )}
      </Group>
      {warnings.length > 0 && (
        <Alert color="orange" title="The servers disagree" data-testid="cluster-warning">
          <List size="sm" spacing={4}>
            {warnings.map((w) => (
              <List.Item key={w}>{w}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {query.isPending ? (
        <Group gap="xs">
          <Loader size="xs" />
          <Text size="sm">Loading servers…</Text>
        </Group>
      ) : query.isError && !servers ? (
        <Stack gap="xs">
          <ErrorAlert title="Cannot load the servers" error={query.error} />
          <Button variant="default" w="fit-content" onClick={() => void query.refetch()}>
            Try again
          </Button>
        </Stack>
      ) : (
        <Stack gap={4}>
          {query.isError && (
            <Text size="xs" c="red" role="status">
              The list could not be refreshed; it shows the last answer. Retrying…
            </Text>
          )}
          <ServerTable servers={servers ?? []} now={query.dataUpdatedAt} />
          <Text size="xs" c="dimmed">
            A server that misses three beats is marked dead: its devices are shown offline until they reconnect to another server. Remove a
            dead entry once that server is gone for good.
          </Text>
        </Stack>
      )}
      <ClusterSettingsCard />
    </Stack>
  );
}
