import { MAX_MESSAGE_BYTES, type SettingsAppliedMessage } from '@openums/protocol';
import { BatchWriter } from '../../lib/batch-writer.js';
import type { Clock } from '../../lib/clock.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { Logger } from '../../lib/logger.js';
import { lookupPaceMs } from '../../lib/lookup-pace.js';
import { noPeers, type DeviceChannel, type DeviceChannels, type PeerChannels } from '../../channel/device-channel.js';
import { EffectiveConfigEngine, type EngineTree } from '../profiles/effective-config-engine.js';
import { settingsHash } from '../profiles/settings-hash.js';
import type { ConfigurationSnapshotRepository } from './configuration-snapshot.repository.js';
import type { DeliveryStatePatch, DeliveryStateRepository, DeliveryStateRow } from './delivery-state.repository.js';
import type { DeliveryQueue, MarkedDevices } from './configuration-changes.js';

/** Devices computed per pass; bounds memory and the time one pass holds the event loop. */
const PASS = 2000;
const RETRY_MS = 1000;
/** A pass collects the hellos and changes of this long. */
const PASS_DELAY_MS = 20;

/**
 * Configuration revisions and their delivery to devices (the `settings` message on the wire). A
 * change that may affect devices (profile edited, assigned or removed, device moved, own
 * configuration changed …) marks every affected device in its own transaction
 * (ConfigurationChanges): config_revision + 1, state PENDING, apply mode and time. After the
 * commit, devices connected to this process are queued (deliverMarked); a pass computes their
 * effective configuration in bulk and sends it only where the device's store hash differs ("unchanged devices receive nothing"). Devices that are offline, or
 * whose change waits for the next reboot, get it when they connect (hello carries the store hash
 * and the boot time). The device's answer moves the row to APPLIED, written in batches. Pending
 * state lives in the database, so a restart loses nothing.
 */
export class ConfigurationDeliveryService implements DeliveryQueue {
  private readonly queue = new Set<number>();
  private readonly writer: BatchWriter<number, DeliveryStatePatch>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastPassAt = -Infinity;
  /**
   * A pass of fewer than PASS devices also waits until this long after the previous one began
   * (lib/lookup-pace.ts): in a reconnect storm the hellos are read a few times a second in
   * batches, not one read per hello or two (measured: 0.4 reads per reconnecting device). A
   * quiet server delivers after PASS_DELAY_MS.
   */
  private readonly passPaceMs = lookupPaceMs();
  private engine: { tree: EngineTree; engine: EffectiveConfigEngine } | null = null;

  constructor(
    private readonly state: DeliveryStateRepository,
    private readonly snapshot: ConfigurationSnapshotRepository,
    private readonly channels: DeviceChannels,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger | null,
    flushMs = 250,
    /** Devices held by other server processes are woken through these. */
    private readonly peers: PeerChannels = noPeers,
  ) {
    this.writer = new BatchWriter(
      'configuration-state',
      (batch) => this.state.updateDeliveryStates(batch, this.clock.now()),
      flushMs,
      log,
      1000,
      (batch) => {
        for (const [deviceId] of batch) this.events.publish({ type: 'device.changed', deviceId });
      },
    );
  }

  start(): void {
    this.writer.start();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.writer.stop();
  }

  // ── marking (committed by ConfigurationChanges) ─────────────────────────────
  /** Devices just marked PENDING in the database: the web app hears of them, connected ones are computed. */
  deliverMarked(marked: MarkedDevices): void {
    const ids = marked === 'all' ? [...this.channels.all()].map((ch) => ch.deviceId) : marked;
    const elsewhere: number[] = [];
    for (const id of ids) {
      this.events.publish({ type: 'device.changed', deviceId: id });
      if (this.channels.get(id)) this.enqueue(id);
      else elsewhere.push(id);
    }
    this.peers.configurationMarked(marked === 'all' ? 'all' : elsewhere);
  }

  /** Another process marked these devices (its events reached the browsers already): compute those held here. */
  onPeerMarked(marked: MarkedDevices): void {
    const ids = marked === 'all' ? [...this.channels.all()].map((ch) => ch.deviceId) : marked;
    for (const id of ids) if (this.channels.get(id)) this.enqueue(id);
  }

  /**
   * Catch-up for a lost wake-up: devices held here that are pending a revision no pass has looked
   * at yet. Devices waiting for a reboot were looked at and are not computed again.
   */
  catchUp(pending: ReadonlyArray<{ id: number; revision: number }>): number {
    let n = 0;
    for (const { id, revision } of pending) {
      const ch = this.channels.get(id);
      if (!ch || ch.configuration.reported === undefined) continue;
      if ((ch.configuration.evaluated ?? -1) >= revision || (ch.configuration.sent?.revision ?? -1) >= revision) continue;
      this.enqueue(id);
      n++;
    }
    return n;
  }

