import type { Device } from '@openums/protocol';
import { Alert, Anchor, Badge, Button, Group, Loader, Stack, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { isApiError } from '../../api/client';
import type { ConfigSource, EffectiveParameter } from '../../api/profiles';
import { ErrorAlert } from '../../components/error-alert';
import { formatValue } from '../configuration-editor/parameter-model';
import classes from './devices.module.css';
import { formatDateTime, plural } from '../../lib/format';
import { useAssignedObjects, useDeviceSettings, useEffectiveConfiguration } from './queries';

/** "Settings pending" while the device has not applied its newest configuration. */
export function ConfigPendingBadge({ configChanges }: { configChanges: Device['configChanges'] | undefined }) {
  if (configChanges !== 'PENDING') return null;
  return (
    <Tooltip label="The device has not applied its newest configuration yet" withArrow>
      <Badge color="orange" variant="light" style={{ flex: 'none' }} data-testid="config-pending-badge">
        Settings pending
      </Badge>
    </Tooltip>
  );
}

/** The profiles that reach a device, highest priority first. */
export function DeviceAssignedObjects({ deviceId }: { deviceId: number }) {
  const query = useAssignedObjects(deviceId);
  if (query.isPending) return <Loading text="Loading assigned objects…" />;
  if (query.isError) return <ErrorAlert title="Cannot load assigned objects" error={query.error} />;
  const items = query.data.items;
  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="no-assigned-objects">
        No profile applies to this device: it runs with its own configuration.
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      <Text size="xs" c="dimmed">
        Highest priority first: where two profiles set the same parameter, the upper one wins.
      </Text>
      <ol className={classes.assignedList} aria-label="Assigned objects">
        {items.map((item, i) => (
          <li
            key={`${item.type}:${item.id}:${item.via}:${item.folderId ?? ''}`}
            className={classes.assignedItem}
            data-testid="assigned-object"
          >
            <Text size="sm" c="dimmed" w={22} ta="right" style={{ flex: 'none' }}>
              {i + 1}.
            </Text>
            <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
              <Group gap={6} wrap="nowrap">
                <Anchor component={Link} to={`/profiles/${item.id}`} size="sm" fw={600} truncate data-testid="assigned-object-name">
                  {item.name}
                </Anchor>
                <Badge size="xs" variant="light" color={item.priority ? 'grape' : 'gray'} style={{ flex: 'none' }}>
                  {item.priority ? 'Priority' : 'Standard'}
                </Badge>
              </Group>
              <Text size="xs" c="dimmed" data-testid="assigned-object-source">
                {item.via === 'folder'
                  ? `Inherited from folder ${item.folderName ?? `#${item.folderId}`}`
                  : 'Assigned directly to this device'}
              </Text>
            </Stack>
          </li>
        ))}
      </ol>
    </Stack>
  );
}

export function sourceText(source: ConfigSource): string {
  if (source.type === 'device') return "Device's own configuration";
  const kind = source.priority ? 'Priority profile' : 'Profile';
  const via = source.via === 'folder' ? ` (via folder ${source.folderName ?? `#${source.folderId}`})` : ' (direct)';
  return `${kind} ${source.name}${via}`;
}

function matches(param: EffectiveParameter, needle: string): boolean {
  if (!needle) return true;
  const text = [
    param.key,
    formatValue(param.value),
    sourceText(param.source),
    ...param.overridden.flatMap((o) => [formatValue(o.value), sourceText(o.source)]),
  ]
    .join(' ')
    .toLowerCase();
  return needle.split(/\s+/).every((w) => text.includes(w));
}

/** Every effective parameter of a device with the object that set it, and what it overrode. */
export function DeviceEffectiveConfiguration({ deviceId, online }: { deviceId: number; online: boolean }) {
  const query = useEffectiveConfiguration(deviceId);
  const [text, setText] = useState('');
  const [needle] = useDebouncedValue(text.trim().toLowerCase(), 150);
  const rows = useMemo(() => (query.data?.parameters ?? []).filter((p) => matches(p, needle)), [query.data, needle]);

  return (
    <Stack gap="xs">
      <DeliveryState deviceId={deviceId} online={online} />
      <TextInput
        size="xs"
        type="search"
        aria-label="Filter effective configuration"
        placeholder="Filter by key, value or source"
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
      />
      {query.isPending ? (
        <Loading text="Loading the effective configuration…" />
      ) : query.isError ? (
        <ErrorAlert title="Cannot load the effective configuration" error={query.error} />
      ) : (
        <>
          <Text size="xs" c="dimmed" data-testid="effective-count">
            {query.data.parameters.length === 0
              ? 'Nothing is configured for this device yet: no profile sets a parameter and the device has reported none.'
              : needle
                ? `${rows.length} of ${query.data.parameters.length} parameters match`
                : plural(rows.length, 'parameter')}
          </Text>
          <div className={classes.configList} role="list" aria-label="Effective configuration">
            {rows.map((p) => (
              <EffectiveRow key={p.key} param={p} />
            ))}
          </div>
        </>
      )}
    </Stack>
  );
}

