import { describe, expect, it } from 'vitest';
import { deviceAddressFromSetting, type ServerMessage } from '@openums/protocol';
import type { DeviceChannel, DeviceChannels, PeerChannels } from '../../channel/device-channel.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { ClusterSettingsService } from './cluster-settings.service.js';
import { SYSTEM_CONTEXT } from '../audit/audit-context.js';

function setup(connected: number[]) {
  const rows = new Map<string, string>();
  const settings = {
    findSetting: async (k: string) => rows.get(k),
    putSetting: async (k: string, v: string) => void rows.set(k, v),
    changeSettingLocked: async (k: string, change: (current: string | undefined, trx: null) => Promise<{ value: string | null }>) => {
      const { value } = await change(rows.get(k), null);
      if (value !== null) rows.set(k, value);
    },
  } as unknown as SettingsRepository;
  const sent = new Map<number, ServerMessage[]>(connected.map((id) => [id, []]));
  const channel = (deviceId: number): DeviceChannel => ({
    deviceId,
    inflight: new Map(),
    configuration: { reported: undefined, bootTime: 0, sent: null },
    send: (m) => (sent.get(deviceId)!.push(m), true),
    close: () => undefined,
  });
  const chans = connected.map(channel);
  const channels: DeviceChannels = {
    get: (id) => chans.find((c) => c.deviceId === id),
    set: () => undefined,
    delete: () => false,
    all: () => chans[Symbol.iterator](),
  };
  let announced = 0;
  const peers: PeerChannels = {
    commandsChanged: () => undefined,
    configurationMarked: () => undefined,
    connected: () => undefined,
    serverAddressChanged: () => void announced++,
    attributesChanged: () => undefined,
    attributeDefinitionsChanged: () => undefined,
  };
  const service = new ClusterSettingsService(settings, channels, peers, null, { record: async () => undefined });
  return { service, sent, rows, announced: () => announced };
}

describe('deviceAddressFromSetting', () => {
  it('spells out the port and drops the scheme and a trailing slash', () => {
    expect(deviceAddressFromSetting('ums.example.com')).toBe('ums.example.com:443');
    expect(deviceAddressFromSetting('ums.example.com:8443')).toBe('ums.example.com:8443');
    expect(deviceAddressFromSetting('https://10.0.0.5/')).toBe('10.0.0.5:443');
    expect(deviceAddressFromSetting('https://[2001:db8::1]:8443')).toBe('[2001:db8::1]:8443');
    expect(deviceAddressFromSetting('[::1]')).toBe('[::1]:443');
  });
});

describe('ClusterSettingsService: the device enrollment address reaches the devices', () => {
  it('sends server-address to every connected device when saved, and tells the other processes', async () => {
    const t = setup([1, 2]);
    expect(t.service.deviceAddress()).toBeNull();
    await t.service.updateClusterSettings(SYSTEM_CONTEXT, {
      clusterAddress: 'ums.example.com',
      enrollmentAddress: 'https://devices.example.com:8443/',
    });
    expect(t.service.deviceAddress()).toBe('devices.example.com:8443');
    for (const id of [1, 2]) expect(t.sent.get(id)).toEqual([{ t: 'server-address', address: 'devices.example.com:8443' }]);
    expect(t.announced()).toBe(1);
  });

  it('clearing the address sends nothing (devices keep theirs); only the cluster address set sends nothing either', async () => {
    const t = setup([1]);
    await t.service.updateClusterSettings(SYSTEM_CONTEXT, { clusterAddress: null, enrollmentAddress: 'devices.example.com' });
    await t.service.updateClusterSettings(SYSTEM_CONTEXT, { clusterAddress: 'ums.example.com', enrollmentAddress: null });
    expect(t.sent.get(1)).toEqual([{ t: 'server-address', address: 'devices.example.com:443' }]);
    expect(t.service.deviceAddress()).toBeNull();
  });

  it('another process saved it: reload reads the database; always announces on the bus message, on the catch-up only when it changed', async () => {
    const t = setup([5]);
    t.rows.set('cluster_addresses', JSON.stringify({ clusterAddress: null, enrollmentAddress: 'new.example.com:9443' }));
    await t.service.reloadDeviceAddress('never');
    expect(t.service.deviceAddress()).toBe('new.example.com:9443');
    expect(t.sent.get(5)).toEqual([]);
    await t.service.reloadDeviceAddress('if-changed');
    expect(t.sent.get(5)).toEqual([]);
    await t.service.reloadDeviceAddress('always');
    expect(t.sent.get(5)).toEqual([{ t: 'server-address', address: 'new.example.com:9443' }]);
    t.rows.set('cluster_addresses', JSON.stringify({ clusterAddress: null, enrollmentAddress: 'newer.example.com' }));
    await t.service.reloadDeviceAddress('if-changed');
    expect(t.sent.get(5)?.at(-1)).toEqual({ t: 'server-address', address: 'newer.example.com:443' });
    expect(t.announced()).toBe(0);
  });
});