  // ── device channel ───────────────────────────────────────────────────────────
  /** hello: compare the device's store with its configuration (queued, computed in bulk). */
  onHello(ch: DeviceChannel): void {
    if (ch.configuration.reported !== undefined) this.enqueue(ch.deviceId);
  }

  /** settings-applied; false when the revision was never sent on this channel. */
  onApplied(ch: DeviceChannel, msg: SettingsAppliedMessage): boolean {
    ch.configuration.reported = msg.hash;
    const sent = ch.configuration.sent;
    if (!sent || msg.revision > sent.revision) return false;
    if (msg.revision < sent.revision) return true; // an older answer overtaken by a newer revision
    ch.configuration.sent = null;
    const matches = msg.hash === sent.hash;
    const error = msg.ok
      ? matches
        ? null
        : 'the device reported a different settings hash than the one sent'
      : (msg.message ?? 'the device could not apply the settings');
    this.writer.update(
      ch.deviceId,
      matches ? { revision: msg.revision, state: 'APPLIED', hash: msg.hash, error } : { revision: msg.revision, error },
    );
    return true;
  }

  // ── delivery passes ──────────────────────────────────────────────────────────
  private enqueue(id: number): void {
    this.queue.add(id);
    if (this.timer) return;
    const delay = this.queue.size >= PASS ? 0 : Math.max(PASS_DELAY_MS, this.lastPassAt + this.passPaceMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pass();
    }, delay);
  }

  private pass(): Promise<void> {
    if (this.running) return this.running;
    this.lastPassAt = performance.now();
    const ids: number[] = [];
    for (const id of this.queue) {
      ids.push(id);
      this.queue.delete(id);
      if (ids.length >= PASS) break;
    }
    this.running = this.runPass(ids)
      .catch((err: unknown) => {
        // Database trouble: the devices stay due and are tried again shortly.
        this.log?.error({ err, devices: ids.length }, 'configuration delivery pass failed; retrying');
        for (const id of ids) this.queue.add(id);
        return new Promise<void>((r) => setTimeout(r, RETRY_MS).unref());
      })
      .finally(() => {
        this.running = null;
        if (this.queue.size) this.enqueue(this.queue.values().next().value!);
      });
    return this.running;
  }

  private async engineFor(): Promise<EffectiveConfigEngine> {
    const tree = await this.snapshot.findTree();
    if (this.engine?.tree !== tree) this.engine = { tree, engine: new EffectiveConfigEngine(tree) };
    return this.engine.engine;
  }

  private async runPass(ids: readonly number[]): Promise<void> {
    const rows = await this.state.listDeliveryStates(ids);
    const due = new Map<number, DeliveryStateRow>();
    for (const r of rows) {
      const ch = this.channels.get(Number(r.id));
      if (!ch || ch.configuration.reported === undefined) continue;
      // Confirmed before and the store still hashes the same: nothing to compute.
      if (r.config_state === 'APPLIED' && r.config_applied_hash === ch.configuration.reported) continue;
      due.set(Number(r.id), r);
    }
    if (!due.size) return;
    const engine = await this.engineFor();
    for (const input of await this.snapshot.listEngineDevices([...due.keys()])) {
      const row = due.get(input.id)!;
      const ch = this.channels.get(input.id);
      if (!ch) continue;
      const settings = engine.compute(input);
      const hash = settingsHash(settings);
      const revision = Number(row.config_revision);
      ch.configuration.evaluated = revision;
      if (ch.configuration.reported === hash) {
        ch.configuration.sent = null;
        this.writer.update(input.id, { revision, state: 'APPLIED', hash, error: null });
      } else if (
        row.config_state === 'PENDING' &&
        row.config_apply === 'next-reboot' &&
        !(ch.configuration.bootTime > Number(row.config_changed_at ?? 0))
      ) {
        // Waits for the device's next boot.
      } else if (JSON.stringify(settings).length > MAX_MESSAGE_BYTES - 512) {
        // Devices accept messages up to MAX_MESSAGE_BYTES: sending more would only get the channel closed.
        this.writer.update(input.id, {
          revision,
          state: 'PENDING',
          error: `the effective configuration is larger than ${MAX_MESSAGE_BYTES} bytes and cannot be sent`,
        });
      } else {
        ch.configuration.sent = { revision, hash };
        ch.send({ t: 'settings', revision, hash, settings });
        // Sent to a device that had nothing pending (first contact, store changed on the device): pending until it answers.
        if (row.config_state !== 'PENDING') this.writer.update(input.id, { revision, state: 'PENDING' });
      }
    }
  }
}
