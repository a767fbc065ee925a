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
import { AppError } from '../lib/errors.js';
import { BatchLoader } from '../lib/batch-loader.js';
import { identifyClient } from './client-cert.js';
import { DeviceConnection } from './device-connection.js';
import type { DeviceRegistry } from './device-registry.js';
import { LivenessWheel, TICK_MS } from './liveness.js';
import type { PeerChannels } from '../channel/device-channel.js';
import { handlers, validators, type HandlerContext } from './message-handlers.js';
import type { ConfigurationDeliveryService } from '../modules/configuration-delivery/configuration-delivery.service.js';
import type { DeviceConfigurationService } from '../modules/device-configuration/device-configuration.service.js';
import type { DeviceAttributesService } from '../modules/device-attributes/device-attributes.service.js';
import type { PresenceService } from './presence.js';
import type { CommunicationTap } from '../modules/device-comm-log/comm-log-recorder.js';
import { lookupPaceMs } from '../lib/lookup-pace.js';

const HELLO_TIMEOUT_MS = 30_000;
const MAX_INVALID = 20;

export interface GatewayDeps {
  config: Config;
  ca: DeviceCa;
  devices: DevicesRepository;
  registry: DeviceRegistry;
  peers: PeerChannels;
  presence: PresenceService;
  commands: CommandsService;
  delivery: ConfigurationDeliveryService;
  deviceConfiguration: DeviceConfigurationService;
  attributes: DeviceAttributesService;
  folderRules?: HandlerContext['folderRules'];
  /** The device communication log: sees every valid message in and every message out. */
  commLog?: CommunicationTap;
  /** The device enrollment address for `welcome` (null: not set). */
  serverAddress: () => string | null;
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
  /**
   * Liveness (docs/devices.md#liveness): any frame from a device is life; only a channel silent
   * for pingIntervalSeconds is pinged, and cut off when nothing arrives within pongTimeoutSeconds.
   * One timer for all channels, so pings go out bunched. With heartbeats every minute this is
   * one ping per device per minute instead of one every ping interval.
   */
  private readonly liveness: LivenessWheel<DeviceConnection>;
  private livenessTicker: NodeJS.Timeout | null = null;
  /** One function for every channel (not a closure per connection: 100,000 of them). */
  private readonly expectAnswer = (conn: DeviceConnection) => this.liveness.expectAnswer(conn, Date.now());
  private unsubscribe: (() => void) | null = null;
  /** The current certificate serial of each connecting device: one query per event-loop turn, not per handshake. */
  private readonly certSerials: BatchLoader<number, string | null>;

  constructor(private readonly d: GatewayDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: d.config.gateway.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
      // A device's ping is its heartbeat (onPing): answered only within the message rate limit.
      autoPong: false,
    });
    // Paced (lib/lookup-pace.ts): a few queries a second per host in a reconnect storm, at once when quiet.
    this.certSerials = new BatchLoader((ids) => d.devices.findCertSerials(ids), 500, lookupPaceMs());
    this.ctx = {
      registry: d.registry,
      peers: d.peers,
      presence: d.presence,
      commands: d.commands,
      delivery: d.delivery,
      deviceConfiguration: d.deviceConfiguration,
      attributes: d.attributes,
      ...(d.folderRules ? { folderRules: d.folderRules } : {}),
      serverAddress: d.serverAddress,
      clock: d.clock,
      config: d.config.gateway,
      log: d.log,
    };
    const { pingIntervalSeconds, pongTimeoutSeconds } = d.config.gateway;
    this.liveness = new LivenessWheel(pingIntervalSeconds * 1000, pongTimeoutSeconds * 1000, Date.now());
  }

  attach(server: TlsServer): void {
    server.on('connection', (raw: Socket) => this.onTcpConnection(raw));
    server.on('secureConnection', (tls: TLSSocket) => {
      this.pending.get((tls as unknown as { _parent: Socket })._parent)?.();
      this.d.metrics.tlsHandshakes.inc({ kind: tls.isSessionReused() ? 'resumed' : 'full' });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      // A device reconnecting while the server is still starting (port open, database and device
      // CA not loaded yet) is told to come back, instead of an unhandled rejection ending the process.
      this.onUpgrade(req, socket, head).catch((err: unknown) => {
        const starting = err instanceof AppError && err.code === ErrorCode.ServiceUnavailable;
        if (!starting) this.d.log?.error({ err }, 'device upgrade failed');
        if (!socket.destroyed) reject(socket, ErrorCode.ServiceUnavailable, starting ? 'the server is starting' : 'try again later');
      });
    });
    this.livenessTicker = setInterval(() => {
      const dead = this.liveness.run(Date.now());
      if (dead.length === 0) return;
      // Timers run before the poll phase: give answers already in socket buffers one more read.
      setImmediate(() => {
        for (const conn of dead) {
          if (conn.pingSentAt === null || conn.lastRx >= conn.pingSentAt) continue;
          this.d.metrics.deviceMessageErrors.inc({ reason: 'ping-timeout' });
          conn.ws.terminate();
        }
      });
    }, TICK_MS);
    this.livenessTicker.unref();
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
    if (this.livenessTicker) clearInterval(this.livenessTicker);
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
      serial = await this.certSerials.load(id.deviceId);
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
      // The kernel notices a vanished host (no FIN) on its own: libuv probes every 1 s, 10 times,
      // after this idle time, all without waking us.
      const { keepAliveSeconds } = this.d.config.gateway;
      if (keepAliveSeconds > 0) socket.setKeepAlive(true, keepAliveSeconds * 1000);
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
      conn.heard(Date.now());
    });
    ws.on('ping', (data) => this.onPing(conn, data));
    this.liveness.add(conn, Date.now());
    conn.onSent = this.expectAnswer;
    conn.commLog = this.d.commLog ?? null;
    ws.on('close', () => {
      this.open.delete(conn);
      this.liveness.remove(conn);
      clearTimeout(helloTimer);
      if (this.d.registry.delete(conn)) this.d.presence.offline(deviceId, ip);
    });
  }

  private async onMessage(conn: DeviceConnection, data: RawData, isBinary: boolean): Promise<void> {
    const started = performance.now();
    // Any message proves the device is alive, like a pong.
    conn.heard(Date.now());
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
    if (this.d.commLog?.on.has(conn.deviceId)) this.d.commLog.record(conn.deviceId, 'in', type, (data as Buffer).length, msg);
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

  /**
   * A WebSocket ping from a device is its heartbeat (the welcome says `heartbeatByPing`): life,
   * last contact, and a pong the device waits for — one frame each way instead of a heartbeat
   * message plus a ping and its pong: 40 % less server work per heartbeat (measured)
   * (docs/devices.md#heartbeats). Pings count against the message rate limit like messages.
   */
  private onPing(conn: DeviceConnection, data: Buffer): void {
    conn.heard(Date.now());
    const m = this.d.metrics;
    if (!conn.takeToken(this.d.clock.now())) {
      m.deviceMessageErrors.inc({ reason: 'rate-limited' });
      return this.invalid(conn, DeviceErrorCode.RateLimited, 'too many messages; slow down');
    }
    conn.ws.pong(data);
    if (!conn.helloReceived) return; // alive, but not a device's heartbeat before its hello
    if (this.d.commLog?.on.has(conn.deviceId)) this.d.commLog.record(conn.deviceId, 'in', 'ping', data.length, { t: 'ping' });
    this.d.presence.touch(conn.deviceId);
    m.deviceMessages.inc({ type: 'ping' });
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
