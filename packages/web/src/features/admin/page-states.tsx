import type { GeneralRight } from '@openums/protocol';
import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { isApiError } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { GENERAL_RIGHT_INFO } from './general-rights';

/** Title and one line of explanation, with the page's buttons on the right. */
export function PageHeader({ title, description, children }: { title: string; description: ReactNode; children?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-end">
      <Stack gap={2} maw={820}>
        <Title order={2}>{title}</Title>
        <Text size="sm" c="dimmed">
          {description}
        </Text>
      </Stack>
      {children && <Group gap="xs">{children}</Group>}
    </Group>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <Group gap="xs" p="md">
      <Loader size="xs" />
      <Text size="sm">Loading {what}…</Text>
    </Group>
  );
}

/**
 * A list that could not be loaded. A 403 names the general right the page needs instead of the
 * server's terse "forbidden".
 */
export function LoadError({ what, error, right, onRetry }: { what: string; error: unknown; right: GeneralRight; onRetry: () => void }) {
  if (isApiError(error) && error.status === 403) {
    return (
      <Alert color="yellow" title={`You cannot see the ${what}`} data-testid="forbidden">
        This needs the general right “{GENERAL_RIGHT_INFO[right].label}”, which your account does not have. A superuser or an administrator
        with the right “{GENERAL_RIGHT_INFO.accountsAndAccess.label}” can give it to you or to one of your groups.
      </Alert>
    );
  }
  return (
    <Stack gap="xs">
      <ErrorAlert title={`Cannot load the ${what}`} error={error} />
      <Button variant="default" w="fit-content" onClick={onRetry}>
        Try again
      </Button>
    </Stack>
  );
}
