import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@openums/protocol';
import { TICK_MS } from '../../src/gateway/liveness.js';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { httpsCall, sysinfo } from '../helpers/device.js';

/**
 * The detection times of docs/devices.md#liveness, on short settings. Every bound is computed
 * from the settings the same way the documentation computes the defaults' bounds.
 */
const IDLE_S = 4;
const PONG_S = 2;
const KEEPALIVE_S = 7;
const FLUSH_MS = 2000; // the default: "offline" means visible in the REST API
const CLOSED_BOUND_MS = 3000;
const SILENT_BOUND_MS = (IDLE_S + PONG_S) * 1000 + 4 * TICK_MS + FLUSH_MS;

function hasSs(): boolean {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Devices on raw ws clients connected to `s` (a channelServer). */
function devicesOn(s: ReturnType<typeof channelServer>) {
  /** A device on a raw ws client: `autoPong: false` models an agent whose event loop is stuck. */
  async function connect(opts: { autoPong: boolean; beatMs?: number }) {
    const { ws, mac } = await s.rawDevice(opts);
    const pings: number[] = [];
    let closedAt: number | null = null;
    ws.on('ping', () => pings.push(Date.now()));
    ws.on('close', () => (closedAt ??= Date.now()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {});
    const welcome = new Promise<{ deviceId: number }>((resolve) =>
      ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (msg.t === 'welcome') resolve(msg);
      }),
    );
    const helloAt = Date.now();
    ws.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, unitId: mac, system: sysinfo() }));
    const beat = opts.beatMs ? setInterval(() => ws.send(JSON.stringify({ t: 'heartbeat' })), opts.beatMs) : undefined;
    ws.on('close', () => clearInterval(beat));
    const id = (await welcome).deviceId;
    await waitOnline(id, true, 10_000);
    return { id, ws, pings, closedAt: () => closedAt, helloAt };
  }

  async function online(id: number): Promise<boolean> {
    return (await s.api('GET', `/api/v1/devices/${id}`)).body.online === true;
  }
  async function waitOnline(id: number, want: boolean, ms: number): Promise<number> {
    const started = Date.now();
    await s.waitFor(async () => (await online(id)) === want, ms);
    return Date.now() - started;
  }
  return { connect, online, waitOnline };
}

