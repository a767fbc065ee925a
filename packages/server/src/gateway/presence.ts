import type { LiveEvent, SystemInfo } from '@openums/protocol';
import type { PresencePatch, PresenceRepository } from '../modules/devices/presence.repository.js';
import { BatchWriter } from '../lib/batch-writer.js';
import type { Clock } from '../lib/clock.js';
import type { EventBus } from '../lib/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';

/** The reported structure tag; an agent that sends none (older ones, or none set) has none. */
const structureTagOf = (system: SystemInfo): string | null => system.structureTag?.trim() || null;

/**
 * Online state, last contact, last IP/boot and reported system information. Kept in memory
 * and flushed in batches; browsers hear about online/offline changes at once through events.
 */
export class PresenceService {
  private readonly writer: BatchWriter<number, PresencePatch>;
  /** Events waiting for their device's row to be written (latest per device). */
  private readonly pendingEvents = new Map<number, LiveEvent[]>();

  /**
   * Takes reported network names when "adjust name when the network name changes" is on (it then
   * stores them itself and answers true); set by the naming module.
   */
  networkNames: { networkNameReported(deviceId: number, hostname: string): boolean } | null = null;

  constructor(
    private readonly repo: PresenceRepository,
    private readonly serverId: string,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    log: Logger | null,
    flushMs: number,
  ) {
    this.writer = new BatchWriter(
      'presence',
      (batch) => this.write(batch),
      flushMs,
      log,
      1000,
      (batch) => {
        for (const [id] of batch) {
          for (const e of this.pendingEvents.get(id) ?? []) this.events.publish(e);
          this.pendingEvents.delete(id);
        }
      },
    );
  }

  start(): void {
    this.writer.start();
  }
  stop(): Promise<void> {
    return this.writer.stop();
  }
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Devices this process left marked online when it last stopped (crash) are offline now. */
  resetOnStart(): Promise<number> {
    return this.repo.resetOnlineDevices(this.serverId);
  }

  online(deviceId: number, ip: string, unitId: string, system: SystemInfo): void {
    const now = this.clock.now();
    this.writer.update(deviceId, {
      online: 1,
      connected_server: this.serverId,
      last_contact: now,
      last_ip: ip,
      last_boot: system.bootTime || null,
      unit_id: unitId,
      product: system.product,
      version: system.version,
      ...this.networkName(deviceId, system.hostname),
      ...(system.serial ? { serial_number: system.serial, serial_lc: system.serial.toLowerCase() } : {}),
      structure_tag: structureTagOf(system),
      sysinfo: JSON.stringify(system),
      sysinfo_at: now,
    });
    this.metrics.devicesConnected.inc();
    this.later(deviceId, { type: 'device.presence', deviceId, online: true, lastContact: new Date(now).toISOString(), lastIp: ip });
    this.later(deviceId, { type: 'device.changed', deviceId });
  }

  touch(deviceId: number): void {
    this.writer.update(deviceId, { last_contact: this.clock.now() });
  }

  systemInfo(deviceId: number, system: SystemInfo): void {
    this.writer.update(deviceId, {
      sysinfo: JSON.stringify(system),
      sysinfo_at: this.clock.now(),
      product: system.product,
      version: system.version,
      last_boot: system.bootTime || null,
      ...this.networkName(deviceId, system.hostname),
      structure_tag: structureTagOf(system),
    });
    this.later(deviceId, { type: 'device.changed', deviceId });
  }

  offline(deviceId: number, ip: string): void {
    const now = this.clock.now();
    this.writer.update(deviceId, { online: 0, connected_server: null, last_contact: now });
    this.metrics.devicesConnected.dec();
    this.later(deviceId, { type: 'device.presence', deviceId, online: false, lastContact: new Date(now).toISOString(), lastIp: ip });
  }

  /** The network_name column of the batch, unless the naming module took the report. */
  private networkName(deviceId: number, hostname: string): { network_name?: string } {
    return this.networkNames?.networkNameReported(deviceId, hostname) ? {} : { network_name: hostname };
  }

  /** Publishes `event` after the device's pending row changes are committed. */
  private later(deviceId: number, event: LiveEvent): void {
    const list = this.pendingEvents.get(deviceId) ?? [];
    // Only the newest presence and one "changed" per device matter to a reader.
    const kept = list.filter((e) => e.type !== event.type);
    kept.push(event);
    this.pendingEvents.set(deviceId, kept);
  }

  /**
   * Heartbeat-only changes (the bulk) become one statement per batch: last contact is stored
   * with the precision of the flush interval. Other changes are written row by row.
   */
  private async write(batch: Array<[number, PresencePatch]>): Promise<void> {
    const touched: number[] = [];
    let latest = 0;
    const rest: Array<[number, PresencePatch]> = [];
    for (const entry of batch) {
      const patch = entry[1];
      if (patch.last_contact !== undefined && Object.keys(patch).length === 1) {
        touched.push(entry[0]);
        latest = Math.max(latest, patch.last_contact);
      } else rest.push(entry);
    }
    await this.repo.updatePresence(touched, latest, rest, this.serverId);
  }
}
