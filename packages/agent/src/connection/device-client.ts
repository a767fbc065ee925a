import WebSocket from 'ws';
import {
  CloseCode,
  DeviceErrorCode,
  PROTOCOL_VERSION,
  type ByeMessage,
  type DeviceMessage,
  type HelloMessage,
  type WelcomeMessage,
} from '@openums/protocol';
import { CommandRunner } from '../handlers/command-runner.js';
import { errorMessage } from '../lib/log.js';
import { AnswerDeadline, DEFAULT_ANSWER_TIMEOUT_MS, DEFAULT_KEEPALIVE_MS } from './answer-deadline.js';
import { Backoff, retryAfterDelay } from './backoff.js';
import { dial, type Attempt, type Credentials, type Dialled } from './dial.js';
import { handleServerMessage, type ServerMessageContext } from './message-handlers.js';
import { parseServerMessage } from './server-messages.js';
import type { WheelTimer } from './timer-wheel.js';
import { TlsContextCache } from './tls-context.js';
import type { ClientEventsOf, ClientState, DeviceClientOptionsOf, Terminal } from './client-options.js';

export type { ClientState, Terminal } from './client-options.js';
export type ClientEvents = ClientEventsOf<DeviceClient>;
export type DeviceClientOptions = DeviceClientOptionsOf<DeviceClient>;
export type { Credentials } from './dial.js';

const STOP_GRACE_MS = 3000;

/**
 * One device's management channel: connect (mutual TLS, resumed session when possible), hello,
 * heartbeats on the shared wheel, commands, and reconnects with full-jitter backoff. The same
 * code runs the real agent and every virtual device of the simulator.
 */
export class DeviceClient {
  state: ClientState = 'idle';
  deviceId: number | null = null;
  /** Counts connections; an answer meant for one connection is not sent on the next. */
  connectionId = 0;
  /** The URL of the current (or last) connection attempt. */
  url = '';
  readonly done: Promise<Terminal>;

  private resolveDone!: (t: Terminal) => void;
  private ws: WebSocket | null = null;
  private timer: WheelTimer | null = null;
  private heartbeat: WheelTimer | null = null;
  /** answer-deadline.ts: a heartbeat's ping must be answered. */
  private readonly deadline: AnswerDeadline;
  private holdingGate = false;
  /** Gives up the TCP connect under way (stop() before the channel exists). */
  private dialAbort: AbortController | null = null;
  /** Whether the current attempt's TLS handshake resumed the stored session. */
  private resumedAttempt: () => boolean = () => false;
  private stopping = false;
  private factoryResetPending = false;
  private onlineAt: number | null = null;
  private bye: ByeMessage | null = null;
  private lastError: string | null = null;
  private readonly backoff: Backoff;
  private readonly runner: CommandRunner;
  private readonly tlsContexts = new TlsContextCache();