describe.each(DIALECTS)(
  'liveness (%s)',
  (dialect) => {
    const s = channelServer(dialect, {
      pingIntervalSeconds: IDLE_S,
      pongTimeoutSeconds: PONG_S,
      keepAliveSeconds: KEEPALIVE_S,
      presenceFlushMs: FLUSH_MS,
    });

    const { connect, online, waitOnline } = devicesOn(s);

    it(`shows a closed connection offline within ${CLOSED_BOUND_MS / 1000} s`, async () => {
      const a = await connect({ autoPong: true });
      const b = await connect({ autoPong: true });
      const t0 = Date.now();
      a.ws.close(); // orderly close (close frame, FIN)
      (b.ws as unknown as { _socket: { destroy(): void } })._socket.destroy(); // FIN without a close frame
      await Promise.all([waitOnline(a.id, false, CLOSED_BOUND_MS + 2000), waitOnline(b.id, false, CLOSED_BOUND_MS + 2000)]);
      expect(Date.now() - t0).toBeLessThanOrEqual(CLOSED_BOUND_MS);
    });

    it('cuts off a hung agent (TCP alive, no pongs, no messages) within ping interval + pong timeout', async () => {
      const d = await connect({ autoPong: false });
      const t0 = d.helloAt; // its hello: the last frame the server got
      await waitOnline(d.id, false, SILENT_BOUND_MS + 5000);
      const detected = Date.now() - t0;
      expect(d.pings.length).toBeGreaterThanOrEqual(1);
      // It was pinged only once it had been silent for the ping interval, and given the full timeout.
      expect(d.pings[0]! - t0).toBeGreaterThanOrEqual(IDLE_S * 1000 - 50);
      expect(d.closedAt()! - d.pings[0]!).toBeGreaterThanOrEqual(PONG_S * 1000 - 50);
      expect(detected).toBeLessThanOrEqual(SILENT_BOUND_MS);
      const metrics = await httpsCall(s.t, 'GET', '/metrics');
      expect(metrics.body).toMatch(/openums_device_message_errors_total\{reason="ping-timeout"\} [1-9]/);
    });

    it('cuts off a vanished device (socket no longer read: no pongs, no FIN) within the same bound', async () => {
      const d = await connect({ autoPong: true });
      const t0 = d.helloAt;
      (d.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      await waitOnline(d.id, false, SILENT_BOUND_MS + 5000);
      const detected = Date.now() - t0;
      expect(detected).toBeLessThanOrEqual(SILENT_BOUND_MS);
      // Not before it was pinged after the ping interval and given the whole pong timeout.
      expect(detected).toBeGreaterThanOrEqual((IDLE_S + PONG_S) * 1000 - 100);
      d.ws.terminate();
    });

    it('treats any message as life: a talking device is never pinged; a silent one is pinged about once per interval and stays', async () => {
      const talking = await connect({ autoPong: false, beatMs: (IDLE_S * 1000) / 2 });
      const silent = await connect({ autoPong: true });
      const duration = 3 * (IDLE_S + PONG_S) * 1000;
      await new Promise((r) => setTimeout(r, duration));
      expect(await online(talking.id)).toBe(true);
      expect(await online(silent.id)).toBe(true);
      expect(talking.pings).toEqual([]);
      // 18 s with an idle time of 4 s: one ping per 4–5 s (the old 1 s interval would be 18).
      expect(silent.pings.length).toBeGreaterThanOrEqual(Math.floor(duration / ((IDLE_S + 1) * 1000)) - 1);
      expect(silent.pings.length).toBeLessThanOrEqual(Math.ceil(duration / (IDLE_S * 1000)));
      talking.ws.terminate();
      silent.ws.terminate();
    }, 60_000);

    it.skipIf(!hasSs())('turns on kernel TCP keepalive on device sockets with keepAliveSeconds', async () => {
      const d = await connect({ autoPong: true });
      const local = (d.ws as unknown as { _socket: { localPort: number } })._socket.localPort;
      // The server's end of this device's connection: source port = server, destination = device.
      const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${s.t.port} and dport = :${local} )`], {
        encoding: 'utf8',
      });
      const m = /timer:\(keepalive,(?:(\d+)min)?(\d+(?:\.\d+)?)(ms|sec)/.exec(out);
      expect(m, out).not.toBeNull();
      const secs = Number(m![1] ?? 0) * 60 + Number(m![2]) / (m![3] === 'ms' ? 1000 : 1);
      expect(secs).toBeGreaterThan(0);
      expect(secs).toBeLessThanOrEqual(KEEPALIVE_S);
      d.ws.terminate();
    });
  },
  120_000,
);

/** With a long ping interval, only the answer deadline a send starts can cut a hung agent off early. */
describe.each(DIALECTS)(
  'liveness: answer deadline (%s)',
  (dialect) => {
    const LONG_IDLE_S = 60;
    const s = channelServer(dialect, {
      pingIntervalSeconds: LONG_IDLE_S,
      pongTimeoutSeconds: PONG_S,
      keepAliveSeconds: KEEPALIVE_S,
      presenceFlushMs: FLUSH_MS,
    });
    const { connect, waitOnline } = devicesOn(s);

    it('cuts off a hung agent 2T after a command sent to it goes unanswered, long before the idle ping', async () => {
      const d = await connect({ autoPong: false });
      const r = await s.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [d.id] });
      expect(r.status).toBe(201);
      const sentBy = Date.now();
      await waitOnline(d.id, false, 2 * PONG_S * 1000 + 4 * TICK_MS + FLUSH_MS + 5000);
      // No ack within T: pinged (not with the command: an answering device is never pinged); no
      // pong within T: cut off, 2T after the send instead of I + T after the hello.
      expect(d.pings.length).toBe(1);
      expect(d.pings[0]! - sentBy).toBeGreaterThanOrEqual(PONG_S * 1000 - 400);
      expect(d.closedAt()! - d.pings[0]!).toBeGreaterThanOrEqual(PONG_S * 1000 - 50);
      expect(d.closedAt()! - sentBy).toBeLessThanOrEqual(2 * PONG_S * 1000 + 4 * TICK_MS);
    });

    it('sends no ping to a device that acknowledges a command', async () => {
      const d = await connect({ autoPong: false });
      let ackAt: number | null = null;
      d.ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (msg.t === 'command') {
          d.ws.send(JSON.stringify({ t: 'ack', id: msg.id }));
          ackAt = Date.now();
        }
      });
      const r = await s.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [d.id] });
      expect(r.status).toBe(201);
      await new Promise((res) => setTimeout(res, 3 * PONG_S * 1000));
      expect(ackAt).not.toBeNull();
      // Only pings after the ack count: on a slow machine the command can reach the device more
      // than T after it was sent, and a ping before the ack is then the server doing its job.
      expect(d.pings.filter((t) => t > ackAt!)).toEqual([]);
      expect(d.closedAt()).toBeNull();
      d.ws.terminate();
    });
  },
  60_000,
);
