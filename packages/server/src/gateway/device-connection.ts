import type { WebSocket } from 'ws';
import type { CommandName, ServerMessage } from '@openums/protocol';
import type { ChannelConfiguration, DeviceChannel } from '../channel/device-channel.js';
import type { LiveChannel } from './liveness.js';
import type { CommunicationTap } from '../modules/device-comm-log/comm-log-recorder.js';

/** Messages the device answers (ack, settings-applied): sending one starts an answer deadline. */
const EXPECTS_ANSWER: ReadonlySet<ServerMessage['t']> = new Set(['command', 'settings']);

/** One device's live channel: its socket, liveness, message budget and commands in flight. */
export class DeviceConnection implements DeviceChannel, LiveChannel {
  readonly inflight = new Map<number, CommandName>();
  readonly configuration: ChannelConfiguration = { reported: undefined, bootTime: 0, sent: null };
  helloReceived = false;
  unitId = '';
  /** When the last frame (message or pong) arrived; any frame proves the device is alive. */
  lastRx = 0;
  /** When the unanswered ping was sent, or null when the last ping was answered. */
  pingSentAt: number | null = null;
  /** Frames received so far (liveness.ts tells an answer by it). */
  received = 0;
  /** When a message the device answers went out with nothing heard since, or null (liveness.ts). */
  answerDueSince: number | null = null;
  /** `received` when that message went out. */
  receivedAtSend = 0;
  /** The liveness wheel's bucket holding this channel, or -1. */
  wheelSlot = -1;
  invalidMessages = 0;
  /** Called after a message that expects an answer went out (the gateway starts a deadline). */
  onSent: ((conn: DeviceConnection) => void) | null = null;
  /** The device communication log, which records what is sent when this device's log is on. */
  commLog: CommunicationTap | null = null;
  private tokens: number;
  private lastRefill: number;

  constructor(
    readonly deviceId: number,
    readonly ip: string,
    readonly ws: WebSocket,
    private readonly messagesPerMinute: number,
    now: number,
  ) {
    this.tokens = Math.max(10, Math.ceil(messagesPerMinute / 2));
    this.lastRefill = now;
  }

  /** A frame (message, pong or ping) arrived: the device is alive, and it may be an answer. */
  heard(now: number): void {
    this.lastRx = now;
    this.received++;
  }

  /** Token bucket: refills messagesPerMinute per minute, bursts up to half of that. */
  takeToken(now: number): boolean {
    const burst = Math.max(10, Math.ceil(this.messagesPerMinute / 2));
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) * this.messagesPerMinute) / 60_000);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  send(msg: ServerMessage): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    const text = JSON.stringify(msg);
    this.ws.send(text);
    if (EXPECTS_ANSWER.has(msg.t)) this.onSent?.(this);
    if (this.commLog?.on.has(this.deviceId)) this.commLog.record(this.deviceId, 'out', msg.t, Buffer.byteLength(text), msg);
    return true;
  }

  close(code: number, bye: ServerMessage & { t: 'bye' }): void {
    this.send(bye);
    this.ws.close(code, bye.code);
    // A peer that does not complete the close handshake is cut off.
    setTimeout(() => this.ws.terminate(), 5_000).unref();
  }

  /** Sends a ping (the liveness wheel decides when); true when sent. */
  ping(now: number): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    this.pingSentAt = now;
    this.ws.ping();
    return true;
  }
}
