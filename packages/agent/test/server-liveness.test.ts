import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_WS_PATH } from '@openums/protocol';
import { Backoff } from '../src/connection/backoff.js';
import { DeviceClient, type ClientState } from '../src/connection/device-client.js';
import { TimerWheel } from '../src/connection/timer-wheel.js';
import { MemorySessionStore } from '../src/connection/tls-session.js';
import { enrollDevice } from '../src/enroll/enroll.js';
import { MemoryCommandStore } from '../src/handlers/command-store.js';
import { silentLogger } from '../src/lib/log.js';
import { RecordingPlatform } from '../src/platform/recording.js';
import { FakeServer, type DeviceConn } from './support/fake-server.js';

// How a device finds a server that went silent (a vanished host, a hung process): the fake
// server sends heartbeats every 1 s; the agent's answer deadline is 400 ms, its keepalive 7 s.
const HEARTBEAT_MS = 1000;
const ANSWER_MS = 400;
const KEEPALIVE_S = 7;
const TICK_MS = 20;

let server: FakeServer;
beforeAll(async () => {
  server = await FakeServer.start();
});
afterAll(() => server.close());

async function device(unitId: string, answerTimeoutMs = ANSWER_MS) {
  const dir = mkdtempSync(join(tmpdir(), 'sl-'));
  const id = await enrollDevice({ server: `https://127.0.0.1:${server.port}`, key: 'good-key', stateDir: dir, unitId, log: silentLogger });
  const states: Array<{ to: ClientState; at: number }> = [];
  const store = new MemoryCommandStore();
  const c = new DeviceClient({
    url: `wss://127.0.0.1:${server.port}${DEVICE_WS_PATH}`,
    unitId,
    credentials: () => ({ cert: id.certPem, key: id.keyPem, ca: id.caPem }),
    platform: new RecordingPlatform({ unitId, mac: '020000000043' }),
    store: () => store,
    sessions: new MemorySessionStore(),
    wheel: new TimerWheel(TICK_MS),
    log: silentLogger,
    backoff: new Backoff({ baseMs: 50, capMs: 100 }),
    answerTimeoutMs,
    keepAliveMs: KEEPALIVE_S * 1000,
    events: { stateChanged: (_c, _from, to) => states.push({ to, at: performance.now() }) },
  });
  return { c, states, cn: `device-${id.record.deviceId}` };
}

async function online(c: DeviceClient, conn: Promise<DeviceConn>): Promise<DeviceConn> {
  c.start();
  const s = await conn;
  while (c.state !== 'online') await new Promise((r) => setTimeout(r, 10));
  return s;
}

const socketOf = (s: DeviceConn) => (s.ws as unknown as { _socket: Socket })._socket;

describe('the agent finds a silent server', () => {
  it('gives the channel up within a heartbeat period + the answer deadline, and reconnects', async () => {
    const d = await device('SL-1');
    const first = await online(d.c, server.nextConnection());
    const second = server.nextConnection();
    // The server stops reading: no pong, no message — to the agent, the same as a vanished host.
    socketOf(first).pause();
    const t0 = performance.now();
    while (d.c.state === 'online') await new Promise((r) => setTimeout(r, 10));
    const gone = performance.now() - t0;
    expect(gone).toBeLessThanOrEqual(HEARTBEAT_MS + ANSWER_MS + 2 * TICK_MS + 300);
    expect(gone).toBeGreaterThanOrEqual(ANSWER_MS - 100);
    // Back on a (new) connection, by itself.
    const s2 = await second;
    expect(s2.cn).toBe(d.cn);
    while (d.c.state !== 'online') await new Promise((r) => setTimeout(r, 10));
    await d.c.stop();
    first.ws.terminate();
  });

  it('keeps the channel of a server that answers, and pings it once per heartbeat', async () => {
    const d = await device('SL-2');
    const s = await online(d.c, server.nextConnection());
    let pings = 0;
    s.ws.on('ping', () => pings++);
    const before = server.connections.filter((x) => x.cn === d.cn).length;
    await new Promise((r) => setTimeout(r, 3.5 * HEARTBEAT_MS));
    expect(d.c.state).toBe('online');
    expect(d.states.filter((x) => x.to === 'online')).toHaveLength(1);
    expect(server.connections.filter((x) => x.cn === d.cn).length).toBe(before);
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(pings).toBeLessThanOrEqual(4);
    expect(s.messages.filter((m) => m.t === 'heartbeat').length).toBeGreaterThanOrEqual(3);
    await d.c.stop();
  });

  it('with a server that takes pings as heartbeats (welcome heartbeatByPing): a ping alone per heartbeat, no heartbeat message', async () => {
    server.welcome = { heartbeatSeconds: 1, heartbeatOffsetSeconds: 0, heartbeatByPing: true };
    try {
      // A longer deadline than the other tests: on a loaded machine a pong later than 400 ms would
      // move the device to a new connection and its pings away from the one counted here.
      const answerMs = 1500;
      const d = await device('SL-4', answerMs);
      const s = await online(d.c, server.nextConnection());
      let pings = 0;
      s.ws.on('ping', () => pings++);
      await new Promise((r) => setTimeout(r, 3.5 * HEARTBEAT_MS));
      expect(d.c.state).toBe('online');
      expect(d.states.filter((x) => x.to === 'online')).toHaveLength(1);
      expect(pings).toBeGreaterThanOrEqual(3);
      expect(pings).toBeLessThanOrEqual(4);
      expect(s.messages.filter((m) => m.t === 'heartbeat')).toEqual([]);
      // The pong is still the answer that keeps the channel: a server that stops reading is given up.
      const next = server.nextConnection();
      socketOf(s).pause();
      const t0 = performance.now();
      while (d.c.state === 'online') await new Promise((r) => setTimeout(r, 10));
      expect(performance.now() - t0).toBeLessThanOrEqual(HEARTBEAT_MS + answerMs + 2 * TICK_MS + 300);
      await next;
      await d.c.stop();
      s.ws.terminate();
    } finally {
      server.welcome = { heartbeatSeconds: 1, heartbeatOffsetSeconds: 0 };
    }
  });

  it('turns on kernel TCP keepalive on its channel socket', async () => {
    const d = await device('SL-3');
    const s = await online(d.c, server.nextConnection());
    const devicePort = socketOf(s).remotePort!;
    // The device's end: source port = device, destination = server.
    const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${devicePort} and dport = :${server.port} )`], {
      encoding: 'utf8',
    });
    const m = /timer:\(keepalive,(?:(\d+)min)?(\d+(?:\.\d+)?)(ms|sec)/.exec(out);
    expect(m, out).not.toBeNull();
    const secs = Number(m![1] ?? 0) * 60 + Number(m![2]) / (m![3] === 'ms' ? 1000 : 1);
    expect(secs).toBeGreaterThan(0);
    expect(secs).toBeLessThanOrEqual(KEEPALIVE_S);
    await d.c.stop();
  });
});
