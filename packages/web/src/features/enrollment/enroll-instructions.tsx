import { Anchor, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { CopyIcon } from '../../components/copy-icon';
import { DEFAULT_STATE_DIR, enrollCommand, runCommand } from './enroll-command';
import { useEnrollServerUrl, useServerInfo } from './queries';

/** How to enroll a device with a key: the agent's command line for this server. */
export function EnrollInstructions() {
  const server = useServerInfo();
  const fingerprint = server.data?.webCaFingerprint ?? null;
  const serverUrl = useEnrollServerUrl();
  const command = enrollCommand({ serverUrl, key: '<KEY>', caFingerprint: fingerprint }, true);
  return (
    <Paper withBorder p="md" radius="sm" data-testid="enroll-instructions">
      <Stack gap="sm">
        <Title order={3} size="h5">
          Enroll a device
        </Title>
        <Text size="sm">
          On the device (as root), with the OpenUMS agent installed, replace <Code>&lt;KEY&gt;</Code> with an enrollment key:
        </Text>
        <Group gap={6} wrap="nowrap" align="flex-start">
          <Code block style={{ flex: 1, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-testid="enroll-command-template">
            {command}
          </Code>
          <CopyIcon value={command} label="Copy command" />
        </Group>
        <Text size="sm">
          The agent checks the server's certificate against the fingerprint, so it cannot be sent to a different server. It keeps its
          identity in <Code>{DEFAULT_STATE_DIR}</Code> and then runs with <Code>{runCommand()}</Code>.
        </Text>
        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          {server.isError ? (
            'The CA fingerprint could not be loaded.'
          ) : fingerprint ? (
            <>
              CA fingerprint: <Code data-testid="ca-fingerprint">{fingerprint}</Code> ·{' '}
              <Anchor href="/ca.crt" size="xs">
                Download the CA certificate
              </Anchor>
            </>
          ) : server.isPending ? (
            'Loading the CA fingerprint…'
          ) : (
            'This server has no web CA of its own; the agent verifies its certificate with the system trust store.'
          )}
        </Text>
      </Stack>
    </Paper>
  );
}
