import type { DeviceFolder } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import { countFolderDevices, devicesLabel } from './command-target';

const folder = (id: number, parentId: number | null, deviceCount: number): DeviceFolder => ({
  id,
  name: `f${id}`,
  parentId,
  childCount: 0,
  deviceCount,
  // Not what countFolderDevices reads (it sums the direct counts of the folders it is given).
  totalDeviceCount: deviceCount,
});

describe('countFolderDevices', () => {
  const folders = [folder(1, null, 2), folder(2, 1, 3), folder(3, 2, 4), folder(4, null, 100), folder(5, 1, 0)];

  it('counts the folder alone or with every sub-folder', () => {
    expect(countFolderDevices(folders, 1, false)).toBe(2);
    expect(countFolderDevices(folders, 1, true)).toBe(9);
    expect(countFolderDevices(folders, 3, true)).toBe(4);
  });

  it('is null for an unknown folder and survives a cycle in bad data', () => {
    expect(countFolderDevices(folders, 99, true)).toBeNull();
    expect(countFolderDevices([folder(1, 2, 1), folder(2, 1, 1)], 1, true)).toBe(2);
  });

  it('labels counts', () => {
    expect(devicesLabel(1)).toBe('1 device');
    expect(devicesLabel(0)).toBe('0 devices');
  });
});
