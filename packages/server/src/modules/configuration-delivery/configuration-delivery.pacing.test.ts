import { describe, expect, it } from 'vitest';
import type { DeviceChannel, DeviceChannels } from '../../channel/device-channel.js';
import { ConfigurationDeliveryService } from './configuration-delivery.service.js';
import { setWorkersOnHost } from '../../lib/lookup-pace.js';
import type { ConfigurationSnapshotRepository } from './configuration-snapshot.repository.js';
import type { DeliveryStateRepository, DeliveryStateRow } from './delivery-state.repository.js';

/** How often hellos make the delivery pass read the database (the reconnect-storm cost). */
describe('configuration delivery passes', () => {
  const setup = () => {
    const reads: Array<{ ids: number[]; at: number }> = [];
    const t0 = performance.now();
    const channels = new Map<number, DeviceChannel>();
    // Every device already runs what it should: a pass reads its state and sends nothing.
    const state = {
      listDeliveryStates: async (ids: readonly number[]): Promise<DeliveryStateRow[]> => {
        reads.push({ ids: [...ids], at: performance.now() - t0 });
        return ids.map((id) => ({
          id,
          config_state: 'APPLIED',
          config_revision: 1,
          config_apply: 'now',
          config_changed_at: null,
          config_applied_hash: 'h',
        }));
      },
      updateDeliveryStates: async () => undefined,
    } as unknown as DeliveryStateRepository;
    const registry: DeviceChannels = {
      get: (id) => channels.get(id),
      set: () => undefined,
      delete: () => false,
      all: () => channels.values(),
    };
    const service = new ConfigurationDeliveryService(
      state,
      {} as ConfigurationSnapshotRepository,
      registry,
      { publish: () => undefined, subscribe: () => () => undefined } as never,
      { now: () => Date.now() } as never,
      null,
    );
    const hello = (id: number) => {
      const ch = { deviceId: id, configuration: { reported: 'h', bootTime: 0, sent: null } } as unknown as DeviceChannel;
      channels.set(id, ch);
      service.onHello(ch);
    };
    return { service, reads, hello };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('reads a lone hello at once, and the hellos that follow within the pace in one read', async () => {
    const { service, reads, hello } = setup();
    hello(1);
    while (!reads.length) await sleep(5);
    expect(reads[0]!.at).toBeLessThan(100);
    // Three hellos right after the first pass, in separate turns of the event loop.
    for (const id of [2, 3, 4]) {
      hello(id);
      await new Promise((r) => setImmediate(r));
    }
    while (reads.length < 2) await sleep(5);
    await sleep(50);
    expect(reads.map((r) => r.ids)).toEqual([[1], [2, 3, 4]]);
    // Held until 200 ms after the first pass began, not the 20 ms of a quiet server.
    expect(reads[1]!.at - reads[0]!.at).toBeGreaterThanOrEqual(190);
    await service.stop();
  });

  it('does not hold a hello that comes after a quiet spell', async () => {
    const { service, reads, hello } = setup();
    hello(1);
    await sleep(250);
    hello(2);
    await sleep(60);
    expect(reads.map((r) => r.ids)).toEqual([[1], [2]]);
    expect(reads[1]!.at - reads[0]!.at).toBeLessThan(320);
    await service.stop();
  });

  it('holds them for the longer pace of a worker that shares its host with others', async () => {
    // lib/lookup-pace.ts: one of 3 workers on the host (main.ts sets it when a worker starts) → 600 ms.
    setWorkersOnHost(3);
    const { service, reads, hello } = setup();
    setWorkersOnHost(1);
    hello(1);
    while (!reads.length) await sleep(5);
    expect(reads[0]!.at).toBeLessThan(100);
    hello(2);
    await sleep(300);
    expect(reads).toHaveLength(1);
    while (reads.length < 2) await sleep(5);
    expect(reads[1]!.ids).toEqual([2]);
    expect(reads[1]!.at - reads[0]!.at).toBeGreaterThanOrEqual(590);
    await service.stop();
  });
});
