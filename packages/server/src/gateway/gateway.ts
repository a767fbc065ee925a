import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CloseCode, DEVICE_WS_PATH, DeviceErrorCode, ErrorCode, errorStatus, type DeviceMessage, type ErrorBody } from '@openums/protocol';
import type { Config } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import type { EventBus } from '../lib/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { findUnsafeString } from '../lib/text-safety.js';
import type { DevicesRepository } from '../modules/devices/devices.repository.js';
import type { CommandsService } from '../modules/commands/commands.service.js';
import type { DeviceCa } from '../tls/device-ca.js';
import { identifyClient } from './client-cert.js';
import { DeviceConnection } from './device-connection.js';
import type { DeviceRegistry } from './device-registry.js';
import { handlers, validators, type HandlerContext } from './message-handlers.js';
import type { ConfigurationDeliveryService } from '../modules/configuration-delivery/configuration-delivery.service.js';
import type { DeviceConfigurationService } from '../modules/device-configuration/device-configuration.service.js';
import type { PresenceService } from './presence.js';

const HELLO_TIMEOUT_MS = 30_000;
const MAX_INVALID = 20;

export interface GatewayDeps {
  config: Config;
  ca: DeviceCa;
  devices: DevicesRepository;
  registry: DeviceRegistry;
  presence: PresenceService;
  commands: CommandsService;
  delivery: ConfigurationDeliveryService;
  deviceConfiguration: DeviceConfigurationService;
  events: EventBus;
  metrics: Metrics;
  clock: Clock;
  log: Logger | null;
}

/**
 * The device channel: WebSockets at /device-connector/device/ws-connect on the HTTPS port,
 * authenticated by the device's client certificate (or a certificate forwarded by a trusted
 * TLS-terminating proxy). Also guards the port against handshake storms.
 */
