import { NETWORK_NAME_MAX, type NamingSettings } from '@openums/protocol';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { getNamingSettings, putNamingSettings, renameAllDevices, type RenameAllResponse } from '../../api/naming';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { LoadError, Loading, PageHeader } from '../admin/page-states';

export const namingQueryKey = ['settings', 'naming'] as const;

/** The name the convention gives (the same rule as the server's). */
export function exampleName(s: NamingSettings, number = 1): string {
  if (!s.enabled) return 'ITC00E0C5123456';
  return s.identifier === 'mac' ? `${s.prefix}00E0C5123456` : `${s.prefix}${String(number).padStart(s.digits, '0')}`;
}

/** Administration › Naming convention: how new devices are named, and renaming every device by it. */
export function NamingPage() {
  const query = useQuery({ queryKey: namingQueryKey, queryFn: ({ signal }) => getNamingSettings(signal) });
  return (
    <Stack p="lg" gap="lg" maw={1000}>
      <PageHeader
        title="Naming convention"
        description="The name a device gets when it registers (without a convention: ITC and its MAC address), and whether the device name and its network name follow each other."
      />
      {query.isPending ? (
        <Loading what="naming convention" />
      ) : query.isError && !query.data ? (
        <LoadError what="naming convention" right="globalSettings" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <NamingForm settings={query.data} />
          <RenameCard settings={query.data} />
        </>
      )}
    </Stack>
  );
}

