import { findParameter, PARAMETER_CATALOGUE, type ApplyMode, type Device, type DeviceSettingsResponse } from '@openums/protocol';
import { Alert, Button, Group, Loader, Modal, Popover, Stack, Text, UnstyledButton } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useBlocker } from 'react-router';
import { isApiError } from '../../api/client';
import { putDeviceSettings, type EffectiveParameter } from '../../api/profiles';
import { ErrorAlert } from '../../components/error-alert';
import { DiscardChangesModal, useWarnBeforeUnload } from '../../components/unsaved-changes';
import { notifySuccess } from '../../components/notify';
import { useMyRights } from '../access/use-my-rights';
import { RIGHT_LABELS } from '../access/rights-labels';
import { ApplyChoice } from '../configuration-editor/change-preview';
import { ParameterEditor, type ParamNote } from '../configuration-editor/parameter-editor';
import { formatValue, shortMessage, splitByCatalogue, type Settings } from '../configuration-editor/parameter-model';
import { SaveBar } from '../configuration-editor/save-bar';
import { useSettingsDraft } from '../configuration-editor/settings-draft';
import { DeliveryState, sourceText } from './device-configuration';
import classes from './devices.module.css';
import { formatDateTime, plural } from '../../lib/format';
import { invalidateDeviceConfiguration, keys, useDeviceSettings, useEffectiveConfiguration } from './queries';

/**
 * What profiles do to the device's own values, by key: an activated value a profile overrides (it
 * does not take effect), or a parameter the device leaves alone that a profile sets.
 */
export function profileNotes(effective: readonly EffectiveParameter[], draft: Settings): Map<string, ParamNote> {
  const notes = new Map<string, ParamNote>();
  for (const p of effective) {
    // Profiles' free instances (their RDP sessions …) are keyed by their source and never meet the device's own.
    if (p.source.type !== 'profile') continue;
    const value = findParameter(p.key)?.type === 'secret' ? 'its own secret' : formatValue(p.value);
    const by = sourceText(p.source);
    const link = { to: `/profiles/${p.source.id}`, linkText: 'Open profile' };
    notes.set(
      p.key,
      p.key in draft
        ? { tone: 'override', text: `Overridden by ${by}, which sets ${value}: this value does not take effect.`, ...link }
        : { tone: 'info', text: `${by} sets ${value} on this device.`, ...link },
    );
  }
  return notes;
}

/**
 * The device's own configuration (values it reported, or set for it alone; every profile
 * overrides them) in the profile editor's parameter tree, with what profiles override, the
 * delivery state, and saving now or at the next reboot.
 */
export function DeviceOwnConfiguration({ device }: { device: Device }) {
  const query = useDeviceSettings(device.id);
  if (query.isPending) {
    return (
      <Group gap="xs">
        <Loader size="xs" />
        <Text size="sm">Loading the device configuration…</Text>
      </Group>
    );
  }
  if (query.isError) return <ErrorAlert title="Cannot load the device configuration" error={query.error} />;
  return <LoadedOwnConfiguration device={device} data={query.data} />;
}

type Split = { known: Settings; unknown: Settings };

