import { Button, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ENROLLMENT_KEYS_CSV_URL, type CreatedEnrollmentKey } from '../../api/enrollment';
import { AutoRegistrationCard } from './auto-registration';
import { CreateKeysDialog } from './create-keys-dialog';
import { CreatedKeysDialog } from './created-keys-dialog';
import { EnrollInstructions } from './enroll-instructions';
import { EnrollmentKeyTable } from './key-table';

/** Administration › Enrollment keys: keys, automatic registration, and how to enroll a device. */
export function EnrollmentKeysPage() {
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ keys: CreatedEnrollmentKey[]; type: 'one-time' | 'mass' } | null>(null);

  return (
    <Stack p="lg" gap="lg" maw={1400}>
      <Group justify="space-between" align="flex-end">
        <Stack gap={2}>
          <Title order={2}>Enrollment keys</Title>
          <Text size="sm" c="dimmed">
            A device registers with the server once, with a key; afterwards it authenticates with its own certificate.
          </Text>
        </Stack>
        <Group gap="xs">
          <Button component="a" href={ENROLLMENT_KEYS_CSV_URL} download variant="default">
            Export CSV
          </Button>
          <Button onClick={() => setCreating(true)}>New key</Button>
        </Group>
      </Group>
      <EnrollmentKeyTable />
      <Text size="xs" c="dimmed">
        Secrets are shown only when a key is created; the CSV export lists every key without its secret.
      </Text>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <EnrollInstructions />
        <AutoRegistrationCard />
      </SimpleGrid>
      {creating && <CreateKeysDialog onClose={() => setCreating(false)} onCreated={(keys, type) => setCreated({ keys, type })} />}
      {created && <CreatedKeysDialog keys={created.keys} type={created.type} onClose={() => setCreated(null)} />}
    </Stack>
  );
}