export class DeviceGateway {
  private readonly wss: WebSocketServer;
  private readonly ctx: HandlerContext;
  private handshakes = 0;
  private readonly pending = new WeakMap<Socket, () => void>();
  private closing = false;
  /** Every open channel, with or without hello, so shutdown can close them all. */
  private readonly open = new Set<DeviceConnection>();
  /** Channels with a ping in flight; swept for missed pong deadlines. */
  private readonly awaitingPong = new Set<DeviceConnection>();
  private sweeper: NodeJS.Timeout | null = null;
  /**
   * Channels in pingIntervalSeconds slots; each second one slot is pinged in one go. Bunching
   * the pings (and so the pongs) makes the event loop wake far less often than a timer per
   * channel: on 2 cores that was a large share of the idle CPU with thousands of devices.
   */
  private readonly pingSlots: Array<Set<DeviceConnection>>;
  private pingTicker: NodeJS.Timeout | null = null;
  private pingTick = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly d: GatewayDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: d.config.gateway.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.ctx = {
      registry: d.registry,
      presence: d.presence,
      commands: d.commands,
      delivery: d.delivery,
      deviceConfiguration: d.deviceConfiguration,
      clock: d.clock,
      config: d.config.gateway,
      log: d.log,
    };
    this.pingSlots = Array.from({ length: d.config.gateway.pingIntervalSeconds }, () => new Set<DeviceConnection>());
  }

  private addToPingSlot(conn: DeviceConnection): void {
    let best = this.pingSlots[0]!;
    for (const slot of this.pingSlots) if (slot.size < best.size) best = slot;
    best.add(conn);
  }

  attach(server: TlsServer): void {
    server.on('connection', (raw: Socket) => this.onTcpConnection(raw));
    server.on('secureConnection', (tls: TLSSocket) => {
      this.pending.get((tls as unknown as { _parent: Socket })._parent)?.();
      this.d.metrics.tlsHandshakes.inc({ kind: tls.isSessionReused() ? 'resumed' : 'full' });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.onUpgrade(req, socket, head));
    const timeoutMs = this.d.config.gateway.pongTimeoutSeconds * 1000;
    let lastSweep = Date.now();
    this.sweeper = setInterval(() => {
      const now = Date.now();
      // After a stall of our own (a handshake burst can block the loop for seconds), pongs may be
      // waiting unread in socket buffers: restart the deadlines rather than cut devices off.
      const stalled = now - lastSweep > 1_000;
      lastSweep = now;
      for (const conn of this.awaitingPong) {
        if (stalled) {
          conn.pingSentAt = now;
          continue;
        }
        if (conn.pingSentAt !== null && now - conn.pingSentAt > timeoutMs) {
          this.awaitingPong.delete(conn);
          this.d.metrics.deviceMessageErrors.inc({ reason: 'ping-timeout' });
          conn.ws.terminate();
        }
      }
    }, 250);
    this.sweeper.unref();
    this.pingTicker = setInterval(() => {
      const slot = this.pingSlots[this.pingTick++ % this.pingSlots.length]!;
      const now = Date.now();
      for (const conn of slot) if (conn.ping(now)) this.awaitingPong.add(conn);
    }, 1000);
    this.pingTicker.unref();
    this.unsubscribe = this.d.events.subscribe((e) => {
      if (e.type === 'device.deleted') {
        this.d.registry
          .get(e.deviceId)
          ?.close(CloseCode.Deleted, { t: 'bye', code: DeviceErrorCode.DeviceDeleted, message: 'this device was deleted on the server' });
      }
    });
  }

  /** Closes every channel, telling devices to come back after a short, jittered wait. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.unsubscribe?.();
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.pingTicker) clearInterval(this.pingTicker);
    for (const conn of [...this.open]) {
      conn.send({ t: 'bye', code: DeviceErrorCode.ServerShutdown, message: 'server is shutting down', retryAfterSeconds: 5 });
      conn.ws.close(CloseCode.GoingAway, DeviceErrorCode.ServerShutdown);
    }
    await new Promise((r) => setTimeout(r, 50));
    for (const conn of [...this.open]) conn.ws.terminate();
  }

  /**
   * Early shedding: past maxHandshakesInProgress a new TCP connection is closed at once, before
   * any TLS work, so clients back off immediately instead of timing out in a queue.
   */
  private onTcpConnection(raw: Socket): void {
    if (this.handshakes >= this.d.config.gateway.maxHandshakesInProgress) {
      this.d.metrics.tlsShed.inc();
      raw.destroy();
      return;
    }
    this.handshakes++;
    this.d.metrics.tlsInProgress.set(this.handshakes);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.handshakes--;
      this.d.metrics.tlsInProgress.set(this.handshakes);
    };
    this.pending.set(raw, finish);
    raw.once('close', finish);
  }

  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (this.closing) return reject(socket, ErrorCode.ServiceUnavailable, 'shutting down');
    if (path !== DEVICE_WS_PATH) return reject(socket, ErrorCode.RouteNotFound, 'no WebSocket here');
    const id = identifyClient(req, this.d.config.clientCertForwarding, this.d.ca, path);
    if (!id.ok) {
      this.d.metrics.deviceMessageErrors.inc({ reason: id.reason === 'missing' ? 'no-certificate' : 'bad-certificate' });
      this.d.log?.warn({ reason: id.message, ip: socket.remoteAddress }, 'device connection refused');
      return reject(socket, id.reason === 'missing' ? ErrorCode.ClientCertificateRequired : ErrorCode.ClientCertificateInvalid, id.message);
    }
    let serial: string | null | undefined;
    try {
      serial = await this.d.devices.findCertSerial(id.deviceId);
    } catch (err) {
      this.d.log?.error({ err }, 'device lookup failed');
      return reject(socket, ErrorCode.ServiceUnavailable, 'database unavailable');
    }
    const ip = clientIp(req, id.via);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Accepted at the WebSocket level so the device gets a reason it can act on.
      if (this.closing) return ws.terminate();
      if (serial === undefined) {
        return closeWith(ws, CloseCode.Deleted, DeviceErrorCode.DeviceDeleted, 'this device was deleted on the server');
      }
      if (serial !== id.serial) {
        this.d.metrics.deviceMessageErrors.inc({ reason: 'revoked-certificate' });
        return closeWith(ws, CloseCode.Unauthorized, DeviceErrorCode.Unauthorized, 'certificate revoked or replaced; enroll again');
      }
      this.onConnection(ws, id.deviceId, ip);
    });
  }

  private onConnection(ws: WebSocket, deviceId: number, ip: string): void {
    const { gateway } = this.d.config;
    const conn = new DeviceConnection(deviceId, ip, ws, gateway.messagesPerMinute, this.d.clock.now());
    this.open.add(conn);
    const helloTimer = setTimeout(() => {
      if (!conn.helloReceived)
        conn.close(CloseCode.PolicyViolation, { t: 'bye', code: DeviceErrorCode.HelloRequired, message: 'no hello within 30 s' });
    }, HELLO_TIMEOUT_MS);
    helloTimer.unref();
    ws.on('message', (data, isBinary) => void this.onMessage(conn, data, isBinary));
    ws.on('error', (err: Error & { code?: string }) => {
      this.d.metrics.deviceMessageErrors.inc({ reason: err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too-large' : 'protocol' });
    });
    ws.on('pong', () => {
      conn.pingSentAt = null;
      this.awaitingPong.delete(conn);
    });
    this.addToPingSlot(conn);
    ws.on('close', () => {
      this.open.delete(conn);
      this.awaitingPong.delete(conn);
      for (const slot of this.pingSlots) slot.delete(conn);
      clearTimeout(helloTimer);
      if (this.d.registry.delete(conn)) this.d.presence.offline(deviceId, ip);
    });
  }

  private async onMessage(conn: DeviceConnection, data: RawData, isBinary: boolean): Promise<void> {
    const started = performance.now();
    // Any message proves the device is alive, like a pong.
    if (conn.pingSentAt !== null) {
      conn.pingSentAt = null;
      this.awaitingPong.delete(conn);
    }
    const m = this.d.metrics;
    if (!conn.takeToken(this.d.clock.now())) {
      m.deviceMessageErrors.inc({ reason: 'rate-limited' });
      return this.invalid(conn, DeviceErrorCode.RateLimited, 'too many messages; slow down');
    }
    let msg: unknown;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(data.toString());
    } catch {
      m.deviceMessageErrors.inc({ reason: 'not-json' });
      return this.invalid(conn, DeviceErrorCode.InvalidMessage, 'messages are JSON text frames');
    }
    const t = (msg as { t?: unknown } | null)?.t;
    // Own properties only: "toString" or "__proto__" must not reach a prototype function.
    const validate = typeof t === 'string' && Object.hasOwn(validators, t) ? validators[t as DeviceMessage['t']] : undefined;
    if (!validate) {
      m.deviceMessageErrors.inc({ reason: 'unknown-type' });
      return this.invalid(conn, DeviceErrorCode.InvalidMessage, `unknown message type ${JSON.stringify(t)?.slice(0, 40)}`);
    }
    if (!validate(msg)) {
      m.deviceMessageErrors.inc({ reason: 'schema' });
      const e = validate.errors?.[0];
      return this.invalid(
        conn,
        DeviceErrorCode.InvalidMessage,
        `${String(t)}${e?.instancePath.replace(/\//g, '.') ?? ''} ${e?.message ?? 'is invalid'}`,
      );
    }
    // A NUL would fail a batched PostgreSQL write for every device in the batch.
    const unsafe = findUnsafeString(msg, String(t));
    if (unsafe) {
      m.deviceMessageErrors.inc({ reason: 'unsafe-text' });
      return this.invalid(conn, DeviceErrorCode.InvalidMessage, `${unsafe} contains a NUL character or an unpaired UTF-16 surrogate`);
    }
    const type = t as DeviceMessage['t'];
    if (type !== 'hello' && !conn.helloReceived) {
      m.deviceMessageErrors.inc({ reason: 'no-hello' });
      return this.invalid(conn, DeviceErrorCode.HelloRequired, 'send hello first');
    }
    try {
      await (handlers[type] as (c: HandlerContext, x: DeviceConnection, y: unknown) => Promise<void> | void)(this.ctx, conn, msg);
    } catch (err) {
      this.d.log?.error({ err, deviceId: conn.deviceId, type }, 'device message handler failed');
    }
    m.deviceMessages.inc({ type });
    m.deviceMessageSeconds.observe({ type }, (performance.now() - started) / 1000);
  }

  private invalid(conn: DeviceConnection, code: DeviceErrorCode, message: string): void {
    conn.send({ t: 'error', code, message });
    if (++conn.invalidMessages > MAX_INVALID) {
      conn.close(CloseCode.PolicyViolation, { t: 'bye', code, message: 'too many invalid messages' });
    }
  }
}

/** Refuses an upgrade with the REST API's error body; the status belongs to the code. */
function reject(socket: Socket, code: ErrorCode, message: string): void {
  const status = errorStatus[code];
  const text = STATUS_TEXT[status] ?? 'Error';
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  const retry = status === 503 ? 'Retry-After: 5\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' };

function closeWith(ws: WebSocket, code: number, errorCode: DeviceErrorCode, message: string): void {
  ws.send(JSON.stringify({ t: 'bye', code: errorCode, message }));
  ws.close(code, errorCode);
}

function clientIp(req: IncomingMessage, via: 'tls' | 'forwarded'): string {
  if (via === 'forwarded') {
    const fwd = req.headers['x-real-ip'] ?? req.headers['x-forwarded-for'];
    const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}