function LoadedOwnConfiguration({ device, data }: { device: Device; data: DeviceSettingsResponse }) {
  const mine = useMyRights({ type: 'device', id: device.id });
  const canWrite = mine.can('editConfiguration');
  const effective = useEffectiveConfiguration(device.id);
  const { known: saved, unknown } = useMemo<Split>(() => splitByCatalogue(data.settings), [data.settings]);
  // The device may report changed values while an administrator edits: untouched parameters
  // follow the device, edited ones keep the administrator's value.
  const edit = useSettingsDraft(saved, 'rebase');
  const { draft, dirty } = edit;
  const [search, setSearch] = useState('');
  const [saving, setSaving] = useState(false);
  /** A value the server refused, shown on its row until it is changed. */
  const [refused, setRefused] = useState<{ key: string; message: string; value: unknown } | null>(null);
  const errors = useMemo(() => {
    if (!refused || !(refused.key in draft) || JSON.stringify(draft[refused.key]) !== JSON.stringify(refused.value)) return edit.errors;
    return new Map(edit.errors).set(refused.key, refused.message);
  }, [edit.errors, refused, draft]);
  const notes = useMemo(() => profileNotes(effective.data?.parameters ?? [], draft), [effective.data, draft]);
  const overridden = useMemo(() => [...notes].filter(([, note]) => note.tone === 'override'), [notes]);
  const unknownCount = Object.keys(unknown).length;

  // Leaving the tab, the device or the page with unsaved changes asks first.
  const dirtyRef = useRef(false);
  useEffect(() => {
    dirtyRef.current = dirty;
  }, [dirty]);
  const blocker = useBlocker(({ currentLocation, nextLocation }) => {
    if (!dirtyRef.current) return false;
    if (currentLocation.pathname !== nextLocation.pathname) return true;
    const before = new URLSearchParams(currentLocation.search);
    const after = new URLSearchParams(nextLocation.search);
    return before.get('device') !== after.get('device') || before.get('tab') !== after.get('tab');
  });
  useWarnBeforeUnload(dirty);

  return (
    <div className={classes.ownConfig} data-testid="device-own-configuration">
      <Stack gap={6}>
        <DeliveryState deviceId={device.id} online={device.online} />
        <Text size="xs" c="dimmed">
          The device’s own values: reported by the device or set here for it alone (activated parameters). Where a profile sets the same
          parameter, the profile’s value applies.{data.updatedAt ? ` Last changed ${formatDateTime(data.updatedAt)}.` : ''}
        </Text>
        {overridden.length > 0 && <OverriddenValues entries={overridden} onShow={setSearch} />}
        {effective.isError && (
          <Text size="xs" c="red">
            Cannot tell which values profiles override: {effective.error.message}
          </Text>
        )}
        {unknownCount > 0 && <UnknownSettings settings={unknown} />}
        {!canWrite && !mine.loading && (
          <Text size="xs" c="dimmed" data-testid="own-configuration-read-only">
            Read only: changing the device’s configuration needs the {RIGHT_LABELS.editConfiguration} right on it.
          </Text>
        )}
      </Stack>
      <div className={classes.ownEditor}>
        <ParameterEditor
          key={edit.editorKey}
          owner="device"
          compact
          draft={draft}
          saved={saved}
          errors={errors}
          notes={notes}
          readOnly={!canWrite}
          onSet={edit.onSet}
          onActivate={edit.onActivate}
          onRemoveInstance={edit.onRemoveInstance}
          search={search}
          onSearchChange={setSearch}
        />
        {canWrite && (
          <SaveBar
            changed={edit.changed.length}
            errors={errors}
            onShow={setSearch}
            onDiscard={edit.discard}
            onSave={() => setSaving(true)}
          />
        )}
      </div>
      {saving && (
        <SaveDeviceConfigurationDialog
          device={device}
          draft={draft}
          changed={edit.changed}
          counts={edit.counts}
          notes={notes}
          unknown={unknown}
          onClose={() => setSaving(false)}
          onSaved={(next) => edit.reset(splitByCatalogue(next.settings).known)}
          onShowParameter={(key, message) => {
            setRefused({ key, message, value: draft[key] });
            setSaving(false);
            setSearch(key);
          }}
        />
      )}
      <DiscardChangesModal blocker={blocker} onDiscard={() => (dirtyRef.current = false)}>
        The device configuration of {device.name} has changes that are not saved. Leave it and lose them?
      </DiscardChangesModal>
    </div>
  );
}

/** "2 activated values are overridden by profiles", with the list; choosing one shows it. */
function OverriddenValues({ entries, onShow }: { entries: [string, ParamNote][]; onShow: (key: string) => void }) {
  const n = entries.length;
  const [opened, setOpened] = useState(false);
  return (
    <Group gap={6}>
      <Popover position="bottom-start" withArrow shadow="md" width={440} opened={opened} onChange={setOpened}>
        <Popover.Target>
          <Button size="compact-xs" variant="light" color="orange" data-testid="overridden-count" onClick={() => setOpened((o) => !o)}>
            {n === 1 ? '1 activated value is overridden by a profile' : `${n} activated values are overridden by profiles`}
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <Stack gap={6}>
            {entries.slice(0, 30).map(([key, note]) => (
              <UnstyledButton
                key={key}
                onClick={() => {
                  setOpened(false);
                  onShow(key);
                }}
              >
                <Text size="xs" ff="monospace" c="teal.8">
                  {key}
                </Text>
                <Text size="xs">{note.text}</Text>
              </UnstyledButton>
            ))}
          </Stack>
        </Popover.Dropdown>
      </Popover>
      <Text size="xs" c="dimmed">
        {n === 1 ? 'it does' : 'they do'} not take effect on this device
      </Text>
    </Group>
  );
}

