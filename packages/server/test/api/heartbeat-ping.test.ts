import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@openums/protocol';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { httpsCall, sysinfo } from '../helpers/device.js';

/**
 * A device's WebSocket ping is its heartbeat (docs/devices.md#heartbeats): the welcome says so,
 * the ping stamps the device's last contact and is answered by a pong — within the message rate
 * limit, like a message, and only after hello.
 */
const FLUSH_MS = 300;
const PER_MINUTE = 60; // a burst of max(10, 60 / 2) = 30

describe.each(DIALECTS)(
  'heartbeat by ping (%s)',
  (dialect) => {
    const s = channelServer(dialect, { presenceFlushMs: FLUSH_MS, messagesPerMinute: PER_MINUTE });

    /** A device on a raw ws client (no automatic pong: it never answers a server's ping). */
    async function connect() {
      const { ws, mac } = await s.rawDevice({ autoPong: false });
      const messages: Array<Record<string, unknown>> = [];
      let pongs = 0;
      ws.on('message', (m) => messages.push(JSON.parse(m.toString())));
      ws.on('pong', () => pongs++);
      await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
      ws.on('error', () => {});
      const hello = async () => {
        ws.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, unitId: mac, system: sysinfo() }));
        await s.waitFor(async () => messages.some((m) => m.t === 'welcome'), 10_000);
        return messages.find((m) => m.t === 'welcome') as { deviceId: number; heartbeatByPing?: boolean };
      };
      return { ws, messages, pongs: () => pongs, hello };
    }

    const lastContact = async (id: number) => {
      const r = await s.api('GET', `/api/v1/devices/${id}`);
      expect(r.status).toBe(200);
      return Date.parse(r.body.lastContact ?? '1970-01-01');
    };
    /** Pings the server took for heartbeats, from its metrics. */
    const pingBeats = async () =>
      Number(/openums_device_messages_total\{type="ping"\} (\d+)/.exec((await httpsCall(s.t, 'GET', '/metrics')).body)?.[1] ?? 0);

    it('tells the device in welcome; a ping after hello gets a pong and stamps last contact', async () => {
      const d = await connect();
      const welcome = await d.hello();
      expect(welcome.heartbeatByPing).toBe(true);
      const id = welcome.deviceId;
      await s.waitFor(async () => (await lastContact(id)) > 0, FLUSH_MS + 5000); // the hello's
      const atHello = await lastContact(id);
      const beats = await pingBeats();
      await new Promise((r) => setTimeout(r, 1100));
      const pingedAt = Date.now();
      d.ws.ping();
      await s.waitFor(async () => d.pongs() === 1, 5000);
      await s.waitFor(async () => (await lastContact(id)) > atHello, FLUSH_MS + 5000);
      expect(await lastContact(id)).toBeGreaterThanOrEqual(pingedAt - 50);
      expect(await pingBeats()).toBe(beats + 1);
      d.ws.terminate();
    });

    it('answers a ping before hello (the channel is alive) without taking it for a heartbeat', async () => {
      const d = await connect();
      const before = await pingBeats();
      d.ws.ping();
      await s.waitFor(async () => d.pongs() === 1, 5000);
      expect(await pingBeats()).toBe(before);
      // After hello the same ping is a heartbeat.
      await d.hello();
      d.ws.ping();
      await s.waitFor(async () => d.pongs() === 2, 5000);
      expect(await pingBeats()).toBe(before + 1);
      d.ws.terminate();
    });

    it('limits pings like messages: a flood gets RATE_LIMITED errors and no pong beyond the burst', async () => {
      const d = await connect();
      await d.hello();
      for (let i = 0; i < 60; i++) d.ws.ping();
      await s.waitFor(async () => d.messages.some((m) => m.t === 'error' && m.code === 'RATE_LIMITED'), 5000);
      await new Promise((r) => setTimeout(r, 300));
      expect(d.pongs()).toBeGreaterThanOrEqual(25);
      expect(d.pongs()).toBeLessThanOrEqual(32);
      d.ws.terminate();
    });
  },
  60_000,
);
