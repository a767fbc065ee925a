import { Alert, Badge, Button, Code, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { isApiError } from '../../api/client';
import { deleteLdapDomain, testLdapDomain, type LdapDomain } from '../../api/ldap';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { LdapDomainDialog } from './ldap-domain-form';
import { LdapImportDialog } from './ldap-import-dialog';
import { LoadError, Loading, PageHeader } from './page-states';
import { adminQueries, useLdapDomains } from './queries';

const SECURITY_LABEL: Record<string, string> = { ldaps: 'LDAPS', starttls: 'StartTLS', none: 'Unencrypted' };

type Open = { kind: 'edit' | 'import' | 'delete'; domain: LdapDomain } | { kind: 'create' } | null;

/** Administration › LDAP domains: directories administrators sign in through, and importing from them. */
export function LdapDomainsPage() {
  const query = useLdapDomains();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  const domains = query.data?.items ?? [];

  return (
    <Stack p="lg" gap="lg" maw={1400}>
      <PageHeader
        title="LDAP domains"
        description="Active Directory and other LDAP directories whose users can sign in with their directory password. Import the users or groups who may sign in."
      >
        <Button onClick={() => setOpen({ kind: 'create' })}>Add domain</Button>
      </PageHeader>
      {query.isPending ? (
        <Loading what="LDAP domains" />
      ) : query.isError && !query.data ? (
        <LoadError what="LDAP domains" right="ldap" error={query.error} onRetry={() => void query.refetch()} />
      ) : domains.length === 0 ? (
        <Paper withBorder p="xl" radius="sm" maw={760} data-testid="no-domains">
          <Stack gap="xs" align="flex-start">
            <Text fw={600}>No LDAP domains</Text>
            <Text size="sm" c="dimmed">
              Every administrator signs in with a local account for now. Add your Active Directory or LDAP directory to let its users sign
              in as <Code>user@DOMAIN</Code> with their directory password; rights then follow their directory groups.
            </Text>
            <Button onClick={() => setOpen({ kind: 'create' })}>Add a domain</Button>
          </Stack>
        </Paper>
      ) : (
        <Stack gap="md">
          {domains.map((d) => (
            <DomainCard key={d.id} domain={d} onOpen={setOpen} />
          ))}
        </Stack>
      )}
      {open?.kind === 'create' && <LdapDomainDialog onClose={close} />}
      {open?.kind === 'edit' && <LdapDomainDialog domain={open.domain} onClose={close} />}
      {open?.kind === 'import' && <LdapImportDialog domain={open.domain} onClose={close} />}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          opened
          title="Remove LDAP domain"
          confirmLabel="Remove domain"
          onClose={close}
          onConfirm={async () => {
            await deleteLdapDomain(open.domain.id);
            await queryClient.invalidateQueries({ queryKey: adminQueries.ldapDomains });
          }}
          onDone={() => notifySuccess(`Domain ${open.domain.name} removed`)}
        >
          Remove <b>{open.domain.name}</b>? Its users can no longer sign in. Imported accounts and groups stay (with their rights) and can
          sign in again once a domain of this name is added back.
        </ConfirmDialog>
      )}
    </Stack>
  );
}

function DomainCard({ domain, onOpen }: { domain: LdapDomain; onOpen: (o: Open) => void }) {
  const test = useMutation({ mutationFn: () => testLdapDomain(domain.id) });
  return (
    <Paper withBorder p="md" radius="sm" maw={1000} data-testid="ldap-domain" data-domain={domain.name}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="xs">
            <Title order={3} size="h4">
              {domain.name}
            </Title>
            <Badge variant="light">{domain.kind === 'ad' ? 'Active Directory' : 'LDAP'}</Badge>
            <Badge variant="light" color={domain.security === 'none' ? 'orange' : 'gray'}>
              {SECURITY_LABEL[domain.security] ?? domain.security}
            </Badge>
          </Group>
          <Group gap="xs">
            <Button variant="default" size="xs" loading={test.isPending} onClick={() => test.mutate()}>
              Test connection
            </Button>
            <Button variant="default" size="xs" onClick={() => onOpen({ kind: 'import', domain })}>
              Search and import
            </Button>
            <Button variant="default" size="xs" onClick={() => onOpen({ kind: 'edit', domain })}>
              Edit
            </Button>
            <Button variant="subtle" color="red" size="xs" onClick={() => onOpen({ kind: 'delete', domain })}>
              Remove
            </Button>
          </Group>
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing={4}>
          <Fact label="Servers">
            {domain.hosts.join(', ')} · port {domain.port}
          </Fact>
          <Fact label="Base DN">
            <Text span ff="monospace" size="sm">
              {domain.baseDn}
            </Text>
          </Fact>
          <Fact label="Bind DN">
            {domain.bindDn ? (
              <Text span ff="monospace" size="sm">
                {domain.bindDn}
              </Text>
            ) : (
              'None: anonymous search'
            )}
          </Fact>
          <Fact label="Bind password">{domain.bindPasswordSet ? 'Stored (never shown)' : 'Not set'}</Fact>
          {domain.security !== 'none' && (
            <Fact label="Certificate">
              {domain.caCertificate ? 'Own CA certificate' : "System's trusted CAs"}
              {domain.verifyHostName ? '' : ' · host name not checked'}
            </Fact>
          )}
          <Fact label="Login name">
            <Text span ff="monospace" size="sm">
              {domain.namingAttribute}
            </Text>
            {domain.userFilter && (
              <>
                {' '}
                · filter{' '}
                <Text span ff="monospace" size="sm">
                  {domain.userFilter}
                </Text>
              </>
            )}
          </Fact>
        </SimpleGrid>
        {!domain.verifyHostName && domain.security !== 'none' && (
          <Text size="xs" c="orange">
            The directory's certificate is not checked against the host name: anyone with a certificate from the same CA could pose as the
            directory.
          </Text>
        )}
        {test.isSuccess && (
          <Alert color="teal" title="Connection works" data-testid="ldap-test-result">
            {test.data.host} answered over {SECURITY_LABEL[test.data.security] ?? test.data.security}
            {domain.bindDn ? ' and accepted the bind DN and password.' : ' and accepts anonymous searches.'}
          </Alert>
        )}
        {test.isError && <TestFailure error={test.error} />}
      </Stack>
    </Paper>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap={6} wrap="nowrap" align="baseline">
      <Text size="sm" c="dimmed" w={110} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </Group>
  );
}

/** What failed, and where to look. */
const TEST_HINTS: Record<string, string> = {
  LDAP_CONNECTION_FAILED: 'Check the host names, the port and the connection security, and that a firewall lets this server through.',
  LDAP_CERTIFICATE_INVALID:
    "Paste the CA certificate that signs the directory's certificate, and enter the hosts by the names in their certificates.",
  LDAP_BIND_FAILED: 'Check the bind DN and type the bind password again.',
};

function TestFailure({ error }: { error: unknown }) {
  const hint = isApiError(error) ? TEST_HINTS[error.code] : undefined;
  return (
    <Stack gap={4} data-testid="ldap-test-result">
      <ErrorAlert title="Connection failed" error={error} />
      {hint && (
        <Text size="sm" c="dimmed">
          {hint}
        </Text>
      )}
    </Stack>
  );
}
