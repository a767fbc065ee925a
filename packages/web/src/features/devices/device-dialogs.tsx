import type { Device, UpdateDeviceRequest } from '@openums/protocol';
import { SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createDevice, getDevice, moveDevices, updateDevice } from '../../api/devices';
import { FormDialog } from '../../components/form-dialog';
import { RenameDialog } from '../../components/rename-dialog';
import { notifySuccess } from '../../components/notify';
import { FolderSelect } from './folder-select';
import { invalidateInventory, storeUpdatedDevice, type FolderKey } from './queries';

const MAC_RE = /^([0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2}$/;

export function RenameDeviceDialog({ device, onClose }: { device: Device; onClose: () => void }) {
  const queryClient = useQueryClient();
  return (
    <RenameDialog
      title="Rename device"
      label="Device name"
      what="Device"
      currentName={device.name}
      maxLength={128}
      save={(name) => updateDevice(device.id, { name })}
      onSaved={(updated) => storeUpdatedDevice(queryClient, updated)}
      onClose={onClose}
    />
  );
}

export function MoveDeviceDialog({ device, onClose }: { device: Device; onClose: () => void }) {
  const current: FolderKey = device.folderId ?? 'root';
  const [target, setTarget] = useState<FolderKey>(current);
  const queryClient = useQueryClient();
  return (
    <FormDialog
      opened
      title={`Move "${device.name}"`}
      submitLabel="Move"
      onClose={onClose}
      submitDisabled={target === current}
      onSubmit={async () => {
        await moveDevices([device.id], target === 'root' ? null : target);
        queryClient.setQueryData(['devices', 'one', device.id], await getDevice(device.id));
        await invalidateInventory(queryClient);
      }}
      onDone={() => notifySuccess(`Device "${device.name}" moved`)}
    >
      <FolderSelect label="Target folder" value={target} onChange={setTarget} />
    </FormDialog>
  );
}

const INVENTORY_FIELDS = [
  { key: 'site', label: 'Site', max: 255 },
  { key: 'department', label: 'Department', max: 255 },
  { key: 'costCenter', label: 'Cost center', max: 255 },
  { key: 'assetId', label: 'Asset ID', max: 255 },
  { key: 'serialNumber', label: 'Serial number', max: 255 },
] as const;

type InventoryKey = (typeof INVENTORY_FIELDS)[number]['key'] | 'comment' | 'inServiceDate';

export function EditInventoryDialog({ device, onClose }: { device: Device; onClose: () => void }) {
  const initial = (key: InventoryKey) => device[key] ?? '';
  const [values, setValues] = useState<Record<InventoryKey, string>>({
    site: initial('site'),
    department: initial('department'),
    costCenter: initial('costCenter'),
    assetId: initial('assetId'),
    serialNumber: initial('serialNumber'),
    comment: initial('comment'),
    inServiceDate: initial('inServiceDate'),
  });
  const queryClient = useQueryClient();
  const set = (key: InventoryKey, value: string) => setValues((v) => ({ ...v, [key]: value }));

  // Send only what changed; an emptied field is cleared (null).
  const changes: UpdateDeviceRequest = {};
  for (const key of Object.keys(values) as InventoryKey[]) {
    const value = key === 'comment' ? values[key] : values[key].trim();
    if (value !== (device[key] ?? '')) changes[key] = value === '' ? null : value;
  }
  const changed = Object.keys(changes).length > 0;

  return (
    <FormDialog
      opened
      title="Edit inventory"
      submitLabel="Save"
      size="lg"
      onClose={onClose}
      submitDisabled={!changed}
      onSubmit={() => updateDevice(device.id, changes)}
      onDone={(updated) => {
        storeUpdatedDevice(queryClient, updated);
        notifySuccess('Inventory saved');
      }}
    >
      <SimpleGrid cols={2}>
        {INVENTORY_FIELDS.map((field) => (
          <TextInput
            key={field.key}
            label={field.label}
            value={values[field.key]}
            maxLength={field.max}
            onChange={(e) => set(field.key, e.currentTarget.value)}
          />
        ))}
        <TextInput
          label="In service since"
          type="date"
          value={values.inServiceDate}
          onChange={(e) => set('inServiceDate', e.currentTarget.value)}
        />
      </SimpleGrid>
      <Textarea
        label="Comment"
        autosize
        minRows={2}
        maxRows={8}
        maxLength={4000}
        value={values.comment}
        onChange={(e) => set('comment', e.currentTarget.value)}
      />
    </FormDialog>
  );
}

export function NewDeviceDialog({
  defaultFolder,
  onClose,
  onCreated,
}: {
  defaultFolder: FolderKey;
  onClose: () => void;
  onCreated: (device: Device) => void;
}) {
  const [mac, setMac] = useState('');
  const [name, setName] = useState('');
  const [folder, setFolder] = useState<FolderKey>(defaultFolder);
  const [touched, setTouched] = useState(false);
  const queryClient = useQueryClient();
  const macValid = MAC_RE.test(mac.trim());
  return (
    <FormDialog
      opened
      title="New device"
      submitLabel="Create device"
      onClose={onClose}
      submitDisabled={!macValid}
      onSubmit={async () => {
        const created = await createDevice({
          mac: mac.trim(),
          ...(name.trim() ? { name: name.trim() } : {}),
          folderId: folder === 'root' ? null : folder,
        });
        await invalidateInventory(queryClient);
        return created;
      }}
      onDone={(created) => {
        notifySuccess(`Device "${created.name}" created`);
        onCreated(created);
      }}
    >
      <TextInput
        label="MAC address"
        placeholder="00:11:22:AA:BB:CC"
        required
        data-autofocus
        value={mac}
        onChange={(e) => setMac(e.currentTarget.value)}
        onBlur={() => setTouched(true)}
        error={touched && mac && !macValid ? 'Enter 12 hexadecimal digits, e.g. 00:11:22:AA:BB:CC' : undefined}
      />
      <TextInput
        label="Name"
        description="Optional; the server picks a name if empty"
        maxLength={128}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
      />
      <FolderSelect label="Folder" value={folder} onChange={setFolder} />
    </FormDialog>
  );
}
