import type { ApplyMode, PreviewProfileChangeRequest } from '@openums/protocol';
import { Alert, Group, Loader, Radio, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { previewProfileChange } from '../../api/profiles';
import { formatValue } from './parameter-model';
import classes from './configuration-editor.module.css';

/** "Apply now / at next reboot", for saving and for (un)assigning; `oneDevice` words it for a single device. */
export function ApplyChoice({
  value,
  onChange,
  oneDevice = false,
}: {
  value: ApplyMode;
  onChange: (value: ApplyMode) => void;
  oneDevice?: boolean;
}) {
  return (
    <Radio.Group
      label={oneDevice ? 'When the device applies the change' : 'When devices apply the change'}
      value={value}
      onChange={(v) => onChange(v as ApplyMode)}
    >
      <Group gap="lg" mt={6}>
        <Radio value="now" label="Now" description={oneDevice ? 'At once if it is online' : 'Online devices take it at once'} />
        <Radio
          value="next-reboot"
          label="At next reboot"
          description={oneDevice ? 'When it next starts' : 'Devices take it when they next start'}
        />
      </Group>
    </Radio.Group>
  );
}

/**
 * What a change would do to devices, computed by the server without saving: how many devices the
 * profile reaches, how many of them change, and the changes for one sample device.
 */
export function ChangePreview({
  profileId,
  request,
  enabled = true,
}: {
  profileId: number;
  request: PreviewProfileChangeRequest;
  enabled?: boolean;
}) {
  const query = useQuery({
    queryKey: ['profiles', 'preview', profileId, request],
    queryFn: ({ signal }) => previewProfileChange(profileId, request, signal),
    enabled,
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });

  if (!enabled) return null;
  if (query.isPending) {
    return (
      <Group gap="xs" data-testid="change-preview">
        <Loader size="xs" />
        <Text size="sm">Working out which devices change…</Text>
      </Group>
    );
  }
  if (query.isError) {
    return (
      <Alert color="yellow" title="No preview" data-testid="change-preview">
        The server could not compute which devices change: {errorMessage(query.error)} You can still go ahead.
      </Alert>
    );
  }
  const { affectedDevices, changedDevices, sample } = query.data;
  return (
    <Stack gap="xs" data-testid="change-preview">
      <Text size="sm" data-testid="preview-summary">
        {affectedDevices === 0 ? (
          'No device gets this profile, so no device changes.'
        ) : changedDevices === 0 ? (
          `No device changes: the ${affectedDevices.toLocaleString()} device${affectedDevices === 1 ? '' : 's'} reached by this profile already ${affectedDevices === 1 ? 'has' : 'have'} these values.`
        ) : (
          <>
            <b>{changedDevices.toLocaleString()}</b> of {affectedDevices.toLocaleString()} device{affectedDevices === 1 ? '' : 's'} reached
            by this profile {changedDevices === 1 ? 'gets' : 'get'} a new configuration.
          </>
        )}
      </Text>
      {sample && sample.changes.length > 0 && (
        <Stack gap={4}>
          <Text size="xs" c="dimmed">
            For example, <b>{sample.deviceName}</b>:
          </Text>
          <Table className={classes.diffTable} withTableBorder striped verticalSpacing={4} data-testid="preview-diff">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Parameter</Table.Th>
                <Table.Th>Before</Table.Th>
                <Table.Th>After</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sample.changes.slice(0, 50).map((change) => (
                <Table.Tr key={change.key}>
                  <Table.Td className={classes.mono}>{change.key}</Table.Td>
                  <Table.Td>
                    {change.before === null ? (
                      <Text span size="xs" c="dimmed">
                        not set
                      </Text>
                    ) : (
                      formatValue(change.before)
                    )}
                  </Table.Td>
                  <Table.Td>
                    {change.after === null ? (
                      <Text span size="xs" c="dimmed">
                        not set any more
                      </Text>
                    ) : (
                      formatValue(change.after)
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {sample.changes.length > 50 && (
            <Text size="xs" c="dimmed">
              … and {sample.changes.length - 50} more parameters.
            </Text>
          )}
        </Stack>
      )}
    </Stack>
  );
}