function EffectiveRow({ param }: { param: EffectiveParameter }) {
  const [open, setOpen] = useState(false);
  const { source } = param;
  return (
    <div role="listitem" className={classes.configRow} data-testid="effective-row" data-key={param.key}>
      <div className={classes.configMain}>
        <Text className={classes.mono} size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          {param.key}
        </Text>
        <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }} data-testid="effective-value">
          {formatValue(param.value)}
        </Text>
        <Text size="xs" c={source.type === 'device' ? 'dimmed' : source.priority ? 'grape.7' : 'teal.8'} data-testid="effective-source">
          {source.type === 'profile' ? (
            <Anchor component={Link} to={`/profiles/${source.id}`} size="xs" c="inherit">
              {sourceText(source)}
            </Anchor>
          ) : (
            sourceText(source)
          )}
        </Text>
      </div>
      {param.overridden.length > 0 && (
        <>
          <UnstyledButton onClick={() => setOpen(!open)} aria-expanded={open} className={classes.overrideToggle}>
            <Text size="xs" c="dimmed">
              {open ? '▾' : '▸'} Overrides {plural(param.overridden.length, 'value')}
            </Text>
          </UnstyledButton>
          {open && (
            <ul className={classes.overriddenList} data-testid="overridden">
              {param.overridden.map((o, i) => (
                <li key={i}>
                  <Text size="xs" td="line-through" c="dimmed" span>
                    {formatValue(o.value)}
                  </Text>{' '}
                  <Text size="xs" span>
                    from {sourceText(o.source)}
                  </Text>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

/** Whether the device has applied its newest configuration. */
export function DeliveryState({ deviceId, online }: { deviceId: number; online: boolean }) {
  const query = useDeviceSettings(deviceId);
  if (query.isPending) return null;
  if (query.isError) {
    // Older servers have no delivery state; say nothing rather than alarm.
    if (isApiError(query.error) && query.error.status === 404 && query.error.code !== 'DEVICE_NOT_FOUND') return null;
    return (
      <Text size="xs" c="red">
        Delivery state unknown: {query.error.message}{' '}
        <Button size="compact-xs" variant="subtle" onClick={() => void query.refetch()}>
          Retry
        </Button>
      </Text>
    );
  }
  const s = query.data;
  return (
    <Stack gap={4} data-testid="delivery-state">
      {s.configChanges === 'PENDING' ? (
        <Alert color="orange" p="xs" title="Settings pending">
          <Text size="xs">
            The device has not applied revision {s.revision} yet
            {s.appliedRevision !== null ? ` (it runs revision ${s.appliedRevision})` : ''}
            {s.apply === 'next-reboot'
              ? '; it applies it at its next reboot.'
              : online
                ? '; it should apply it within seconds.'
                : '; the device is offline and gets it when it next connects.'}
          </Text>
        </Alert>
      ) : s.configChanges === 'APPLIED' ? (
        <Text size="xs" c="dimmed">
          Applied: revision {s.appliedRevision ?? s.revision}
          {s.appliedAt ? `, ${formatDateTime(s.appliedAt)}` : ''}
        </Text>
      ) : (
        <Text size="xs" c="dimmed">
          No configuration has been sent to this device yet.
        </Text>
      )}
      {s.lastError && (
        <Alert color="red" p="xs" title="The device reported an error">
          <Text size="xs">{s.lastError}</Text>
        </Alert>
      )}
    </Stack>
  );
}

function Loading({ text }: { text: string }) {
  return (
    <Group gap="xs">
      <Loader size="xs" />
      <Text size="sm">{text}</Text>
    </Group>
  );
}
