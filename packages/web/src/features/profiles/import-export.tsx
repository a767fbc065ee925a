import type { Profile } from '@openums/protocol';
import { Alert, Button, Checkbox, FileButton, Group, Modal, MultiSelect, Stack, Switch, Table, Text, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { isApiError } from '../../api/client';
import { exportProfilesUrl, importErrors, importProfiles, putProfileSettings } from '../../api/profiles';
import { ErrorAlert } from '../../components/error-alert';
import { notifyError, notifySuccess } from '../../components/notify';
import { shortMessage } from '../configuration-editor/parameter-model';
import { invalidateDeviceConfiguration } from '../devices/queries';
import { invalidateProfiles, profileKeys, useAllProfiles, useProfileFeatureSettings, useProfileFolders } from './queries';

/** Largest file the browser reads for an import. */
const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** Picks a file, uploads its text; a refused file is explained line by line. */
export function ImportButton({ onImported }: { onImported: (created: Profile[]) => void }) {
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<{ fileName: string; error: unknown } | null>(null);
  // Cleared after each pick, so choosing the same (corrected) file again uploads it again.
  const resetFile = useRef<() => void>(null);
  const upload = useMutation({
    mutationFn: async (file: File) => {
      if (file.size > MAX_IMPORT_BYTES)
        throw new Error(`${file.name} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; that is not a profile export.`);
      return importProfiles(await file.text());
    },
    onSuccess: async (result) => {
      await invalidateProfiles(queryClient);
      const n = result.created.length;
      notifySuccess(n === 1 ? `Profile "${result.created[0]!.name}" imported` : `${n} profiles imported`);
      onImported(result.created);
    },
    onError: (error, file) => setFailure({ fileName: file.name, error }),
  });
  return (
    <>
      <FileButton
        resetRef={resetFile}
        onChange={(file) => {
          if (file) upload.mutate(file);
          resetFile.current?.();
        }}
        accept=".oprof,.txt,text/plain"
      >
        {(props) => (
          <Button {...props} size="compact-xs" variant="default" loading={upload.isPending} aria-label="Import profiles">
            Import…
          </Button>
        )}
      </FileButton>
      {failure && <ImportFailedDialog fileName={failure.fileName} error={failure.error} onClose={() => setFailure(null)} />}
    </>
  );
}

export function ImportFailedDialog({ fileName, error, onClose }: { fileName: string; error: unknown; onClose: () => void }) {
  const errors = isApiError(error, 'IMPORT_INVALID') ? importErrors(error.details) : [];
  return (
    <Modal opened onClose={onClose} title="Import refused" centered size="lg">
      <Stack>
        {errors.length > 0 ? (
          <Text size="sm" data-testid="import-summary">
            Nothing was imported from <b>{fileName}</b>: it has {errors.length === 1 ? 'a problem' : `${errors.length} problems`}. Correct
            the file and import it again.
          </Text>
        ) : (
          <>
            <Text size="sm">
              Nothing was imported from <b>{fileName}</b>.
            </Text>
            <ErrorAlert title="The server refused the file" error={error} />
          </>
        )}
        {errors.length > 0 && (
          <Table withTableBorder striped verticalSpacing={6} fz="sm" aria-label="Problems in the file" data-testid="import-errors">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={80}>Line</Table.Th>
                <Table.Th>Problem</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {errors.map((e, i) => (
                <Table.Tr key={i} data-testid="import-error">
                  <Table.Td style={{ verticalAlign: 'top', whiteSpace: 'nowrap' }}>{e.line > 0 ? `Line ${e.line}` : 'File'}</Table.Td>
                  <Table.Td>
                    {e.field && (
                      <Text size="xs" ff="monospace" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                        {e.field}
                      </Text>
                    )}
                    <Text size="sm">{e.field ? shortMessage(e.field, e.message) : e.message}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Group justify="flex-end">
          <Button onClick={onClose}>Close</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Choose profiles (the open one preselected) and download them as one file. */
export function ExportDialog({ initial, canWrite, onClose }: { initial: number[]; canWrite: boolean; onClose: () => void }) {
  const profiles = useAllProfiles();
  const folders = useProfileFolders();
  const [ids, setIds] = useState<string[]>(initial.map(String));
  const [secrets, setSecrets] = useState(false);
  const data = useMemo(
    () =>
      (profiles.data ?? [])
        .map((p) => ({ value: String(p.id), label: p.folderId === null ? p.name : `${p.name} (${folders.index.path(p.folderId)})` }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    [profiles.data, folders.index],
  );
  const href = exportProfilesUrl(ids.map(Number), secrets);
  return (
    <Modal opened onClose={onClose} title="Export profiles" centered size="lg">
      <Stack>
        <MultiSelect
          label="Profiles"
          placeholder={ids.length ? undefined : 'Pick one or more profiles'}
          data={data}
          value={ids}
          onChange={setIds}
          searchable
          clearable
          disabled={profiles.isPending}
          nothingFoundMessage="No profile with that name"
          maxDropdownHeight={260}
          comboboxProps={{ withinPortal: true }}
        />
        <Group gap="xs">
          <Button
            size="compact-xs"
            variant="subtle"
            disabled={!profiles.data?.length}
            onClick={() => setIds((profiles.data ?? []).map((p) => String(p.id)))}
          >
            Select all ({profiles.data?.length ?? 0})
          </Button>
        </Group>
        {profiles.isError && <ErrorAlert title="Cannot list the profiles" error={profiles.error} />}
        {canWrite && (
          <Checkbox
            label="Include secrets (passwords appear readable in the file)"
            checked={secrets}
            onChange={(e) => setSecrets(e.currentTarget.checked)}
          />
        )}
        {secrets && (
          <Alert color="yellow" p="xs">
            Anyone with the file can read the passwords in it. Without secrets, imported profiles have empty passwords.
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button
            component="a"
            href={ids.length ? href : undefined}
            download
            data-disabled={ids.length === 0 || undefined}
            onClick={(e) => ids.length === 0 && e.preventDefault()}
            aria-disabled={ids.length === 0}
          >
            Download {ids.length > 1 ? `${ids.length} profiles` : ids.length === 1 ? 'profile' : ''}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Administrator switch for priority profiles (off by default). */
export function PriorityProfilesSwitch({ canWrite }: { canWrite: boolean }) {
  const settings = useProfileFeatureSettings();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<boolean | null>(null);
  const change = useMutation({
    mutationFn: (on: boolean) => putProfileSettings({ priorityProfiles: on }),
    onSuccess: (result) => {
      queryClient.setQueryData(profileKeys.settings, result);
      invalidateDeviceConfiguration(queryClient);
      setConfirming(null);
      notifySuccess(result.priorityProfiles ? 'Priority profiles are on' : 'Priority profiles are off');
    },
    onError: (error) => notifyError('Could not change the priority profile setting', error),
  });
  const on = settings.data?.priorityProfiles === true;
  return (
    <>
      <Tooltip
        label={canWrite ? 'Priority profiles override every standard profile' : 'Only an administrator can change this'}
        withArrow
        multiline
        w={240}
      >
        <Switch
          size="xs"
          label="Priority profiles"
          checked={on}
          disabled={!canWrite || settings.isPending || change.isPending}
          onChange={(e) => setConfirming(e.currentTarget.checked)}
          data-testid="priority-switch"
        />
      </Tooltip>
      {confirming !== null && (
        <Modal
          opened
          onClose={() => setConfirming(null)}
          title={confirming ? 'Turn on priority profiles?' : 'Turn off priority profiles?'}
          centered
        >
          <Stack>
            <Text size="sm">
              {confirming
                ? 'Priority profiles can then be created. Their settings override every standard profile and the devices’ own settings, wherever they are assigned.'
                : 'Existing priority profiles stop applying: devices fall back to their standard profiles. No priority profile is deleted, and turning this on again restores them.'}
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirming(null)}>
                Cancel
              </Button>
              <Button color={confirming ? undefined : 'red'} loading={change.isPending} onClick={() => change.mutate(confirming)}>
                {confirming ? 'Turn on' : 'Turn off'}
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </>
  );
}
