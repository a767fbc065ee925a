import { DEVICE_IMPORT_MAX_BYTES, type DeviceImportFormat } from '@openums/protocol';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  FileInput,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Stepper,
  Table,
  Text,
  Textarea,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { isApiError } from '../../api/client';
import { importDevices, importErrorsOf, type DeviceImportResponse } from '../../api/naming';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { PageHeader } from '../admin/page-states';

const FORMATS: Record<DeviceImportFormat, { columns: string; example: string }> = {
  short: {
    columns: 'unit id (MAC) ; name ; product id ; profile ids',
    example: '00E0C5123456;kiosk-01;UD3-LX;12,14\n00E0C5123457;kiosk-02;UD3-LX;!14',
  },
  long: {
    columns:
      'folder path ; unit id (MAC) ; product id ; version ; name ; site ; department ; comment ; asset id ; in-service date ; serial number ; profile ids',
    example: '/Augsburg/Floor 1;00E0C5123456;UD3-LX;11.10.100;aug-01;Augsburg;Sales;;A-17;01.03.2024;SN123;12',
  },
};

/** Devices › Import: upload or paste a file, check it (nothing saved), then import it as a whole. */
export function DeviceImportPage() {
  const queryClient = useQueryClient();
  const [format, setFormat] = useState<DeviceImportFormat>('short');
  const [text, setText] = useState('');
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [preview, setPreview] = useState<DeviceImportResponse | null>(null);
  const [done, setDone] = useState<DeviceImportResponse | null>(null);
  const check = useMutation({
    mutationFn: () => importDevices(text, format, true),
    onMutate: () => setPreview(null),
    onSuccess: setPreview,
  });
  const run = useMutation({
    mutationFn: () => importDevices(text, format, false),
    onSuccess: async (r) => {
      setDone(r);
      notifySuccess(`${r.created} devices created, ${r.updated} updated`);
      await queryClient.invalidateQueries({ queryKey: ['devices'] });
      await queryClient.invalidateQueries({ queryKey: ['folders'] });
    },
  });
  const reset = () => {
    setPreview(null);
    setDone(null);
    check.reset();
    run.reset();
  };
  const step = done ? 3 : preview ? 2 : check.isError ? 1 : 0;
  const lineErrors = check.isError && isApiError(check.error) ? importErrorsOf(check.error.details) : [];
  const lines = text.split(/\r?\n/);

  const readFile = async (file: File | null) => {
    reset();
    setFileProblem(null);
    if (!file) return;
    if (file.size > DEVICE_IMPORT_MAX_BYTES) {
      setFileProblem(
        `The file is ${Math.ceil(file.size / 1024)} KiB; at most ${DEVICE_IMPORT_MAX_BYTES / 1024 / 1024} MiB per import — split it.`,
      );
      return;
    }
    setText(await file.text());
  };

  return (
    <Stack p="lg" gap="lg" maw={1200}>
      <PageHeader
        title="Import devices"
        description="Pre-register devices from a CSV file (fields separated by ;). An imported device has no certificate yet: when it enrolls with the same unit id or MAC, it takes this record over with its name, folder and profiles."
      >
        <Button component={Link} to="/devices" variant="default">
          Back to devices
        </Button>
      </PageHeader>
      <Stepper active={step} size="sm">
        <Stepper.Step label="File" description="Upload or paste" />
        <Stepper.Step label="Check" description="Errors by line" />
        <Stepper.Step label="Preview" description="What will change" />
        <Stepper.Step label="Imported" />
      </Stepper>
      <Paper withBorder p="md" radius="sm">
        <Stack>
          <Group align="flex-end">
            <div>
              <Text size="sm" fw={500} mb={4}>
                Format
              </Text>
              <SegmentedControl
                aria-label="Format"
                value={format}
                onChange={(v) => {
                  setFormat(v === 'long' ? 'long' : 'short');
                  reset();
                }}
                data={[
                  { value: 'short', label: 'Short' },
                  { value: 'long', label: 'Long' },
                ]}
              />
            </div>
            <FileInput
              label="File"
              placeholder="Choose a .csv file"
              accept=".csv,text/csv,text/plain"
              clearable
              onChange={(f) => void readFile(f)}
              w={280}
            />
          </Group>
          <Text size="sm">
            Columns: <Code>{FORMATS[format].columns}</Code>. Profile ids are separated by commas; <Code>!id</Code> removes that assignment.
            An empty field leaves the value as it is (a new device without a name is named by the naming convention).
          </Text>
          {fileProblem && <Alert color="red">{fileProblem}</Alert>}
          <Textarea
            label="File contents"
            description="Paste the lines here or choose a file above."
            placeholder={FORMATS[format].example}
            autosize
            minRows={6}
            maxRows={16}
            styles={{ input: { fontFamily: 'monospace' } }}
            value={text}
            onChange={(e) => {
              setText(e.currentTarget.value);
              reset();
            }}
          />
          <Group>
            <Button onClick={() => check.mutate()} loading={check.isPending} disabled={!text.trim()}>
              Check and preview
            </Button>
          </Group>
          {check.isError && lineErrors.length === 0 && <ErrorAlert title="Cannot check the file" error={check.error} />}
          {lineErrors.length > 0 && (
            <Stack gap="xs" data-testid="import-errors">
              <Alert color="red" title={`${lineErrors.length} error(s): nothing will be imported until they are fixed`} />
              <Table withTableBorder striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Line</Table.Th>
                    <Table.Th>Field</Table.Th>
                    <Table.Th>Problem</Table.Th>
                    <Table.Th>Text of the line</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {lineErrors.map((e, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>{e.line}</Table.Td>
                      <Table.Td>
                        <Code>{e.field}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Badge size="xs" variant="light" color="red" mr={6}>
                          {e.code}
                        </Badge>
                        {e.message}
                      </Table.Td>
                      <Table.Td>
                        <Code>{(lines[e.line - 1] ?? '').slice(0, 80)}</Code>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          )}
        </Stack>
      </Paper>
      {(preview ?? done) && <ImportPreview result={(done ?? preview)!} />}
      {preview && !done && (
        <Group>
          <Button color="green" onClick={() => run.mutate()} loading={run.isPending}>
            Import {preview.lines.length} devices ({preview.created} new, {preview.updated} updated)
          </Button>
          {run.isError && <ErrorAlert title="Not imported" error={run.error} />}
        </Group>
      )}
      {done && (
        <Alert color="green" title="Imported" data-testid="import-done">
          {done.created} devices created, {done.updated} updated.{' '}
          <Anchor component={Link} to="/devices">
            Show the devices
          </Anchor>
        </Alert>
      )}
    </Stack>
  );
}

function ImportPreview({ result }: { result: DeviceImportResponse }) {
  return (
    <Paper withBorder p="md" radius="sm" aria-label="Import preview">
      <Text size="sm" mb="xs">
        {result.dryRun ? 'Preview — nothing is saved yet: ' : ''}
        {result.created} new, {result.updated} updated.
      </Text>
      <Table withTableBorder striped data-testid="import-preview">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Line</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Unit id</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Folder</Table.Th>
            <Table.Th>Profiles</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.lines.map((l) => (
            <Table.Tr key={l.line}>
              <Table.Td>{l.line}</Table.Td>
              <Table.Td>
                <Badge variant="light" color={l.action === 'create' ? 'green' : 'blue'}>
                  {l.action === 'create' ? 'new' : 'update'}
                </Badge>
              </Table.Td>
              <Table.Td>{l.unitId}</Table.Td>
              <Table.Td>{l.name}</Table.Td>
              <Table.Td>
                {l.folderPath ?? '—'}
                {l.createsFolders.length > 0 && (
                  <Text size="xs" c="dimmed">
                    creates {l.createsFolders.join(', ')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{[...l.profilesAdded.map((p) => `+${p}`), ...l.profilesRemoved.map((p) => `−${p}`)].join(' ') || '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
