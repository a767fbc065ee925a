import { Button, Group, Loader, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';

/** One stored "keep for N days" setting: how to read and write it, and what it keeps. */
export interface RetentionSetting {
  queryKey: readonly unknown[];
  read: (signal?: AbortSignal) => Promise<number>;
  write: (days: number) => Promise<number>;
  title: string;
  /** What is kept, plural: "finished job runs". */
  what: string;
  max: number;
  description: string;
  testId: string;
}

/** A card that shows and changes one retention in days (job history, communication log, …). */
export function RetentionCard({ setting }: { setting: RetentionSetting }) {
  const { queryKey, read, write, title, what, max, description, testId } = setting;
  const query = useQuery({ queryKey, queryFn: ({ signal }) => read(signal) });
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<number | string | null>(null);
  const valid = (v: number | string) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
  const save = useMutation({
    mutationFn: write,
    onSuccess: (days) => {
      queryClient.setQueryData(queryKey, days);
      setDraft(null);
      notifySuccess(`${title}: ${what} are kept for ${days} days`);
    },
  });
  const stored = query.data;
  const value = draft ?? stored ?? '';
  const dirty = draft !== null && draft !== stored;
  return (
    <Paper withBorder p="md" radius="sm" maw={760} data-testid={testId}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (dirty && valid(value)) save.mutate(value as number);
        }}
      >
        <Stack gap="sm">
          <Group justify="space-between" wrap="nowrap">
            <Title order={3} size="h5">
              {title}
            </Title>
            {query.isFetching && <Loader size="xs" />}
          </Group>
          {query.isError && stored === undefined ? (
            <ErrorAlert title={`Cannot load: ${title}`} error={query.error} />
          ) : stored === undefined ? (
            <Text size="sm">Loading…</Text>
          ) : (
            <>
              <Group align="flex-end" gap="sm">
                <NumberInput
                  label={`Keep ${what} for (days)`}
                  description={`1 to ${max}. ${description}`}
                  min={1}
                  max={max}
                  allowDecimal={false}
                  value={value}
                  onChange={setDraft}
                  error={valid(value) ? undefined : `Between 1 and ${max} days`}
                  w={360}
                />
                <Button type="submit" disabled={!dirty || !valid(value)} loading={save.isPending}>
                  Save
                </Button>
              </Group>
              {typeof value === 'number' && dirty && valid(value) && value < stored && (
                <Text size="sm" c="orange">
                  {`${what[0]!.toUpperCase()}${what.slice(1)} older than ${value} days will be deleted within the hour.`}
                </Text>
              )}
              {save.isError && <ErrorAlert title={`Could not save: ${title}`} error={save.error} />}
            </>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
