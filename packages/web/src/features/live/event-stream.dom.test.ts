// @vitest-environment jsdom
import type { LiveEvent } from '@openums/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventStream } from './event-stream';

class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  readonly listeners = new Map<string, (e: { data: string }) => void>();
  constructor(readonly url: string) {}
  addEventListener(type: string, fn: (e: { data: string }) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  fail(readyState: number) {
    this.readyState = readyState;
    this.onerror?.();
  }
  emit(type: string, data: string) {
    this.listeners.get(type)?.({ data });
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('EventSource', FakeEventSource);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function setup(probeStatus: () => { status: number; contentType: string | null }) {
  const sources: FakeEventSource[] = [];
  const events: LiveEvent[] = [];
  const onResync = vi.fn();
  const onUnauthenticated = vi.fn();
  const probe = vi.fn(async () => probeStatus());
  const stream = new EventStream({
    onEvent: (e) => events.push(e),
    onResync,
    onUnauthenticated,
    probe,
    createEventSource: (url) => {
      const source = new FakeEventSource(url);
      sources.push(source);
      return source as unknown as EventSource;
    },
  });
  return { stream, sources, events, onResync, onUnauthenticated, probe };
}

const ok = () => ({ status: 200, contentType: 'text/event-stream; charset=utf-8' });

describe('EventStream', () => {
  it('opens the stream after a successful probe and hands on typed events', async () => {
    const { stream, sources, events } = setup(ok);
    stream.start();
    expect(stream.getStatus()).toBe('connecting');
    await vi.advanceTimersByTimeAsync(0);
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe('/api/v1/events');
    sources[0]!.open();
    expect(stream.getStatus()).toBe('live');

    sources[0]!.emit(
      'device.presence',
      JSON.stringify({ deviceId: 7, online: true, lastContact: '2026-01-01T00:00:00.000Z', lastIp: '10.0.0.7' }),
    );
    sources[0]!.emit('command.changed', 'not json');
    expect(events).toEqual([
      { type: 'device.presence', deviceId: 7, online: true, lastContact: '2026-01-01T00:00:00.000Z', lastIp: '10.0.0.7' },
    ]);
    stream.stop();
    expect(sources[0]!.closed).toBe(true);
    expect(stream.getStatus()).toBe('off');
  });

  it('shows "reconnecting" while the browser re-opens a dropped stream, and asks for a resync when it is back', async () => {
    const { stream, sources, onResync } = setup(ok);
    const statuses: string[] = [];
    stream.subscribe(() => statuses.push(stream.getStatus()));
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    sources[0]!.open();
    expect(onResync).not.toHaveBeenCalled();
    sources[0]!.fail(FakeEventSource.CONNECTING);
    expect(stream.getStatus()).toBe('reconnecting');
    sources[0]!.open();
    expect(onResync).toHaveBeenCalledTimes(1);
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    stream.stop();
  });

  it('retries with growing delays when the server does not offer the stream, and stops on 401', async () => {
    let answer = { status: 404, contentType: 'application/json' as string | null };
    const { stream, sources, probe, onUnauthenticated } = setup(() => answer);
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sources).toHaveLength(0);
    expect(stream.getStatus()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(probe).toHaveBeenCalledTimes(3);

    answer = { status: 401, contentType: 'application/json' };
    await vi.advanceTimersByTimeAsync(4_000);
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
    expect(stream.getStatus()).toBe('off');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(probe).toHaveBeenCalledTimes(4);
  });

  it('probes again when the browser gives up on an open stream', async () => {
    const { stream, sources, probe } = setup(ok);
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    sources[0]!.open();
    sources[0]!.fail(FakeEventSource.CLOSED);
    expect(stream.getStatus()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe).toHaveBeenCalledTimes(2);
    expect(sources).toHaveLength(2);
    stream.stop();
  });
});
