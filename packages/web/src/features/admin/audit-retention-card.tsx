import { Button, Group, Loader, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { putAuditSettings } from '../../api/audit';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { adminQueries, useAuditSettings } from './queries';

const valid = (v: number | string) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 3650;

/** How long entries are kept. */
export function AuditRetentionCard() {
  const query = useAuditSettings();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<number | string | null>(null);
  const save = useMutation({
    mutationFn: (days: number) => putAuditSettings({ retentionDays: days }),
    onSuccess: (saved) => {
      queryClient.setQueryData(adminQueries.auditSettings, saved);
      setDraft(null);
      notifySuccess(`Audit log entries are kept for ${saved.retentionDays} days`);
    },
  });
  const stored = query.data?.retentionDays;
  const value = draft ?? stored ?? '';
  const dirty = draft !== null && draft !== stored;

  return (
    <Paper withBorder p="md" radius="sm" maw={760} data-testid="audit-retention">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (dirty && valid(value)) save.mutate(value as number);
        }}
      >
        <Stack gap="sm">
          <Group justify="space-between" wrap="nowrap">
            <Title order={3} size="h5">
              Retention
            </Title>
            {query.isFetching && <Loader size="xs" />}
          </Group>
          {query.isError && stored === undefined ? (
            <ErrorAlert title="Cannot load the retention" error={query.error} />
          ) : stored === undefined ? (
            <Text size="sm">Loading…</Text>
          ) : (
            <>
              <Group align="flex-end" gap="sm">
                <NumberInput
                  label="Keep entries for (days)"
                  description="1 to 3650. Older entries are deleted once an hour."
                  min={1}
                  max={3650}
                  allowDecimal={false}
                  value={value}
                  onChange={setDraft}
                  error={valid(value) ? undefined : 'Between 1 and 3650 days'}
                  w={320}
                />
                <Button type="submit" disabled={!dirty || !valid(value)} loading={save.isPending}>
                  Save retention
                </Button>
              </Group>
              {typeof value === 'number' && dirty && valid(value) && value < stored && (
                <Text size="sm" c="orange">
                  Entries older than {value} days will be deleted within the hour; export them first if you need them.
                </Text>
              )}
              {save.isError && <ErrorAlert title="Could not save the retention" error={save.error} />}
            </>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
