import type { Command, Device, DevicePage } from '@openums/protocol';
import { QueryClient, type InfiniteData } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CommandPage } from '../../api/commands';
import { commandStateLog } from '../commands/command-states';
import { batchFromQueued, commandKeys, type CommandBatch } from '../commands/queries';
import { presenceLog } from '../devices/presence-log';
import { keys } from '../devices/queries';
import { LiveCacheUpdater } from './cache-updates';

function device(id: number, patch: Partial<Device> = {}): Device {
  return {
    id,
    unitId: null,
    mac: `0000000000${String(id).padStart(2, '0')}`,
    name: `d${id}`,
    networkName: null,
    folderId: null,
    site: null,
    department: null,
    costCenter: null,
    comment: null,
    assetId: null,
    inServiceDate: null,
    serialNumber: null,
    product: null,
    version: null,
    lastIp: null,
    lastContact: null,
    lastBoot: null,
    registeredAt: '2026-01-01T00:00:00.000Z',
    online: false,
    configChanges: null,
    structureTag: null,
    connectedServer: null,
    ...patch,
  };
}

function command(id: number, patch: Partial<Command> = {}): Command {
  return {
    id,
    deviceId: 1,
    command: 'reboot',
    text: null,
    state: 'sent',
    message: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    sentAt: null,
    acknowledgedAt: null,
    finishedAt: null,
    expiresAt: '2026-01-02T00:00:00.000Z',
    createdBy: 'admin',
    ...patch,
  };
}

const listKey = ['devices', 'list', { folderId: undefined, recursive: true, q: '', sort: 'name' }] as const;
const pages = (...lists: Device[][]): InfiniteData<DevicePage, string | undefined> => ({
  pages: lists.map((items, i) => ({ items, nextCursor: i < lists.length - 1 ? `c${i}` : null })),
  pageParams: lists.map((_, i) => (i ? `c${i - 1}` : undefined)),
});

let qc: QueryClient;
let updater: LiveCacheUpdater;
beforeEach(() => {
  vi.useFakeTimers();
  qc = new QueryClient();
  updater = new LiveCacheUpdater(qc);
  presenceLog.clear();
  commandStateLog.clear();
});
afterEach(() => {
  updater.dispose();
  vi.useRealTimers();
});

