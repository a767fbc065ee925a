import type { EnrollmentSettings } from '@openums/protocol';
import { Alert, Group, Loader, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { putEnrollmentSettings } from '../../api/enrollment';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { FolderSelect } from '../devices/folder-select';
import { enrollmentKeys, useEnrollmentSettings } from './queries';

const RISK =
  'While automatic registration is on, any device that can reach this server registers itself without a key and is managed from then on. Turn it on only for a rollout in a network you trust, and off again afterwards.';

export function AutoRegistrationCard() {
  const query = useEnrollmentSettings();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const save = useMutation({
    mutationFn: putEnrollmentSettings,
    onSuccess: (saved, sent) => {
      queryClient.setQueryData(enrollmentKeys.settings, saved && typeof saved === 'object' ? saved : sent);
      notifySuccess(sent.autoRegistration ? 'Automatic registration is on' : 'Automatic registration is off');
    },
    onError: (error) => notifyError('Could not save the setting', error),
  });
  const settings: EnrollmentSettings | undefined = save.isPending ? save.variables : query.data;

  return (
    <Paper withBorder p="md" radius="sm" data-testid="auto-registration">
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Title order={3} size="h5">
            Automatic registration
          </Title>
          {query.isFetching && <Loader size="xs" />}
        </Group>
        {query.isError && !query.data ? (
          <ErrorAlert title="Cannot load the setting" error={query.error} />
        ) : settings ? (
          <>
            <Switch
              label="Let devices register without an enrollment key"
              checked={settings.autoRegistration}
              disabled={save.isPending}
              onChange={(e) => {
                if (e.currentTarget.checked) setConfirming(true);
                else save.mutate({ ...settings, autoRegistration: false });
              }}
            />
            {settings.autoRegistration ? (
              <Alert color="red" title="Any device can register now" data-testid="auto-registration-warning">
                {RISK}
              </Alert>
            ) : (
              <Text size="sm" c="dimmed">
                Off: a device needs an enrollment key to register. This is the safe setting.
              </Text>
            )}
            <FolderSelect
              label="Folder for automatically registered devices"
              value={settings.autoRegistrationFolderId ?? 'root'}
              onChange={(key) => save.mutate({ ...settings, autoRegistrationFolderId: key === 'root' ? null : key })}
            />
          </>
        ) : (
          <Text size="sm">Loading…</Text>
        )}
      </Stack>
      {confirming && settings && (
        <ConfirmDialog
          opened
          title="Turn on automatic registration?"
          confirmLabel="Turn on"
          onClose={() => setConfirming(false)}
          onConfirm={() => save.mutateAsync({ ...settings, autoRegistration: true })}
        >
          {RISK}
        </ConfirmDialog>
      )}
    </Paper>
  );
}
