import { describe, expect, it } from 'vitest';
import type { LiveEvent, ServerMessage } from '@openums/protocol';
import type { DeviceChannel, DeviceChannels } from '../channel/device-channel.js';
import { EventBus } from '../lib/event-bus.js';
import type { BusMessage, ClusterBus } from './bus.js';
import { CATCH_UP_OVERLAP_MS, ClusterWakeups, relayEvent } from './wakeups.js';

/** A bus whose messages the test hands in (or drops). */
class FakeBus implements ClusterBus {
  readonly transport = 'postgres' as const;
  readonly published: BusMessage[] = [];
  private handler: ((m: BusMessage) => void) | null = null;
  publish(m: BusMessage) {
    this.published.push(m);
  }
  subscribe(h: (m: BusMessage) => void) {
    this.handler = h;
    return () => (this.handler = null);
  }
  deliver(m: BusMessage) {
    this.handler?.(m);
  }
  async start() {}
  async stop() {}
  healthy() {
    return true;
  }
}

function channel(deviceId: number) {
  const closed: Array<{ code: number; msg: ServerMessage }> = [];
  const ch: DeviceChannel = {
    deviceId,
    inflight: new Map(),
    configuration: { reported: 'h', bootTime: 0, sent: null },
    send: () => true,
    close: (code, msg) => void closed.push({ code, msg }),
  };
  return { ch, closed };
}

function setup(held: number[]) {
  const bus = new FakeBus();
  const chans = new Map(held.map((id) => [id, channel(id)]));
  const channels: DeviceChannels = {
    get: (id) => chans.get(id)?.ch,
    set: () => undefined,
    delete: () => false,
    all: () => [...chans.values()].map((c) => c.ch)[Symbol.iterator](),
  };
  const calls = {
    deliverPending: [] as number[],
    peerMarked: [] as Array<number[] | 'all'>,
    catchUp: [] as unknown[],
    forgot: [] as number[],
    addressReloads: [] as string[],
    configSince: [] as number[],
    commandsSince: [] as number[],
  };
  const clock = { now: 1_000_000 };
  let pageOfPending = false;
  const events = new EventBus(relayEvent(bus));
  const seen: LiveEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const queued = new Set<number>();
  const wakeups = new ClusterWakeups(
    bus,
    {
      channels,
      events,
      commands: {
        deliverPending: async (id) => (calls.deliverPending.push(id), 1),
        flush: async () => undefined,
      },
      delivery: {
        onPeerMarked: (ids) => void calls.peerMarked.push(ids),
        catchUp: (pending) => (calls.catchUp.push(pending), pending.length),
      },
      sessions: { forget: (ids) => void calls.forgot.push(...ids) },
      clusterSettings: { reloadDeviceAddress: async (announce) => void calls.addressReloads.push(announce) },
      queries: {
        // Like the SQL: devices connected here with a queued command.
        devicesWithQueuedCommands: async (_now, since) => (calls.commandsSince.push(since), [...queued].filter((id) => chans.has(id))),
        pendingConfiguration: async (since, limit) => {
          calls.configSince.push(since);
          return pageOfPending ? Array.from({ length: limit }, (_, i) => ({ id: i + 1, revision: 3 })) : [{ id: held[0]!, revision: 3 }];
        },
      },
    },
    { now: () => clock.now },
    null,
    60_000,
  );
  wakeups.start();
  return { bus, chans, calls, events, seen, queued, wakeups, clock, fullPage: (on: boolean) => (pageOfPending = on) };
}

