import type { Device } from '@openums/protocol';
import { commandsOffered } from '@openums/protocol';
import { Anchor, Badge, CloseButton, Group, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { isApiError } from '../../api/client';
import { deleteDevice } from '../../api/devices';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { CommandHistory } from '../commands/command-history';
import { AccessControlButton, GatedButton } from '../access/gated-button';
import { useMyRights } from '../access/use-my-rights';
import { CommandMenu } from '../commands/command-menu';
import { ConfigPendingBadge, DeviceAssignedObjects, DeviceEffectiveConfiguration } from './device-configuration';
import { EditInventoryDialog, MoveDeviceDialog, RenameDeviceDialog } from './device-dialogs';
import { DeviceOwnConfiguration } from './device-own-configuration';
import { DeviceSystemInfo } from './device-system-info';
import { DeviceAttributes } from './device-attributes';
import { CommLogPanel } from './comm-log-panel';
import panels from '../../components/panels.module.css';
import classes from './devices.module.css';
import { formatDateTime, formatMac, orDash } from '../../lib/format';
import { invalidateInventory, keys, useAllFolders, useDevice } from './queries';

type Dialog = 'rename' | 'move' | 'inventory' | 'delete' | null;

export const DETAIL_TABS = ['details', 'system', 'attributes', 'commands', 'assigned', 'own', 'configuration', 'comm-log'] as const;
/** Tabs with the parameter editor: filled to the panel's height. */
export const EDITOR_TABS: ReadonlySet<DetailTab> = new Set<DetailTab>(['own']);
export type DetailTab = (typeof DETAIL_TABS)[number];

interface DeviceDetailProps {
  id: number;
  tab: DetailTab;
  onTabChange: (tab: DetailTab) => void;
  onClose: () => void;
  /** panel: beside the list (a link opens the page); page: the device's own page (/devices/:id). */
  variant?: 'panel' | 'page';
}

export function DeviceDetail({ id, tab, onTabChange, onClose, variant = 'panel' }: DeviceDetailProps) {
  const query = useDevice(id);
  const mine = useMyRights({ type: 'device', id });
  const [dialog, setDialog] = useState<Dialog>(null);

  const header = (title: ReactNode) => (
    <Group justify="space-between" wrap="nowrap" className={panels.panelHeader}>
      {title}
      {variant === 'panel' ? (
        <Group gap={4} wrap="nowrap" style={{ flex: 'none' }}>
          <Anchor component={Link} to={`/devices/${id}${tab === 'details' ? '' : `?tab=${tab}`}`} size="xs" data-testid="open-device-page">
            Open page
          </Anchor>
          <CloseButton aria-label="Close device details" onClick={onClose} />
        </Group>
      ) : (
        <Anchor component="button" type="button" size="sm" onClick={onClose} style={{ flex: 'none' }}>
          ← Device list
        </Anchor>
      )}
    </Group>
  );

  if (query.isPending) {
    return (
      <>
        {header(
          <Title order={2} size="h4">
            Device
          </Title>,
        )}
        <Group p="md" gap="xs">
          <Loader size="xs" />
          <Text size="sm">Loading device…</Text>
        </Group>
      </>
    );
  }
  if (query.isError) {
    return (
      <>
        {header(
          <Title order={2} size="h4">
            Device
          </Title>,
        )}
        <Stack p="md">
          <ErrorAlert title={isApiError(query.error, 'DEVICE_NOT_FOUND') ? 'Device not found' : 'Cannot load device'} error={query.error} />
        </Stack>
      </>
    );
  }

  const device = query.data;
  const close = () => setDialog(null);
  const fill = EDITOR_TABS.has(tab);
  return (
    <>
      {header(
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          <Title
            order={2}
            size="h4"
            style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
            data-testid="device-detail-name"
          >
            {device.name}
          </Title>
          <Badge color={device.online ? 'green' : 'gray'} variant="light" style={{ flex: 'none' }} data-testid="device-online-badge">
            {device.online ? 'Online' : 'Offline'}
          </Badge>
          <ConfigPendingBadge configChanges={device.configChanges} />
        </Group>,
      )}
      <Stack p="sm" gap="sm" className={fill ? classes.fillColumn : undefined}>
        <Group gap={6}>
          <GatedButton
            size="compact-xs"
            variant="default"
            rights={mine}
            right="write"
            onClick={() => setDialog('rename')}
            aria-label="Rename device"
          >
            Rename
          </GatedButton>
          <GatedButton
            size="compact-xs"
            variant="default"
            rights={mine}
            right="move"
            onClick={() => setDialog('move')}
            aria-label="Move device"
          >
            Move
          </GatedButton>
          <GatedButton size="compact-xs" variant="default" rights={mine} right="write" onClick={() => setDialog('inventory')}>
            Edit inventory
          </GatedButton>
          <GatedButton
            size="compact-xs"
            variant="light"
            color="red"
            rights={mine}
            right="write"
            onClick={() => setDialog('delete')}
            aria-label="Delete device"
          >
            Delete
          </GatedButton>
          <CommandMenu
            target={{ kind: 'device', deviceId: device.id, name: device.name, online: device.online }}
            ariaLabel="Device commands"
            rights={mine}
            offered={commandsOffered(device)}
          />
          <AccessControlButton object={{ type: 'device', id: device.id }} name={device.name} rights={mine} />
        </Group>
        <Tabs
          value={tab}
          onChange={(value) => onTabChange((value as DetailTab | null) ?? 'details')}
          keepMounted={false}
          classNames={{ root: fill ? classes.fillColumn : undefined, tab: classes.detailTab }}
        >
          <Tabs.List>
            <Tabs.Tab value="details">Details</Tabs.Tab>
            <Tabs.Tab value="system">System</Tabs.Tab>
            <Tabs.Tab value="attributes">Attributes</Tabs.Tab>
            <Tabs.Tab value="commands">Commands</Tabs.Tab>
            <Tabs.Tab value="assigned">Assigned objects</Tabs.Tab>
            <Tabs.Tab value="own">Device configuration</Tabs.Tab>
            <Tabs.Tab value="configuration">Effective configuration</Tabs.Tab>
            <Tabs.Tab value="comm-log">Communication log</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="details" pt="sm">
            <DeviceFields device={device} />
          </Tabs.Panel>
          <Tabs.Panel value="system" pt="sm">
            <DeviceSystemInfo deviceId={device.id} online={device.online} />
          </Tabs.Panel>
          <Tabs.Panel value="attributes" pt="sm">
            <DeviceAttributes deviceId={device.id} rights={mine} />
          </Tabs.Panel>
          <Tabs.Panel value="commands" pt="sm">
            <CommandHistory deviceId={device.id} />
          </Tabs.Panel>
          <Tabs.Panel value="assigned" pt="sm">
            <DeviceAssignedObjects deviceId={device.id} />
          </Tabs.Panel>
          <Tabs.Panel value="own" pt="sm" className={classes.fillColumn}>
            <DeviceOwnConfiguration device={device} />
          </Tabs.Panel>
          <Tabs.Panel value="configuration" pt="sm">
            <DeviceEffectiveConfiguration deviceId={device.id} online={device.online} />
          </Tabs.Panel>
          <Tabs.Panel value="comm-log" pt="sm">
            <CommLogPanel deviceId={device.id} rights={mine} />
          </Tabs.Panel>
        </Tabs>
      </Stack>
      {dialog === 'rename' && <RenameDeviceDialog device={device} onClose={close} />}
      {dialog === 'move' && <MoveDeviceDialog device={device} onClose={close} />}
      {dialog === 'inventory' && <EditInventoryDialog device={device} onClose={close} />}
      {dialog === 'delete' && <DeleteDeviceDialog device={device} onClose={close} onDeleted={onClose} />}
    </>
  );
}

function DeleteDeviceDialog({ device, onClose, onDeleted }: { device: Device; onClose: () => void; onDeleted: () => void }) {
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      opened
      title="Delete device"
      confirmLabel="Delete device"
      onClose={onClose}
      onConfirm={async () => {
        await deleteDevice(device.id);
        queryClient.removeQueries({ queryKey: keys.device(device.id) });
        await invalidateInventory(queryClient);
      }}
      onDone={() => {
        onDeleted();
        notifySuccess(`Device "${device.name}" deleted`);
      }}
    >
      Delete <b>{device.name}</b> ({formatMac(device.mac)})? Its inventory record is removed; a device that is still running will have to
      register again.
    </ConfirmDialog>
  );
}