function NamingForm({ settings }: { settings: NamingSettings }) {
  const queryClient = useQueryClient();
  const [d, setD] = useState<NamingSettings>(settings);
  useEffect(() => setD(settings), [settings]);
  const set = <K extends keyof NamingSettings>(key: K, value: NamingSettings[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const example = exampleName(d);
  const longest = d.identifier === 'mac' ? d.prefix.length + 12 : d.prefix.length + d.digits;
  const tooLong = d.enabled && d.adjustNetworkName && longest > NETWORK_NAME_MAX;
  const badPrefix = d.prefix !== '' && !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(d.prefix);
  const save = useMutation({
    mutationFn: () => putNamingSettings(d),
    onSuccess: (saved) => {
      queryClient.setQueryData(namingQueryKey, saved);
      notifySuccess('Naming convention saved; it applies to devices registered from now on');
    },
  });
  return (
    <Paper withBorder p="md" radius="sm" component="form" aria-label="Naming convention" noValidate onSubmit={(e) => e.preventDefault()}>
      <Stack>
        <Switch
          label="Name new devices by a convention"
          description="Off: a new device is named ITC followed by its MAC address."
          checked={d.enabled}
          onChange={(e) => set('enabled', e.currentTarget.checked)}
        />
        {d.enabled && (
          <Group align="flex-start" grow>
            <TextInput
              label="Prefix"
              value={d.prefix}
              maxLength={NETWORK_NAME_MAX}
              onChange={(e) => set('prefix', e.currentTarget.value)}
              error={badPrefix ? 'Letters, digits and "-" (not first)' : undefined}
            />
            <div>
              <Text size="sm" fw={500} mb={4}>
                Identifier
              </Text>
              <SegmentedControl
                aria-label="Identifier"
                value={d.identifier}
                onChange={(v) => set('identifier', v === 'sequential' ? 'sequential' : 'mac')}
                data={[
                  { value: 'mac', label: 'MAC address' },
                  { value: 'sequential', label: 'Sequential number' },
                ]}
              />
            </div>
            <NumberInput
              label="Number of digits"
              min={1}
              max={12}
              disabled={d.identifier !== 'sequential'}
              value={d.digits}
              onChange={(v) => set('digits', typeof v === 'number' ? v : 4)}
            />
          </Group>
        )}
        <Text size="sm">
          Example: <b data-testid="naming-example">{example}</b> ({example.length} characters)
        </Text>
        <Checkbox
          label="Adjust the network name when the name changes"
          description={`A rename also sets the device's network name (host name). A network name has at most ${NETWORK_NAME_MAX} characters: longer names are refused while this is on.`}
          checked={d.adjustNetworkName}
          onChange={(e) => set('adjustNetworkName', e.currentTarget.checked)}
        />
        <Checkbox
          label="Adjust the name when the network name changes"
          description="When a device reports a network name other than the last one, the device is renamed to it."
          checked={d.adjustNameFromNetworkName}
          onChange={(e) => set('adjustNameFromNetworkName', e.currentTarget.checked)}
        />
        {tooLong && (
          <Alert color="yellow" data-testid="naming-too-long">
            Names by this convention are {longest} characters long; a network name has at most {NETWORK_NAME_MAX}. Shorten the prefix or the
            number of digits, or switch “Adjust the network name” off.
          </Alert>
        )}
        {save.isError && <ErrorAlert title="Not saved" error={save.error} />}
        <Group>
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={tooLong || badPrefix}>
            Save
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** "Rename all devices" / "Rename and renumber all devices": a preview first, then the rename. */
function RenameCard({ settings }: { settings: NamingSettings }) {
  const queryClient = useQueryClient();
  const [renumber, setRenumber] = useState<boolean | null>(null);
  const [pages, setPages] = useState<RenameAllResponse[]>([]);
  const preview = useMutation({
    mutationFn: (v: { renumber: boolean; cursor?: string }) =>
      renameAllDevices({ renumber: v.renumber, dryRun: true, limit: 100, ...(v.cursor ? { cursor: v.cursor } : {}) }),
    onSuccess: (page, v) => setPages((prev) => (v.cursor ? [...prev, page] : [page])),
  });
  const apply = useMutation({
    mutationFn: () => renameAllDevices({ renumber: renumber === true, dryRun: false }),
    onSuccess: async (r) => {
      notifySuccess(`${r.renamed} of ${r.total} devices renamed`);
      setPages([]);
      setRenumber(null);
      await queryClient.invalidateQueries({ queryKey: ['devices'] });
    },
  });
  const start = (value: boolean) => {
    setRenumber(value);
    setPages([]);
    preview.mutate({ renumber: value });
  };
  const items = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];
  const changed = items.filter((i) => i.changed).length;
  return (
    <Paper withBorder p="md" radius="sm" aria-label="Rename all devices" component="section">
      <Stack>
        <Title order={4}>Rename devices by the convention</Title>
        <Text size="sm" c="dimmed">
          “Rename” gives every device you may change a name by the saved convention; devices already named by it keep their number. “Rename
          and renumber” numbers all devices anew from 1 in the order they were registered, so freed numbers are used again.
        </Text>
        {!settings.enabled && <Alert color="gray">Switch the naming convention on and save it first.</Alert>}
        <Group>
          <Button
            variant="default"
            disabled={!settings.enabled}
            loading={preview.isPending && renumber === false}
            onClick={() => start(false)}
          >
            Preview: rename all devices
          </Button>
          <Button
            variant="default"
            disabled={!settings.enabled || settings.identifier !== 'sequential'}
            loading={preview.isPending && renumber === true}
            onClick={() => start(true)}
          >
            Preview: rename and renumber all devices
          </Button>
        </Group>
        {preview.isError && <ErrorAlert title="No preview" error={preview.error} />}
        {last && (
          <>
            <Text size="sm" data-testid="rename-summary">
              {last.total} devices; {changed} of the {items.length} shown get a new name.
            </Text>
            <Table striped withTableBorder data-testid="rename-preview">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Id</Table.Th>
                  <Table.Th>Name now</Table.Th>
                  <Table.Th>New name</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td>{i.id}</Table.Td>
                    <Table.Td>{i.oldName}</Table.Td>
                    <Table.Td>
                      {i.changed ? (
                        <b>{i.newName}</b>
                      ) : (
                        <Badge variant="light" color="gray">
                          unchanged
                        </Badge>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group>
              {last.nextCursor && (
                <Button
                  variant="subtle"
                  loading={preview.isPending}
                  onClick={() => preview.mutate({ renumber: renumber === true, cursor: last.nextCursor! })}
                >
                  Show more
                </Button>
              )}
              <Button color="orange" loading={apply.isPending} onClick={() => apply.mutate()}>
                {renumber ? 'Rename and renumber all devices' : 'Rename all devices'}
              </Button>
            </Group>
          </>
        )}
        {apply.isError && <ErrorAlert title="Not renamed" error={apply.error} />}
      </Stack>
    </Paper>
  );
}