  constructor(private readonly opts: DeviceClientOptions) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.backoff = opts.backoff ?? new Backoff({ random: opts.random });
    this.deadline = new AnswerDeadline(opts.wheel, opts.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS);
    this.runner = new CommandRunner({
      platform: opts.platform,
      log: opts.log,
      store: opts.store,
      send: (msg) => this.send(msg),
      onExecuted: (cmd, outcome) => opts.events?.commandExecuted?.(this, cmd, outcome),
      onFactoryReset: () => this.factoryReset(),
      setting: opts.setting,
    });
  }

  get unitId(): string {
    return this.opts.unitId;
  }

  start(delayMs = 0): void {
    if (this.state !== 'idle') return;
    if (delayMs > 0) this.wait(delayMs);
    else void this.connect();
  }

  /** Close the channel (1001) and stop reconnecting. */
  stop(): Promise<Terminal> {
    if (this.state === 'stopped') return this.done;
    this.stopping = true;
    if (this.ws) {
      const ws = this.ws;
      this.cancelTimer();
      this.timer = this.opts.wheel.schedule(STOP_GRACE_MS, () => ws.terminate());
      ws.close(CloseCode.GoingAway, 'agent stopping');
    } else if (this.state !== 'connecting') {
      this.finish({ reason: 'stopped' });
    } else {
      // Waiting for the gate or for TCP: connect() sees `stopping` and finishes.
      this.dialAbort?.abort();
    }
    return this.done;
  }

  private setState(to: ClientState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.opts.events?.stateChanged?.(this, from, to);
  }

  private wait(delayMs: number): void {
    this.setState('waiting');
    this.cancelTimer();
    this.timer = this.opts.wheel.schedule(delayMs, () => {
      this.timer = null;
      void this.connect();
    });
  }

  private async connect(): Promise<void> {
    const { opts } = this;
    if (this.stopping) return this.finish({ reason: 'stopped' });
    this.setState('connecting');
    this.connectionId++;
    const started = performance.now();
    this.bye = null;
    this.lastError = null;
    this.onlineAt = null;

    if (opts.gate) {
      await opts.gate.acquire();
      this.holdingGate = true;
      if (this.stopping) {
        this.releaseGate();
        return this.finish({ reason: 'stopped' });
      }
    }

    let hello: HelloMessage;
    let creds: Credentials;
    try {
      creds = opts.credentials();
      hello = { t: 'hello', v: PROTOCOL_VERSION, unitId: opts.unitId, system: await opts.platform.systemInfo() };
      const settingsHash = opts.settingsHash?.(this);
      if (settingsHash) hello.settingsHash = settingsHash;
      if (opts.capabilities?.length) hello.capabilities = [...opts.capabilities];
    } catch (err) {
      this.releaseGate();
      return this.retry(`cannot prepare hello: ${errorMessage(err)}`, 0);
    }
    if (this.stopping) {
      this.releaseGate();
      return this.finish({ reason: 'stopped' });
    }

    const dialed = performance.now();
    let dialled: Dialled;
    const abort = new AbortController();
    this.dialAbort = abort;
    try {
      this.url = typeof opts.url === 'function' ? opts.url() : opts.url;
      dialled = await dial({
        url: this.url,
        credentials: creds,
        sessions: opts.sessions,
        localAddress: opts.localAddress,
        handshakeTimeoutMs: opts.handshakeTimeoutMs,
        keepAliveMs: opts.keepAliveMs ?? DEFAULT_KEEPALIVE_MS,
        secureContext: this.tlsContexts.get(creds),
        signal: abort.signal,
      });
    } catch (err) {
      this.dialAbort = null;
      this.releaseGate();
      if (this.stopping) return this.finish({ reason: 'stopped' });
      const why = `cannot connect: ${errorMessage(err)}`;
      this.opts.events?.connectFailed?.(this, why);
      return this.retry(why);
    }
    this.dialAbort = null;
    if (this.stopping) {
      dialled.ws.terminate();
      this.releaseGate();
      return this.finish({ reason: 'stopped' });
    }
    const { ws } = dialled;
    this.ws = ws;
    this.resumedAttempt = dialled.resumed;
    const ctx = this.messageContext({ started, dialed, resumed: dialled.resumed, keepSession: dialled.keepSession });

    ws.on('open', () => {
      // send() never rejects; a hello that cannot be written shows as a closed channel.
      void this.send(hello);
      this.cancelTimer();
      this.timer = opts.wheel.schedule(opts.welcomeTimeoutMs ?? 30_000, () => {
        this.timer = null;
        this.lastError = 'no welcome from the server';
        ws.terminate();
      });
    });
    ws.on('pong', () => this.deadline.answered());
    ws.on('message', (data, isBinary) => {
      this.deadline.answered();
      if (isBinary) return this.invalid('binary frame');
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) return this.invalid(parsed.error);
      handleServerMessage(ctx, parsed.message);
    });
    ws.on('error', (err) => {
      this.lastError = errorMessage(err);
    });
    ws.on('close', (code, reason) => this.closed(ws, code, reason.toString()));
  }

  /** What the message handlers of one connection may do with this client. */
  private messageContext(attempt: Attempt): ServerMessageContext {
    const { events } = this.opts;
    return {
      log: this.opts.log,
      settingsReceived: events?.settingsReceived ? (msg) => events.settingsReceived!(this, msg) : undefined,
      serverAddressReceived: events?.serverAddressReceived ? (address) => events.serverAddressReceived!(this, address) : undefined,
      attributesReceived: events?.attributesReceived ? (msg) => events.attributesReceived!(this, msg) : undefined,
      runner: this.runner,
      goOnline: (msg) => this.goOnline(msg, attempt),
      rememberBye: (msg) => {
        this.bye = msg;
      },
    };
  }

  private goOnline(msg: WelcomeMessage, attempt: Attempt): void {
    const { opts } = this;
    if (this.onlineAt !== null) return;
    this.onlineAt = Date.now();
    this.deviceId = msg.deviceId;
    this.cancelTimer();
    this.releaseGate();
    this.setState('online');
    const resumed = attempt.resumed();
    attempt.keepSession();
    opts.events?.online?.(this, {
      connectMs: performance.now() - attempt.started,
      handshakeMs: performance.now() - attempt.dialed,
      resumed,
      url: this.url,
    });
    opts.log.debug(`online as device ${msg.deviceId} (${resumed ? 'resumed' : 'full'} TLS handshake)`);
    const period = msg.heartbeatSeconds * 1000;
    const first = Math.floor((opts.random ?? Math.random)() * msg.heartbeatOffsetSeconds * 1000);
    this.scheduleHeartbeat(first, period, msg.heartbeatByPing === true);
  }

  /** A heartbeat: a ping alone if the welcome said `heartbeatByPing`, else a message + ping; answered in time. */
  private scheduleHeartbeat(delayMs: number, periodMs: number, byPing: boolean): void {
    this.heartbeat = this.opts.wheel.schedule(delayMs, () => {
      this.heartbeat = null;
      const ws = this.ws;
      if (this.state !== 'online' || !ws) return;
      if (!byPing) void this.send({ t: 'heartbeat', uptime: this.opts.platform.uptime() });
      this.deadline.expect(ws, byPing, () => {
        if (this.ws !== ws) return;
        this.lastError = 'no answer from the server';
        ws.terminate();
      });
      this.scheduleHeartbeat(periodMs, periodMs, byPing);
    });
  }

  private closed(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = null;
    this.releaseGate();
    this.cancelTimer();
    this.deadline.answered();
    this.heartbeat?.cancel();
    this.heartbeat = null;
    const upMs = this.onlineAt !== null ? Date.now() - this.onlineAt : 0;
    const wasOnline = this.onlineAt !== null;
    this.onlineAt = null;
    const why = this.lastError ?? `closed with ${code}${reason ? ` ${reason}` : ''}`;

    if (this.factoryResetPending) return this.finish({ reason: 'factory-reset' });
    if (code === CloseCode.Deleted || this.bye?.code === DeviceErrorCode.DeviceDeleted) {
      return this.finish({ reason: 'deleted', message: this.bye?.message ?? (reason || 'device deleted on the server') });
    }
    if (this.stopping) return this.finish({ reason: 'stopped' });
    if (!wasOnline) {
      this.opts.events?.connectFailed?.(this, why);
      // A resumed session brings back what the server decided about our certificate when it was
      // issued: one from a server that could not verify it would be refused on every attempt.
      // After a failed resumed attempt the next one is a full handshake.
      if (this.resumedAttempt()) this.opts.sessions.clear();
    }

    this.backoff.connectionEnded(upMs);
    const retryAfter = this.bye?.retryAfterSeconds;
    if (retryAfter !== undefined) {
      return this.retry(why, retryAfterDelay(retryAfter, this.opts.random), true);
    }
    this.retry(why, undefined, wasOnline);
  }

  /** Schedule the next attempt: given delay, or the next full-jitter backoff. */
  private retry(why: string, delayMs?: number, wasOnline = false): void {
    if (this.stopping) return this.finish({ reason: 'stopped' });
    if (delayMs === undefined || (delayMs === 0 && !wasOnline)) delayMs = this.backoff.next();
    const log = wasOnline ? this.opts.log.info : this.opts.log.debug;
    log(`channel down (${why}); reconnecting in ${(delayMs / 1000).toFixed(1)} s`);
    this.wait(delayMs);
  }

  private factoryReset(): void {
    this.factoryResetPending = true;
    if (this.ws) this.ws.close(CloseCode.Normal, 'factory reset');
    else this.finish({ reason: 'factory-reset' });
  }

  /** Resolves true once written to an open channel; false when there is none or the write failed. */
  send(msg: DeviceMessage): Promise<boolean> {
    return this.sendOn(this.connectionId, msg);
  }

  /** As send, but only on connection `connectionId` (an answer to a message that arrived on it). */
  sendOn(connectionId: number, msg: DeviceMessage): Promise<boolean> {
    if (connectionId !== this.connectionId) return Promise.resolve(false);
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
    return new Promise((resolve) => ws.send(JSON.stringify(msg), (err) => resolve(!err)));
  }

  private invalid(reason: string): void {
    this.opts.log.warn(`invalid message from the server: ${reason}`);
    this.opts.events?.invalidMessage?.(this, reason);
  }

  private releaseGate(): void {
    if (this.holdingGate) {
      this.holdingGate = false;
      this.opts.gate?.release();
    }
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private finish(t: Terminal): void {
    if (this.state === 'stopped') return;
    this.cancelTimer();
    this.deadline.answered();
    this.heartbeat?.cancel();
    this.heartbeat = null;
    this.releaseGate();
    this.setState('stopped');
    this.opts.events?.terminated?.(this, t);
    this.resolveDone(t);
  }
}