/** "ums-a (worker 1)": the server process holding the device's channel, like the Servers page names it. */
function connectedTo(device: Device): string {
  // A device that just came online is patched in by a live event before its detail is fetched again.
  if (!device.online) return 'Not connected';
  const server = device.connectedServer;
  return server ? `${server.host} (worker ${server.worker})` : '—';
}

function DeviceFields({ device }: { device: Device }) {
  const folders = useAllFolders();
  const fields: [key: string, label: string, value: ReactNode][] = [
    ['id', 'ID', String(device.id)],
    ['unitId', 'Unit ID', orDash(device.unitId)],
    ['mac', 'MAC address', formatMac(device.mac)],
    ['name', 'Name', device.name],
    ['networkName', 'Network name', orDash(device.networkName)],
    // Reported by the device (its setting System › Remote Management › Structure tag).
    ['structureTag', 'Structure tag', orDash(device.structureTag)],
    ['folder', 'Folder', folders.isPending && device.folderId !== null ? '…' : folders.index.path(device.folderId)],
    ['site', 'Site', orDash(device.site)],
    ['department', 'Department', orDash(device.department)],
    ['costCenter', 'Cost center', orDash(device.costCenter)],
    ['comment', 'Comment', orDash(device.comment)],
    ['assetId', 'Asset ID', orDash(device.assetId)],
    ['inServiceDate', 'In service since', orDash(device.inServiceDate)],
    ['serialNumber', 'Serial number', orDash(device.serialNumber)],
    ['product', 'Product', orDash(device.product)],
    ['version', 'Version', orDash(device.version)],
    ['lastIp', 'Last IP', orDash(device.lastIp)],
    ['lastContact', 'Last contact', formatDateTime(device.lastContact, 'Never')],
    ['lastBoot', 'Last boot', formatDateTime(device.lastBoot)],
    ['registeredAt', 'Registered', formatDateTime(device.registeredAt)],
    ['online', 'Online', device.online ? 'Yes' : 'No'],
    ['connectedServer', 'Connected to', connectedTo(device)],
    [
      'configChanges',
      'Settings',
      device.configChanges === 'PENDING' ? 'Pending (not applied yet)' : device.configChanges === 'APPLIED' ? 'Applied' : '—',
    ],
  ];
  return (
    <dl className={classes.fields} aria-label="Inventory">
      {fields.map(([key, label, value]) => (
        <div key={key} data-testid={`device-field-${key}`}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