/** Values the device reported for parameters this server's catalogue does not know: read-only. */
function UnknownSettings({ settings }: { settings: Settings }) {
  const entries = Object.entries(settings).sort(([a], [b]) => a.localeCompare(b));
  const [open, setOpen] = useState(entries.length <= 3);
  const n = entries.length;
  return (
    <Alert color="yellow" p="xs" title={`${plural(n, 'reported value')} unknown to this server's catalogue`} data-testid="unknown-settings">
      <Stack gap={4}>
        <Text size="xs">
          The device reported {n === 1 ? 'a parameter' : 'parameters'} that this server’s catalogue (OS {PARAMETER_CATALOGUE.basedOn}) does
          not know. {n === 1 ? 'It is' : 'They are'} shown read-only and kept as the device reported {n === 1 ? 'it' : 'them'} when you save
          here.
        </Text>
        {open ? (
          <dl className={classes.unknownList}>
            {entries.map(([key, value]) => (
              <div key={key} data-testid="unknown-setting" data-key={key}>
                <dt className={classes.mono}>{key}</dt>
                <dd>{formatValue(value)}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <Button size="compact-xs" variant="subtle" w="fit-content" onClick={() => setOpen(true)}>
            Show {n} values
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

interface SaveDialogProps {
  device: Device;
  draft: Settings;
  changed: readonly string[];
  counts: { activated: number; deactivated: number; changed: number };
  notes: ReadonlyMap<string, ParamNote>;
  unknown: Settings;
  onClose: () => void;
  onSaved: (settings: DeviceSettingsResponse) => void;
  onShowParameter: (key: string, message: string) => void;
}

/** Saving says which changes profiles override and which reported values are kept, then asks when the device applies it. */
function SaveDeviceConfigurationDialog({
  device,
  draft,
  changed,
  counts,
  notes,
  unknown,
  onClose,
  onSaved,
  onShowParameter,
}: SaveDialogProps) {
  const [apply, setApply] = useState<ApplyMode>('now');
  const queryClient = useQueryClient();
  const save = useMutation({
    // Only catalogue parameters: the server refuses any other key.
    mutationFn: () => putDeviceSettings(device.id, { settings: draft, apply }),
    onSuccess: (saved) => {
      queryClient.setQueryData(keys.settings(device.id), saved);
      onSaved(saved);
      onClose();
      notifySuccess(
        `Configuration of "${device.name}" saved${apply === 'next-reboot' ? '; the device applies it at its next reboot' : device.online ? '' : '; the device gets it when it next connects'}`,
      );
      invalidateDeviceConfiguration(queryClient);
    },
  });
  const parts = [
    counts.activated && `${plural(counts.activated, 'parameter')} activated`,
    counts.changed && `${plural(counts.changed, 'value')} changed`,
    counts.deactivated && `${plural(counts.deactivated, 'parameter')} deactivated`,
  ].filter(Boolean);
  const overridden = changed.filter((key) => key in draft && notes.get(key)?.tone === 'override');
  const unknownKeys = Object.keys(unknown);

  return (
    <Modal opened onClose={onClose} title={`Save the device configuration of "${device.name}"`} centered size="lg">
      <Stack>
        <Text size="sm" data-testid="save-summary">
          In the device’s own configuration: {parts.join(', ') || 'nothing'}.
        </Text>
        {overridden.length > 0 && (
          <Alert color="orange" p="xs" title="Overridden by profiles" data-testid="save-overridden">
            <Text size="xs" mb={4}>
              {overridden.length === 1 ? 'This value is' : `These ${overridden.length} values are`} saved but do not take effect while a
              profile sets the parameter:
            </Text>
            <Stack gap={2}>
              {overridden.slice(0, 10).map((key) => (
                <Text key={key} size="xs">
                  <span className={classes.mono}>{key}</span> — {notes.get(key)?.text}
                </Text>
              ))}
              {overridden.length > 10 && (
                <Text size="xs" c="dimmed">
                  … and {overridden.length - 10} more.
                </Text>
              )}
            </Stack>
          </Alert>
        )}
        {unknownKeys.length > 0 && (
          <Text size="xs" c="dimmed" data-testid="save-unknown">
            Kept as reported: {plural(unknownKeys.length, 'value')} for parameters this server’s catalogue does not know (
            <span className={classes.mono}>{unknownKeys.slice(0, 5).join(', ')}</span>
            {unknownKeys.length > 5 ? ` and ${unknownKeys.length - 5} more` : ''}).
          </Text>
        )}
        <ApplyChoice value={apply} onChange={setApply} oneDevice />
        {apply === 'now' && !device.online && (
          <Text size="xs" c="dimmed">
            The device is offline: it gets the change when it next connects.
          </Text>
        )}
        {save.error && <SaveError error={save.error} onShowParameter={onShowParameter} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()} data-autofocus>
            Save device configuration
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A refused value names its parameter (`details.field` = `settings.<key>`) and offers to show it. */
function SaveError({ error, onShowParameter }: { error: Error; onShowParameter: (key: string, message: string) => void }) {
  const field = isApiError(error, 'VALIDATION_FAILED') ? fieldOf(error.details) : undefined;
  const key = field?.startsWith('settings.') ? field.slice('settings.'.length) : undefined;
  if (!key)
    return <ErrorAlert title={isApiError(error, 'DEVICE_NOT_FOUND') ? 'The device no longer exists' : 'Could not save'} error={error} />;
  const param = findParameter(key);
  return (
    <Alert color="red" title="The server refused a value" role="alert" data-testid="error-alert">
      <Stack gap={6} align="flex-start">
        <Text size="sm">
          {param ? `${param.description} ` : ''}
          <span className={classes.mono}>({key})</span>: {shortMessage(key, error.message)}
        </Text>
        {param && (
          <Button size="compact-xs" variant="light" color="red" onClick={() => onShowParameter(key, error.message)}>
            Show this parameter
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

function fieldOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const field = (details as { field?: unknown }).field;
  return typeof field === 'string' ? field : undefined;
}
