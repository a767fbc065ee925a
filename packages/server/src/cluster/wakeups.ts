import { DeviceErrorCode, type LiveEvent } from '@openums/protocol';
import type { DeviceChannels } from '../channel/device-channel.js';
import type { Clock } from '../lib/clock.js';
import type { EventBus } from '../lib/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { BusMessage, ClusterBus } from './bus.js';

/** What the wake-ups act on in this process. */
export interface WakeupTargets {
  channels: DeviceChannels;
  events: EventBus;
  commands: {
    deliverPending(deviceId: number): Promise<number>;
    flush(): Promise<void>;
  };
  delivery: {
    onPeerMarked(ids: number[] | 'all'): void;
    catchUp(pending: ReadonlyArray<{ id: number; revision: number }>): number;
  };
  sessions: { forget(ids: readonly number[]): void; forgetAccounts?(userIds: readonly number[]): void };
  /** Device attributes: values or definitions changed on another process. */
  attributes?: { onPeerAttributes(deviceIds: readonly number[]): void; onPeerDefinitions(): void };
  /** Object rights: the per-process tree snapshots and group memberships. */
  access?: { forgetTree(tree: 'device' | 'profile' | 'view'): void; forgetPrincipals(): void };
  /** The cluster settings: the device enrollment address cached by this process. */
  clusterSettings?: { reloadDeviceAddress(announce: 'always' | 'if-changed'): Promise<void> };
  /** The shared TLS session-ticket keys (absent without TLS, e.g. in-process tests). */
  ticketKeys?: { reload(): Promise<boolean> };
  /** The installation's shared web certificate (absent without TLS). */
  webCert?: { reload(): Promise<boolean> };
  /** Catch-up queries: what this process's devices have waiting in the database. */
  queries: {
    /** Devices held here with a command queued at or after `since`, unexpired at `now`; at most `limit`. */
    devicesWithQueuedCommands(now: number, since: number, limit: number): Promise<number[]>;
    /** Devices held here whose configuration was marked at or after `since` and is pending, at most `limit`. */
    pendingConfiguration(since: number, limit: number): Promise<Array<{ id: number; revision: number }>>;
  };
}

/** Relays this process's live events to the others (device.changed merged into id lists). */
export function relayEvent(bus: ClusterBus): (e: LiveEvent) => void {
  return (e) => bus.publish(e.type === 'device.changed' ? { t: 'changed', deviceIds: [e.deviceId] } : { t: 'event', event: e });
}

/** Rows a catch-up reads at most; more wait for the next one. */
const CATCH_UP_LIMIT = 5000;
/**
 * How far back of its previous run a catch-up looks for configuration markings and queued
 * commands: both are stamped with their process's clock before their transaction commits, so a
 * slow transaction (a fleet-wide change) or a clock up to the 60 s the Servers page warns about
 * must not hide one.
 */
export const CATCH_UP_OVERLAP_MS = 120_000;

/**
 * The receiving side of the cluster bus: a message from another process is turned into the same
 * local action the sender would have taken had it held the device or the browser. Plus the
 * periodic catch-up, which repairs a lost message: a lost wake-up delays, it never loses.
 */
export class ClusterWakeups {
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private catchingUp: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private keysCheckedAt = 0;
  private settingsCheckedAt = 0;
  /**
   * Commands queued and configuration markings older than these were looked at by an earlier
   * catch-up. A device that connects later is looked at by its hello; so one needs looking at
   * again only if a wake-up for it may have been lost — since shortly before the previous catch-up.
   */
  private commandsSince: number;
  private configSince: number;

  constructor(
    private readonly bus: ClusterBus,
    private readonly t: WakeupTargets,
    private readonly clock: Clock,
    private readonly log: Logger | null,
    private readonly catchUpMs: number,
  ) {
    this.commandsSince = this.configSince = clock.now() - CATCH_UP_OVERLAP_MS;
  }

