import type { PasswordPolicy } from '@openums/protocol';
import { Button, Group, Loader, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { putPasswordPolicy } from '../../api/admins';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { adminQueries, usePasswordPolicy } from './queries';

const inRange = (v: number | string, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Minimum length and reuse of local passwords, for every server. */
export function PasswordPolicyCard() {
  const query = usePasswordPolicy();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<{ minLength: number | string; reuseCount: number | string } | null>(null);
  const save = useMutation({
    mutationFn: putPasswordPolicy,
    onSuccess: (saved) => {
      queryClient.setQueryData(adminQueries.passwordPolicy, saved);
      setDraft(null);
      notifySuccess('Password policy saved');
    },
  });
  const stored = query.data;
  const values = draft ?? stored;
  const valid = !!values && inRange(values.minLength, 8, 128) && inRange(values.reuseCount, 0, 5);
  const dirty = !!draft && !!stored && (draft.minLength !== stored.minLength || draft.reuseCount !== stored.reuseCount);

  return (
    <Paper withBorder p="md" radius="sm" maw={760} data-testid="password-policy">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (dirty && valid && values) save.mutate(values as PasswordPolicy);
        }}
      >
        <Stack gap="sm">
          <Group justify="space-between" wrap="nowrap">
            <Title order={3} size="h5">
              Password policy
            </Title>
            {query.isFetching && <Loader size="xs" />}
          </Group>
          <Text size="sm" c="dimmed">
            Applies to local accounts when a password is set or changed; directory accounts use the directory's passwords.
          </Text>
          {query.isError && !stored ? (
            <ErrorAlert title="Cannot load the password policy" error={query.error} />
          ) : !values ? (
            <Text size="sm">Loading…</Text>
          ) : (
            <>
              <Group grow align="flex-start">
                <NumberInput
                  label="Minimum length"
                  description="8 to 128 characters"
                  min={8}
                  max={128}
                  allowDecimal={false}
                  value={values.minLength}
                  onChange={(v) => setDraft({ ...values, minLength: v })}
                  error={inRange(values.minLength, 8, 128) ? undefined : 'Between 8 and 128'}
                />
                <NumberInput
                  label="Passwords that may not be reused"
                  description="The last N passwords, the current one included (0 to 5)"
                  min={0}
                  max={5}
                  allowDecimal={false}
                  value={values.reuseCount}
                  onChange={(v) => setDraft({ ...values, reuseCount: v })}
                  error={inRange(values.reuseCount, 0, 5) ? undefined : 'Between 0 and 5'}
                />
              </Group>
              {save.isError && <ErrorAlert title="Could not save the policy" error={save.error} />}
              <Group justify="flex-end" gap="xs">
                <Button variant="default" disabled={!draft} onClick={() => setDraft(null)}>
                  Discard changes
                </Button>
                <Button type="submit" disabled={!dirty || !valid} loading={save.isPending}>
                  Save policy
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
