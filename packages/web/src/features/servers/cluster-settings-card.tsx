import { CLUSTER_ADDRESS_MAX_LENGTH, CLUSTER_ADDRESS_PATTERN } from '@openums/protocol';
import { Button, Code, Group, Loader, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ChangeEvent } from 'react';
import { isApiError } from '../../api/client';
import { putClusterSettings, type ClusterSettings } from '../../api/cluster-settings';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { useGeneralRight } from '../access/use-general-rights';
import { enrollServerUrl } from '../enrollment/enroll-command';
import { clusterQueries, useClusterSettings } from './queries';

type Field = keyof ClusterSettings;
type Draft = Record<Field, string>;

const ADDRESS = new RegExp(CLUSTER_ADDRESS_PATTERN, 'u');
const FORMAT_HINT = 'Enter a host name or IP address with an optional port (ums.example.com:8443), or an https:// URL without a path.';

/** The text in a field as the API wants it: trimmed, empty = not set. */
const toValue = (text: string) => (text.trim() === '' ? null : text.trim());

export function addressError(text: string): string | null {
  const value = toValue(text);
  if (value === null) return null;
  if (value.length > CLUSTER_ADDRESS_MAX_LENGTH) return `At most ${CLUSTER_ADDRESS_MAX_LENGTH} characters.`;
  return ADDRESS.test(value) ? null : FORMAT_HINT;
}

/** Field errors from a 400 answer (`details.issues[].field` is `body.<field>`). */
function serverFieldErrors(error: unknown): Partial<Record<Field, string>> {
  if (!isApiError(error, 'VALIDATION_FAILED')) return {};
  const issues = (error.details as { issues?: { field: string }[] } | undefined)?.issues ?? [];
  const out: Partial<Record<Field, string>> = {};
  for (const issue of issues) {
    const field = issue.field.replace(/^body\./, '') as Field;
    if (field === 'clusterAddress' || field === 'enrollmentAddress') out[field] = FORMAT_HINT;
  }
  return out;
}

/** Administration › Servers: the cluster address and the device enrollment address, for every server. */
export function ClusterSettingsCard() {
  const query = useClusterSettings();
  const canEdit = useGeneralRight('servers');
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft | null>(null);
  const save = useMutation({
    mutationFn: putClusterSettings,
    onSuccess: (saved) => {
      queryClient.setQueryData(clusterQueries.settings, saved);
      setDraft(null);
      notifySuccess('Addresses saved');
    },
  });

  const stored = query.data;
  const values: Draft = draft ?? { clusterAddress: stored?.clusterAddress ?? '', enrollmentAddress: stored?.enrollmentAddress ?? '' };
  const next: ClusterSettings = { clusterAddress: toValue(values.clusterAddress), enrollmentAddress: toValue(values.enrollmentAddress) };
  const dirty = !!stored && (next.clusterAddress !== stored.clusterAddress || next.enrollmentAddress !== stored.enrollmentAddress);
  const fromServer = save.isError ? serverFieldErrors(save.error) : {};
  const errors: Record<Field, string | null> = {
    clusterAddress: addressError(values.clusterAddress) ?? fromServer.clusterAddress ?? null,
    enrollmentAddress: addressError(values.enrollmentAddress) ?? fromServer.enrollmentAddress ?? null,
  };
  const valid = !errors.clusterAddress && !errors.enrollmentAddress;
  const enrollUrl = valid ? enrollServerUrl(next, window.location) : null;
  const edit = (field: Field) => (e: ChangeEvent<HTMLInputElement>) => {
    save.reset();
    setDraft({ ...values, [field]: e.currentTarget.value });
  };

  return (
    <Paper withBorder p="md" radius="sm" maw={760} data-testid="cluster-settings">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (dirty && valid) save.mutate(next);
        }}
      >
        <Stack gap="sm">
          <Group justify="space-between" wrap="nowrap">
            <Title order={3} size="h5">
              Addresses
            </Title>
            {query.isFetching && <Loader size="xs" />}
          </Group>
          <Text size="sm" c="dimmed">
            Shared by all servers of this installation. Leave a field empty to use the address this page was opened with.
          </Text>
          {query.isError && !stored ? (
            <ErrorAlert title="Cannot load the addresses" error={query.error} />
          ) : !stored ? (
            <Text size="sm">Loading…</Text>
          ) : (
            <>
              <TextInput
                label="Cluster address"
                description="What browsers and the load balancer use to reach the servers, e.g. ums.example.com or https://ums.example.com:8443."
                placeholder={`Not set (${window.location.host})`}
                value={values.clusterAddress}
                onChange={edit('clusterAddress')}
                error={errors.clusterAddress}
                readOnly={!canEdit}
                maxLength={CLUSTER_ADDRESS_MAX_LENGTH + 20}
                data-testid="cluster-address"
              />
              <TextInput
                label="Device enrollment address"
                description="What devices enroll at and reconnect to; the enroll commands under Enrollment keys use it. Empty: the cluster address."
                placeholder={stored.clusterAddress ? `Not set (${stored.clusterAddress})` : `Not set (${window.location.host})`}
                value={values.enrollmentAddress}
                onChange={edit('enrollmentAddress')}
                error={errors.enrollmentAddress}
                readOnly={!canEdit}
                maxLength={CLUSTER_ADDRESS_MAX_LENGTH + 20}
                data-testid="enrollment-address"
              />
              <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                {dirty ? 'Once saved, devices enroll with' : 'Devices enroll with'}{' '}
                <Code data-testid="effective-enroll-url">{enrollUrl ?? '…'}</Code>
              </Text>
              {save.isError && !Object.keys(fromServer).length && <ErrorAlert title="Could not save the addresses" error={save.error} />}
              {canEdit ? (
                <Group justify="flex-end" gap="xs">
                  <Button
                    variant="default"
                    disabled={!draft}
                    onClick={() => {
                      setDraft(null);
                      save.reset();
                    }}
                  >
                    Discard changes
                  </Button>
                  <Button type="submit" disabled={!dirty || !valid} loading={save.isPending}>
                    Save addresses
                  </Button>
                </Group>
              ) : (
                <Text size="xs" c="dimmed">
                  Only administrators who manage servers can change the addresses.
                </Text>
              )}
            </>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
