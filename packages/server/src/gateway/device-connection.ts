import type { WebSocket } from 'ws';
import { CloseCode, type CommandName, type ServerMessage } from '@openums/protocol';
import type { DeviceChannel } from './device-registry.js';

/** One device's live channel: its socket, liveness, message budget and commands in flight. */
export class DeviceConnection implements DeviceChannel {
  readonly inflight = new Map<number, CommandName>();
  helloReceived = false;
  unitId = '';
  alive = true;
  invalidMessages = 0;
  private tokens: number;
  private lastRefill: number;
  private pingTimer: NodeJS.Timeout | null = null;

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
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  close(code: number, bye: ServerMessage & { t: 'bye' }): void {
    this.send(bye);
    this.ws.close(code, bye.code);
    // A peer that does not complete the close handshake is cut off.
    setTimeout(() => this.ws.terminate(), 5_000).unref();
  }

  /** Server pings; a device that missed a whole interval's pong is cut off. */
  startPings(intervalMs: number, onDead: () => void): void {
    this.ws.on('pong', () => (this.alive = true));
    this.pingTimer = setInterval(() => {
      if (!this.alive) {
        onDead();
        this.ws.terminate();
        return;
      }
      this.alive = false;
      this.ws.ping();
    }, intervalMs);
    this.pingTimer.unref();
  }

  stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}

export const IDLE_CLOSE = CloseCode.IdleTimeout;
