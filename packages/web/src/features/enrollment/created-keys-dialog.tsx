import { Alert, Button, Code, CopyButton, Group, Modal, ScrollArea, Stack, Table, Text } from '@mantine/core';
import type { CreatedEnrollmentKey } from '../../api/enrollment';
import { CopyIcon } from '../../components/copy-icon';
import { enrollCommand, runCommand } from './enroll-command';
import { createdKeysCsv, downloadText } from './keys-csv';
import { useEnrollServerUrl, useServerInfo } from './queries';

interface CreatedKeysDialogProps {
  keys: CreatedEnrollmentKey[];
  type: 'one-time' | 'mass';
  onClose: () => void;
}

/** Shows new secrets once. It closes only through its buttons, so a stray click cannot lose them. */
export function CreatedKeysDialog({ keys, type, onClose }: CreatedKeysDialogProps) {
  const server = useServerInfo();
  const serverUrl = useEnrollServerUrl();
  const single = keys.length === 1 ? keys[0]! : null;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const download = () => downloadText(`openums-enrollment-keys-${stamp}.csv`, createdKeysCsv(keys));
  const title = single
    ? type === 'mass'
      ? 'Mass enrollment key created'
      : 'Enrollment key created'
    : `${keys.length} enrollment keys created`;

  return (
    <Modal opened onClose={onClose} title={title} centered size="xl" closeOnClickOutside={false} closeOnEscape={false}>
      <Stack>
        <Alert
          color="orange"
          title={single ? 'Copy the key now: it is shown only this once' : 'Copy the keys now: they are shown only this once'}
          data-testid="secret-warning"
        >
          The server keeps only a hash of {single ? 'the key' : 'each key'}. After you close this window nobody can show{' '}
          {single ? 'it' : 'them'} again; a lost key can only be disabled and replaced by a new one. Treat {single ? 'it' : 'them'} like a
          password.
        </Alert>
        {single ? (
          <Stack gap={6}>
            <Text size="sm" fw={600}>
              Key{single.unitId ? ` for unit ${single.unitId}` : ''}
            </Text>
            <SecretLine value={single.secret} testId="enrollment-secret" label="Copy key" />
            <Text size="sm" fw={600} mt="xs">
              Enroll a device with it
            </Text>
            <SecretLine
              value={enrollCommand({ serverUrl, key: single.secret, caFingerprint: server.data?.webCaFingerprint ?? null }, true)}
              testId="enroll-command"
              label="Copy command"
            />
            <Text size="xs" c="dimmed">
              Run it as root on the device, then start the agent with <Code>{runCommand()}</Code> (the package's service does this). The key
              is handed to the agent in its environment, so other users of the device cannot read it in the process list.
            </Text>
          </Stack>
        ) : (
          <ScrollArea.Autosize mah={360}>
            <Table fz="sm" striped stickyHeader aria-label="New enrollment keys">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  {keys.some((k) => k.unitId) && <Table.Th>Unit ID</Table.Th>}
                  <Table.Th>Key</Table.Th>
                  <Table.Th w={40} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {keys.map((k, i) => (
                  <Table.Tr key={k.id}>
                    <Table.Td>{i + 1}</Table.Td>
                    {keys.some((x) => x.unitId) && <Table.Td ff="monospace">{k.unitId ?? '—'}</Table.Td>}
                    <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }} data-testid="enrollment-secret">
                      {k.secret}
                    </Table.Td>
                    <Table.Td>
                      <CopyIcon value={k.secret} label="Copy key" />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        )}
        {!single && (
          <Stack gap={6}>
            <Text size="sm" fw={600}>
              Enroll each device with its key
            </Text>
            <SecretLine
              value={enrollCommand({ serverUrl, key: '<KEY>', caFingerprint: server.data?.webCaFingerprint ?? null }, true)}
              testId="enroll-command"
              label="Copy command"
            />
          </Stack>
        )}
        <Group justify="space-between">
          <Group gap="xs">
            <Button variant="default" onClick={download} data-testid="download-keys-csv">
              Download as CSV
            </Button>
            {!single && (
              <CopyButton value={keys.map((k) => k.secret).join('\n')}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy} color={copied ? 'teal' : undefined}>
                    {copied ? 'Copied' : 'Copy all keys'}
                  </Button>
                )}
              </CopyButton>
            )}
          </Group>
          <Button onClick={onClose}>I have saved {single ? 'the key' : 'the keys'}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function SecretLine({ value, testId, label }: { value: string; testId: string; label: string }) {
  return (
    <Group gap={6} wrap="nowrap" align="flex-start">
      <Code block style={{ flex: 1, overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }} data-testid={testId}>
        {value}
      </Code>
      <CopyIcon value={value} label={label} />
    </Group>
  );
}