describe('LiveCacheUpdater', () => {
  it('patches presence into cached lists and the detail in place, copying only the touched page', () => {
    const untouched = [device(1), device(2)];
    qc.setQueryData(listKey, pages(untouched, [device(3), device(4)]));
    qc.setQueryData(keys.device(3), device(3));

    updater.handle({ type: 'device.presence', deviceId: 3, online: true, lastContact: '2026-02-01T10:00:00.000Z', lastIp: '10.1.1.3' });
    updater.flush();

    const data = qc.getQueryData<InfiniteData<DevicePage>>(listKey)!;
    expect(data.pages[0]!.items).toBe(untouched);
    expect(data.pages[1]!.items[0]).toMatchObject({ id: 3, online: true, lastIp: '10.1.1.3', lastContact: '2026-02-01T10:00:00.000Z' });
    expect(qc.getQueryData<Device>(keys.device(3))).toMatchObject({ online: true, lastIp: '10.1.1.3' });
  });

  it('remembers presence so a fetch that reads an older database row does not undo it', () => {
    updater.handle({ type: 'device.presence', deviceId: 5, online: true, lastContact: '2026-02-01T10:00:05.000Z', lastIp: '10.1.1.5' });
    expect(presenceLog.merge(device(5, { online: false, lastContact: '2026-02-01T09:00:00.000Z' }))).toMatchObject({
      online: true,
      lastIp: '10.1.1.5',
    });
    // A newer row from the server wins over the event.
    expect(presenceLog.merge(device(5, { online: false, lastContact: '2026-02-01T10:00:09.000Z' }))).toMatchObject({ online: false });
  });

  it('refreshes short lists and folder counts, throttled, when a device nobody has loaded shows up', async () => {
    qc.setQueryData(listKey, pages([device(1)]));
    const spy = vi.spyOn(qc, 'refetchQueries');
    const invalidate = vi.spyOn(qc, 'invalidateQueries');
    // invalidateQueries refetches through refetchQueries too; count the list refreshes only.
    const refetch = {
      get count() {
        return spy.mock.calls.filter(([filters]) => filters?.predicate).length;
      },
    };

    for (let id = 100; id < 110; id++) {
      updater.handle({ type: 'device.presence', deviceId: id, online: true, lastContact: '2026-02-01T10:00:00.000Z', lastIp: null });
    }
    updater.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(refetch.count).toBe(1);
    expect(invalidate).toHaveBeenCalledWith({ queryKey: keys.folders });

    updater.handle({ type: 'device.changed', deviceId: 111 });
    updater.flush();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(refetch.count).toBe(1);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(refetch.count).toBe(2);
  });

  it('invalidates detail and system information on device.changed, and again once the server has written it', async () => {
    qc.setQueryData(keys.device(8), device(8));
    qc.setQueryData(keys.systemInfo(8), { system: null, reportedAt: null });
    updater.handle({ type: 'device.changed', deviceId: 8 });
    updater.flush();
    expect(qc.getQueryState(keys.device(8))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.systemInfo(8))!.isInvalidated).toBe(true);

    qc.setQueryData(keys.systemInfo(8), { system: null, reportedAt: null });
    expect(qc.getQueryState(keys.systemInfo(8))!.isInvalidated).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(qc.getQueryState(keys.systemInfo(8))!.isInvalidated).toBe(true);
  });

  it('invalidates the configuration views of a device on device.changed (settings pending → applied)', () => {
    qc.setQueryData(keys.effective(8), { parameters: [] });
    qc.setQueryData(keys.assigned(8), { items: [] });
    qc.setQueryData(keys.settings(8), { configChanges: 'PENDING' });
    qc.setQueryData(keys.effective(9), { parameters: [] });
    updater.handle({ type: 'device.changed', deviceId: 8 });
    updater.flush();
    expect(qc.getQueryState(keys.effective(8))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.assigned(8))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.settings(8))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.effective(9))!.isInvalidated).toBe(false);
  });

  it('removes deleted devices from lists', () => {
    qc.setQueryData(listKey, pages([device(1), device(2)]));
    updater.handle({ type: 'device.deleted', deviceId: 2 });
    updater.flush();
    expect(qc.getQueryData<InfiniteData<DevicePage>>(listKey)!.pages[0]!.items.map((d) => d.id)).toEqual([1]);
  });

  it('moves command states forward in the single view, batches and history, never backwards', () => {
    qc.setQueryData(commandKeys.one(40), command(40, { state: 'acknowledged' }));
    qc.setQueryData<CommandBatch>(
      commandKeys.batch('b'),
      batchFromQueued([
        { id: 40, deviceId: 1, state: 'queued' },
        { id: 41, deviceId: 2, state: 'queued' },
      ]),
    );
    qc.setQueryData<InfiniteData<CommandPage, string | undefined>>(commandKeys.deviceHistory(1), {
      pages: [{ items: [command(40, { state: 'queued' })], nextCursor: null }],
      pageParams: [undefined],
    });

    updater.handle({ type: 'command.changed', id: 40, deviceId: 1, state: 'sent', message: null });
    updater.handle({ type: 'command.changed', id: 40, deviceId: 1, state: 'succeeded', message: 'rebooting' });
    updater.handle({ type: 'command.changed', id: 41, deviceId: 2, state: 'failed', message: 'power actions disabled' });
    updater.flush();

    expect(qc.getQueryData<Command>(commandKeys.one(40))).toMatchObject({ state: 'succeeded', message: 'rebooting' });
    const batch = qc.getQueryData<CommandBatch>(commandKeys.batch('b'))!;
    expect([...batch.entries.values()].map((e) => e.state)).toEqual(['succeeded', 'failed']);
    const history = qc.getQueryData<InfiniteData<CommandPage>>(commandKeys.deviceHistory(1))!;
    expect(history.pages[0]!.items[0]!.state).toBe('succeeded');

    // A late answer that still says "sent" (the POST, a GET) does not win over the event.
    expect(batchFromQueued([{ id: 40, deviceId: 1, state: 'queued' }]).entries.get(40)!.state).toBe('succeeded');
    expect(commandStateLog.merge(40, command(40, { state: 'sent' })).state).toBe('succeeded');
  });
});
