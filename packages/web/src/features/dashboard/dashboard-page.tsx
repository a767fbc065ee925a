import { Anchor, Badge, Group, List, Loader, Paper, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../../components/error-alert';
import { plural } from '../../lib/format';
import { clusterWarnings, summarizeCluster } from '../servers/cluster-health';
import { useServers } from '../servers/queries';
import { clusterReasons, STATE_LOOK } from './cluster-state';
import { useCheckStatus, useDeviceSummary } from './queries';

/** The landing page: is the cluster healthy, and how many devices are online. Updates every 5 seconds. */
export function DashboardPage() {
  return (
    <Stack p="lg" gap="lg" maw={1100}>
      <Stack gap={2}>
        <Title order={2}>Dashboard</Title>
        <Text size="sm" c="dimmed">
          The state of this installation at a glance; it updates every 5 seconds.
        </Text>
      </Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <ClusterCard />
        <DevicesCard />
      </SimpleGrid>
    </Stack>
  );
}

function Card({
  title,
  aside,
  link,
  children,
  testId,
}: {
  title: string;
  aside?: ReactNode;
  link: ReactNode;
  children: ReactNode;
  testId: string;
}) {
  return (
    <Paper withBorder p="md" radius="md" data-testid={testId} aria-label={title} component="section">
      <Stack gap="sm" h="100%">
        <Group justify="space-between" wrap="nowrap">
          <Title order={3} size="h4">
            {title}
          </Title>
          {aside}
        </Group>
        <Stack gap="sm" style={{ flex: 1 }}>
          {children}
        </Stack>
        {link}
      </Stack>
    </Paper>
  );
}

function Pending({ what }: { what: string }) {
  return (
    <Group gap="xs">
      <Loader size="xs" />
      <Text size="sm">Loading {what}…</Text>
    </Group>
  );
}

function ClusterCard() {
  const check = useCheckStatus();
  const servers = useServers();
  const items = servers.data?.items;
  const summary = items ? summarizeCluster(items) : null;
  const reasons = clusterReasons(check.data, items ? clusterWarnings(items) : []);
  const state = check.data?.status;
  const look = state ? STATE_LOOK[state] : null;

  return (
    <Card
      title="Cluster"
      testId="dashboard-cluster"
      aside={
        look ? (
          <Badge color={look.color} variant="light" size="lg" data-testid="cluster-state" data-status={state}>
            {look.label}
          </Badge>
        ) : check.isError ? (
          <Badge color="gray" variant="light" size="lg" data-testid="cluster-state" data-status="unknown">
            Unknown
          </Badge>
        ) : null
      }
      link={
        <Anchor component={Link} to="/admin/servers" size="sm">
          Show servers →
        </Anchor>
      }
    >
      {servers.isPending ? (
        <Pending what="servers" />
      ) : summary ? (
        <Text size="lg" data-testid="dashboard-servers">
          <b>{summary.running}</b> {summary.running === 1 ? 'server' : 'servers'} running
          {summary.dead > 0 && (
            <Text span c="red" inherit>
              {' '}
              · <b>{summary.dead}</b> dead
            </Text>
          )}
        </Text>
      ) : (
        <ErrorAlert title="Cannot load the servers" error={servers.error} />
      )}
      {check.isError && !check.data && <ErrorAlert title="Cannot read the server status" error={check.error} />}
      {reasons.length > 0 ? (
        <List size="sm" spacing={4} data-testid="cluster-reasons" c={state === 'err' ? 'red' : undefined}>
          {reasons.map((r) => (
            <List.Item key={r}>{r}</List.Item>
          ))}
        </List>
      ) : (
        state === 'ok' && (
          <Text size="sm" c="dimmed">
            {summary && summary.running > 1
              ? 'The database answers, devices can connect, and the servers agree on version and clock.'
              : 'The database answers and devices can connect.'}
          </Text>
        )
      )}
      {summary && summary.dead > 0 && (
        <Text size="xs" c="dimmed">
          A dead server&apos;s devices reconnect to the running ones. Remove its entry on the Servers page once it is gone for good.
        </Text>
      )}
    </Card>
  );
}

function DevicesCard() {
  const query = useDeviceSummary();
  const s = query.data;
  const percent = s && s.total > 0 ? (s.online / s.total) * 100 : 0;

  return (
    <Card
      title="Devices"
      testId="dashboard-devices"
      link={
        <Anchor component={Link} to="/devices" size="sm">
          Show devices →
        </Anchor>
      }
    >
      {query.isPending ? (
        <Pending what="devices" />
      ) : !s ? (
        <ErrorAlert title="Cannot count the devices" error={query.error} />
      ) : (
        <>
          <Text size="lg" data-testid="dashboard-devices-online">
            <b>{s.online.toLocaleString()}</b> of <b>{s.total.toLocaleString()}</b> {s.total === 1 ? 'device' : 'devices'} online
          </Text>
          <Progress value={percent} color="green" size="lg" aria-label={`${Math.round(percent)} % of the devices online`} />
          <Text size="sm" c="dimmed">
            {s.total === 0 ? (
              <>
                No devices yet. Devices appear here when they enroll with an{' '}
                <Anchor component={Link} to="/admin/enrollment-keys" inherit>
                  enrollment key
                </Anchor>
                .
              </>
            ) : (
              `${plural(s.total - s.online, 'device')} offline`
            )}
          </Text>
        </>
      )}
    </Card>
  );
}
