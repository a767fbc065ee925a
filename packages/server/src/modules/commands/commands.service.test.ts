import { describe, expect, it } from 'vitest';
import type { CommandName, ServerMessage } from '@openums/protocol';
import type { DeviceChannel, DeviceChannels } from '../../channel/device-channel.js';
import type { Db } from '../../db/database.js';
import { EventBus } from '../../lib/event-bus.js';
import { AppError } from '../../lib/errors.js';
import { CommandsService } from './commands.service.js';
import type { CommandsRepository } from './commands.repository.js';

/** A connected device as the service sees it: it records what it is sent. */
function channel(deviceId: number) {
  const sent: ServerMessage[] = [];
  const ch: DeviceChannel = {
    deviceId,
    inflight: new Map<number, CommandName>(),
    configuration: { reported: undefined, bootTime: 0, sent: null },
    send: (m) => (sent.push(m), true),
    close: () => undefined,
  };
  return { ch, sent };
}

function setup(existing: number[], connected: DeviceChannel[]) {
  const rows: Array<{ device_id: number; command: string }> = [];
  const updates: Array<[number, unknown]> = [];
  const order: string[] = [];
  let nextId = 100;
  const repo = {
    insertCommands: async (batch: Array<{ device_id: number; command: string }>, alsoInTrx?: (trx: Db, ids: number[]) => Promise<void>) => {
      const ids = batch.map(() => nextId++);
      rows.push(...batch);
      await alsoInTrx?.({} as Db, ids);
      order.push('commit');
      return ids;
    },
    updateCommands: async (b: Array<[number, unknown]>) => void updates.push(...b),
    // What a delivery reads as open: set by a test (a read that raced a result).
    openRows: [] as Array<{ id: number; command: string; text: null; state: string }>,
    devicesWithOpenCommands: async (ids: number[]) => new Set(ids.filter(() => repo.openRows.length > 0)),
    listOpenCommandsForDevice: async () => repo.openRows,
  };
  const revoked: number[] = [];
  const devices = {
    revokeCertificate: async (id: number) => void revoked.push(id),
    listExistingDeviceIds: async (ids: number[]) => new Set(ids.filter((id) => existing.includes(id))),
    listDeviceIdsInFolder: async () => existing,
    findDeviceById: async () => undefined,
  };
  const folders = { requireFolder: async () => ({ id: 1, name: 'f', parent_id: null }) };
  const byId = new Map(connected.map((c) => [c.deviceId, c]));
  const channels = { get: (id: number) => byId.get(id) } as unknown as DeviceChannels;
  const service = new CommandsService(
    repo as unknown as CommandsRepository,
    devices as never,
    folders as never,
    channels,
    new EventBus(),
    { now: () => 5_000 },
    null,
    10,
  );
  return { service, rows, updates, order, revoked, repo };
}

describe('CommandsService (in-memory fakes)', () => {
  it('creates a row per device, then sends to connected devices only, and says which were sent', async () => {
    const online = channel(1);
    const { service, rows } = setup([1, 2], [online.ch]);
    const answer = await service.sendCommand({ command: 'reboot', deviceIds: [1, 2] }, 'admin');
    expect(rows.map((r) => r.device_id)).toEqual([1, 2]);
    expect(answer.commands).toEqual([
      { id: 100, deviceId: 1, state: 'sent' },
      { id: 101, deviceId: 2, state: 'queued' },
    ]);
    expect(online.sent).toEqual([{ t: 'command', id: 100, command: 'reboot' }]);
    expect(online.ch.inflight.get(100)).toBe('reboot');
  });

  it('records the answer inside the transaction, before anything is sent', async () => {
    const online = channel(1);
    const { service, order } = setup([1], [online.ch]);
    const recorded: unknown[] = [];
    const answer = await service.sendCommand({ command: 'send-message', deviceIds: [1], text: 'hi' }, null, async (_trx, a) => {
      expect(online.sent).toEqual([]);
      order.push('record');
      recorded.push(structuredClone(a));
    });
    expect(order).toEqual(['record', 'commit']);
    expect(recorded).toEqual([answer]);
    expect(online.sent).toHaveLength(1);
  });

  it('refuses bad requests before writing anything', async () => {
    const { service, rows } = setup([1], []);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: AppError) => e.code,
      );
    expect(await code(service.sendCommand({ command: 'wakeup', deviceIds: [1] }, null))).toBe('COMMAND_NOT_SUPPORTED');
    expect(await code(service.sendCommand({ command: 'send-message', deviceIds: [1] }, null))).toBe('VALIDATION_FAILED');
    expect(await code(service.sendCommand({ command: 'reboot', deviceIds: [1], text: 'x' }, null))).toBe('VALIDATION_FAILED');
    expect(await code(service.sendCommand({ command: 'reboot' }, null))).toBe('VALIDATION_FAILED');
    expect(await code(service.sendCommand({ command: 'reboot', deviceIds: [1, 9] }, null))).toBe('DEVICE_NOT_FOUND');
    expect(rows).toEqual([]);
  });

  it('accepts acknowledgements and results only for commands sent on that channel', async () => {
    const online = channel(1);
    const { service, updates } = setup([1], [online.ch]);
    const { commands } = await service.sendCommand({ command: 'refresh-sysinfo', deviceIds: [1] }, null);
    const id = commands[0]!.id;
    expect(service.acknowledge(1, online.ch.inflight, 999)).toBe(false);
    expect(service.acknowledge(1, online.ch.inflight, id)).toBe(true);
    expect(await service.finish(1, online.ch.inflight, id, true, null)).toBe(true);
    expect(await service.finish(1, online.ch.inflight, id, true, null)).toBe(false); // once only
    await service.flush();
    // Coalesced per command: the last state wins (sent → acknowledged → succeeded).
    expect(updates).toEqual([[id, expect.objectContaining({ state: 'succeeded', finished_at: 5_000 })]]);
  });

  it('revokes the certificate of a device whose factory reset succeeded, and only then', async () => {
    const online = channel(4);
    const { service, revoked } = setup([4], [online.ch]);
    const failed = (await service.sendCommand({ command: 'reset-factory-defaults', deviceIds: [4] }, null)).commands[0]!.id;
    await service.finish(4, online.ch.inflight, failed, false, 'disk busy');
    expect(revoked).toEqual([]);
    const done = (await service.sendCommand({ command: 'reset-factory-defaults', deviceIds: [4] }, null)).commands[0]!.id;
    await service.finish(4, online.ch.inflight, done, true, null);
    expect(revoked).toEqual([4]);
  });

  it('does not send again, nor write back to sent, a command finished while a delivery read it as open', async () => {
    const online = channel(5);
    const { service, updates, repo } = setup([5], [online.ch]);
    const id = (await service.sendCommand({ command: 'reset-factory-defaults', deviceIds: [5] }, null)).commands[0]!.id;
    // A hello's delivery read the command as queued; before it sent, the device answered it.
    repo.openRows = [{ id, command: 'reset-factory-defaults', text: null, state: 'queued' }];
    expect(service.acknowledge(5, online.ch.inflight, id)).toBe(true);
    expect(await service.finish(5, online.ch.inflight, id, true, null)).toBe(true);
    expect(await service.deliverPending(5, true)).toBe(0);
    await service.flush();
    expect(online.sent).toHaveLength(1);
    expect(online.ch.inflight.has(id)).toBe(false);
    expect(updates.filter(([k]) => k === id).at(-1)).toEqual([id, expect.objectContaining({ state: 'succeeded' })]);
  });
});