describe('cluster wake-ups', () => {
  it('delivers commands only to devices held by this process', async () => {
    const t = setup([1, 2]);
    t.bus.deliver({ t: 'commands', deviceIds: [2, 3] });
    await Promise.resolve();
    expect(t.calls.deliverPending).toEqual([2]);
  });

  it('repairs a lost wake-up with the catch-up query: a dropped message delays, never loses', async () => {
    const t = setup([1, 2]);
    t.queued.add(2); // a command was created elsewhere; its notification never arrived
    t.queued.add(9); // a device held by another process: not ours to deliver
    expect(t.calls.deliverPending).toEqual([]);
    await t.wakeups.catchUp();
    expect(t.calls.deliverPending).toEqual([2]);
    expect(t.calls.catchUp).toEqual([[{ id: 1, revision: 3 }]]);
  });

  it('looks for configuration markings and queued commands since shortly before its previous catch-up, not at everything', async () => {
    const t = setup([1]);
    await t.wakeups.catchUp(); // the first: since shortly before the process started
    t.clock.now += 5_000;
    await t.wakeups.catchUp();
    t.fullPage(true);
    t.clock.now += 5_000;
    await t.wakeups.catchUp(); // a full page: the next run reads from the same point
    t.fullPage(false);
    t.clock.now += 5_000;
    await t.wakeups.catchUp();
    const overlap = CATCH_UP_OVERLAP_MS;
    expect(t.calls.configSince).toEqual([1_000_000 - overlap, 1_000_000 - overlap, 1_005_000 - overlap, 1_005_000 - overlap]);
    expect(t.calls.catchUp.map((p) => (p as unknown[]).length)).toEqual([1, 1, 5000, 1]);
    // Commands: never a full page here, so each run reads from shortly before the previous one.
    expect(t.calls.commandsSince).toEqual([1_000_000, 1_000_000, 1_005_000, 1_010_000].map((at) => at - overlap));
  });

  it('closes its stale channel when the device said hello elsewhere', () => {
    const t = setup([5]);
    t.bus.deliver({ t: 'connected', deviceIds: [5, 6] });
    expect(t.chans.get(5)!.closed).toHaveLength(1);
    expect(t.chans.get(5)!.closed[0]!.msg).toMatchObject({ t: 'bye', code: 'REPLACED' });
  });

  it('passes configuration marks, catch-up requests and ended sessions on', async () => {
    const t = setup([1]);
    t.bus.deliver({ t: 'configuration', deviceIds: 'all' });
    t.bus.deliver({ t: 'sessions', ids: [7, 8] });
    t.queued.add(1);
    t.bus.deliver({ t: 'catch-up' });
    await t.wakeups.stop();
    expect(t.calls.peerMarked).toEqual(['all']);
    expect(t.calls.forgot).toEqual([7, 8]);
    expect(t.calls.deliverPending).toEqual([1]);
  });

  it('re-reads the device enrollment address on the bus message (announcing it) and in the catch-up (announcing a change only)', async () => {
    const t = setup([1]);
    t.bus.deliver({ t: 'cluster-settings' });
    expect(t.calls.addressReloads).toEqual(['always']);
    await t.wakeups.catchUp();
    expect(t.calls.addressReloads).toEqual(['always', 'if-changed']);
    // Once a minute, not on every catch-up.
    await t.wakeups.catchUp();
    expect(t.calls.addressReloads).toHaveLength(2);
  });

  it('relays this process events to the others, and shows theirs here without relaying them back', () => {
    const t = setup([]);
    t.events.publish({ type: 'device.changed', deviceId: 4 });
    t.events.publish({ type: 'device.deleted', deviceId: 5 });
    expect(t.bus.published).toEqual([
      { t: 'changed', deviceIds: [4] },
      { t: 'event', event: { type: 'device.deleted', deviceId: 5 } },
    ]);
    t.bus.deliver({ t: 'changed', deviceIds: [10, 11] });
    t.bus.deliver({ t: 'event', event: { type: 'device.presence', deviceId: 12, online: false, lastContact: null, lastIp: null } });
    expect(t.seen.map((e) => e.deviceId)).toEqual([4, 5, 10, 11, 12]);
    expect(t.bus.published).toHaveLength(2);
  });
});
