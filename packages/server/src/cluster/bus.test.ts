import { describe, expect, it, vi } from 'vitest';
import { Outbox, parsePayload, type BusMessage } from './bus.js';

describe('cluster bus outbox', () => {
  it('merges id lists of one kind and splits them below the payload limit', () => {
    const sent: string[][] = [];
    const box = new Outbox((p) => sent.push(p), 7900);
    for (let id = 1; id <= 3000; id++) box.add({ t: 'commands', deviceIds: [id] });
    box.add({ t: 'commands', deviceIds: [5] }); // a duplicate is sent once
    box.add({ t: 'sessions', ids: [9] });
    box.flush();
    expect(sent).toHaveLength(1);
    const payloads = sent[0]!;
    expect(payloads.every((p) => p.length <= 7900)).toBe(true);
    const msgs = payloads.flatMap((p) => parsePayload(p)!);
    const ids = msgs.flatMap((m) => (m.t === 'commands' ? m.deviceIds : []));
    expect(ids).toHaveLength(3000);
    expect(new Set(ids).size).toBe(3000);
    expect(msgs.filter((m) => m.t === 'sessions')).toEqual([{ t: 'sessions', ids: [9] }]);
  });

  it('sends "configuration all" instead of a list once any sender asked for all', () => {
    const sent: string[][] = [];
    const box = new Outbox((p) => sent.push(p), 7900);
    box.add({ t: 'configuration', deviceIds: [1, 2] });
    box.add({ t: 'configuration', deviceIds: 'all' });
    box.flush();
    expect(sent.flat().flatMap((p) => parsePayload(p)!)).toEqual([{ t: 'configuration', deviceIds: 'all' }] satisfies BusMessage[]);
  });

  it('passes access-list changes on as they were published (object type and ids only)', () => {
    const sent: string[][] = [];
    const box = new Outbox((p) => sent.push(p), 7900);
    box.add({ t: 'access', objectType: 'device-folder', ids: [7] });
    box.add({ t: 'access', objectType: 'profile', ids: [3] });
    box.flush();
    expect(sent.flat().flatMap((p) => parsePayload(p)!)).toEqual([
      { t: 'access', objectType: 'device-folder', ids: [7] },
      { t: 'access', objectType: 'profile', ids: [3] },
    ] satisfies BusMessage[]);
  });

  it('ignores payloads that are not ours', () => {
    expect(parsePayload('not json')).toBeNull();
    expect(parsePayload('{"t":"commands"}')).toBeNull();
    expect(parsePayload('[1, null, {"t":"catch-up"}]')).toEqual([{ t: 'catch-up' }]);
  });

  it('sends commands after 10 ms but lets storm traffic (connected, live events) wait up to 250 ms', async () => {
    vi.useFakeTimers();
    try {
      const sent: BusMessage[][] = [];
      const box = new Outbox((p) => sent.push(p.flatMap((x) => parsePayload(x)!)), 7900);
      box.add({ t: 'connected', deviceIds: [1] });
      box.add({ t: 'changed', deviceIds: [1] });
      await vi.advanceTimersByTimeAsync(200);
      expect(sent).toEqual([]);
      box.add({ t: 'connected', deviceIds: [2] });
      await vi.advanceTimersByTimeAsync(50);
      expect(sent).toEqual([
        [
          { t: 'connected', deviceIds: [1, 2] },
          { t: 'changed', deviceIds: [1] },
        ],
      ]);
      // A command does not wait for the bulk: it goes after 10 ms and takes what waits with it.
      box.add({ t: 'connected', deviceIds: [3] });
      await vi.advanceTimersByTimeAsync(5);
      box.add({ t: 'commands', deviceIds: [4] });
      await vi.advanceTimersByTimeAsync(10);
      expect(sent[1]).toEqual([
        { t: 'connected', deviceIds: [3] },
        { t: 'commands', deviceIds: [4] },
      ]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(sent).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
