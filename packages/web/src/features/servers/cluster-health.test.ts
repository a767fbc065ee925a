import type { ServerProcess } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import { clusterWarnings, formatAgo, formatClockOffset, isClockOff, summarizeCluster } from './cluster-health';

const serverProcess = (over: Partial<ServerProcess> = {}): ServerProcess => ({
  id: 'h1.0',
  host: 'ums-a',
  pid: 4242,
  worker: 0,
  version: '0.3.0',
  database: 'postgres://db.example.com/openums',
  addresses: ['10.0.0.5'],
  port: 8443,
  startedAt: '2026-12-03T09:00:00.000Z',
  lastBeat: '2026-12-03T10:00:00.000Z',
  status: 'running',
  devicesConnected: 10,
  clockOffsetMs: 0,
  self: false,
  ...over,
});

describe('cluster health', () => {
  it('counts running and dead servers and the devices on the running ones', () => {
    const servers = [
      serverProcess({ id: 'a', devicesConnected: 3 }),
      serverProcess({ id: 'b', devicesConnected: 4 }),
      serverProcess({ id: 'c', status: 'dead', devicesConnected: 99 }),
    ];
    expect(summarizeCluster(servers)).toEqual({ running: 2, dead: 1, devicesConnected: 7 });
  });

  it('warns when running servers have different versions; dead ones do not count', () => {
    expect(clusterWarnings([serverProcess(), serverProcess({ id: 'x', host: 'ums-b', version: '0.2.0', status: 'dead' })])).toEqual([]);
    const [warning] = clusterWarnings([serverProcess(), serverProcess({ id: 'x', host: 'ums-b', version: '0.2.0' })]);
    expect(warning).toContain('different versions');
    expect(warning).toContain('0.3.0 on ums-a; 0.2.0 on ums-b');
    // Workers of a host on one version are named by their host; a host split across versions by worker.
    const [split] = clusterWarnings([
      serverProcess(),
      serverProcess({ id: 'a1', worker: 1 }),
      serverProcess({ id: 'b0', host: 'ums-b', version: '0.2.0' }),
      serverProcess({ id: 'b1', host: 'ums-b', worker: 1 }),
    ]);
    expect(split).toContain('0.3.0 on ums-a, ums-b (worker 1); 0.2.0 on ums-b (worker 0)');
  });

  it('warns when the clocks of running servers differ by more than a minute', () => {
    const a = serverProcess({ clockOffsetMs: -20_000 });
    expect(clusterWarnings([a, serverProcess({ id: 'b', host: 'ums-b', clockOffsetMs: 40_000 })])).toEqual([]);
    const [warning] = clusterWarnings([a, serverProcess({ id: 'b', host: 'ums-b', clockOffsetMs: 41_000 })]);
    expect(warning).toContain('differ by 1 min 1 s');
    expect(warning).toContain('ums-b is ahead of ums-a');
    // Two workers of one host are told apart.
    const [workers] = clusterWarnings([a, serverProcess({ id: 'a1', worker: 1, clockOffsetMs: 70_000 })]);
    expect(workers).toContain('ums-a (worker 1) is ahead of ums-a (worker 0)');
  });

  it('formats offsets and ages', () => {
    expect(formatClockOffset(0)).toBe('0 ms');
    expect(formatClockOffset(120)).toBe('+120 ms');
    expect(formatClockOffset(-2500)).toBe('−2.5 s');
    expect(formatClockOffset(75_000)).toBe('+1 min 15 s');
    expect(formatClockOffset(-120_000)).toBe('−2 min');
    expect(isClockOff(60_000)).toBe(false);
    expect(isClockOff(-60_001)).toBe(true);
    const now = Date.parse('2026-12-03T10:00:12.000Z');
    expect(formatAgo('2026-12-03T10:00:00.000Z', now)).toBe('12 s ago');
    expect(formatAgo('2026-12-03T10:00:30.000Z', now)).toBe('just now');
  });
});