  start(): void {
    this.unsubscribe = this.bus.subscribe((m) => this.onMessage(m));
    if (this.bus.transport === 'local') return;
    this.timer = setInterval(() => void this.catchUp(), this.catchUpMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    await this.catchingUp;
  }

  private onMessage(m: BusMessage): void {
    const { channels } = this.t;
    switch (m.t) {
      case 'commands':
        for (const id of m.deviceIds) {
          if (channels.get(id)) void this.t.commands.deliverPending(id).catch((err: unknown) => this.failed(err, 'commands'));
        }
        return;
      case 'configuration':
        this.t.delivery.onPeerMarked(m.deviceIds);
        return;
      case 'connected':
        for (const id of m.deviceIds) {
          channels.get(id)?.close(4009, { t: 'bye', code: DeviceErrorCode.Replaced, message: 'this device connected to another server' });
        }
        return;
      case 'catch-up':
        void this.catchUp();
        return;
      case 'changed':
        for (const deviceId of m.deviceIds) this.t.events.publishLocal({ type: 'device.changed', deviceId });
        return;
      case 'event':
        // Also reaches the gateway here, which closes the channel of a deleted device.
        this.t.events.publishLocal(m.event);
        return;
      case 'sessions':
        this.t.sessions.forget(m.ids);
        return;
      case 'admins':
        this.t.sessions.forgetAccounts?.(m.ids);
        this.t.access?.forgetPrincipals();
        return;
      case 'web-cert':
        void this.t.webCert?.reload().catch((err: unknown) => this.failed(err, 'web-cert'));
        return;
      case 'ticket-keys':
        void this.t.ticketKeys?.reload().catch((err: unknown) => this.failed(err, 'ticket-keys'));
        return;
      case 'cluster-settings':
        void this.t.clusterSettings?.reloadDeviceAddress('always').catch((err: unknown) => this.failed(err, 'cluster-settings'));
        return;
      case 'attributes':
        this.t.attributes?.onPeerAttributes(m.deviceIds);
        return;
      case 'attribute-definitions':
        this.t.attributes?.onPeerDefinitions();
        return;
      case 'access':
        this.t.access?.forgetTree(m.objectType.startsWith('device') ? 'device' : m.objectType.startsWith('view') ? 'view' : 'profile');
        return;
    }
  }

  /** Finds what this process's devices have waiting and delivers it. Exposed for tests. */
  catchUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      try {
        await this.t.commands.flush();
        const startedAt = this.clock.now();
        const queued = await this.t.queries.devicesWithQueuedCommands(startedAt, this.commandsSince, CATCH_UP_LIMIT);
        for (const id of queued) {
          if (this.t.channels.get(id)) await this.t.commands.deliverPending(id);
        }
        // Moved on once all is delivered; a full page leaves the rest for the next run, from the same point.
        if (queued.length < CATCH_UP_LIMIT) this.commandsSince = startedAt - CATCH_UP_OVERLAP_MS;
        const pending = await this.t.queries.pendingConfiguration(this.configSince, CATCH_UP_LIMIT);
        this.t.delivery.catchUp(pending);
        if (pending.length < CATCH_UP_LIMIT) this.configSince = startedAt - CATCH_UP_OVERLAP_MS;
        // A missed certificate message: one small read per catch-up finds a newer generation.
        await this.t.webCert?.reload();
        // A missed rotation message: the keys are re-read about once a minute.
        if (this.t.ticketKeys && this.clock.now() - this.keysCheckedAt > 60_000) {
          this.keysCheckedAt = this.clock.now();
          await this.t.ticketKeys.reload();
        }
        // A missed cluster-settings message: the address is re-read about once a minute (devices
        // held here are told only if it changed).
        if (this.t.clusterSettings && this.clock.now() - this.settingsCheckedAt > 60_000) {
          this.settingsCheckedAt = this.clock.now();
          await this.t.clusterSettings.reloadDeviceAddress('if-changed');
        }
      } catch (err) {
        this.failed(err, 'catch-up');
      }
    })().finally(() => (this.catchingUp = null));
    return this.catchingUp;
  }

  /** A failed wake-up (e.g. a dead database connection after a restart) is retried by a catch-up a second later. */
  private failed(err: unknown, what: string): void {
    this.log?.warn({ err: (err as Error).message, what }, 'cluster wake-up failed; a catch-up retries it');
    if (this.bus.transport !== 'local' && !this.retry) {
      this.retry = setTimeout(() => {
        this.retry = null;
        void this.catchUp();
      }, 1000);
      this.retry.unref();
    }
  }
}
