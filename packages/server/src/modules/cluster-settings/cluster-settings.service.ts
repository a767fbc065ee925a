import { deviceAddressFromSetting, type ClusterSettings } from '@openums/protocol';
import type { DeviceChannels, PeerChannels } from '../../channel/device-channel.js';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';

/** One key, so both addresses change together. */
const KEY = 'cluster_addresses';

const NOT_SET: ClusterSettings = { clusterAddress: null, enrollmentAddress: null };

/**
 * The cluster address and the device enrollment address, shared by every server of the
 * installation. The enrollment address also reaches the devices: in every `welcome` and, when an
 * administrator saves it, in a `server-address` message to every connected device — on this
 * process directly, on the others through the cluster bus (they re-read the database). Each
 * process keeps the device address in memory, so a hello costs no database read.
 */
export class ClusterSettingsService {
  /** `host:port` sent to devices; null while the enrollment address is not set. */
  private cachedDeviceAddress: string | null = null;

  constructor(
    private readonly settings: SettingsRepository,
    private readonly channels: DeviceChannels,
    private readonly peers: PeerChannels,
    private readonly log: Logger | null,
    /** A saved change is recorded in the same transaction. */
    private readonly audit: Pick<AuditLog, 'record'>,
    /** The installation's web certificate, which names the cluster address. */
    private readonly webCertificate: { clusterAddressChanged(): Promise<void> } | null = null,
  ) {}

  async getClusterSettings(db?: Db): Promise<ClusterSettings> {
    const raw = await this.settings.findSetting(KEY, db);
    if (!raw) return NOT_SET;
    const stored = JSON.parse(raw) as Partial<Record<keyof ClusterSettings, unknown>>;
    return { clusterAddress: addressOrNull(stored.clusterAddress), enrollmentAddress: addressOrNull(stored.enrollmentAddress) };
  }

  /** Replaces both addresses (the route has validated them) and tells the connected devices. */
  async updateClusterSettings(by: AuditContext, input: ClusterSettings): Promise<ClusterSettings> {
    const next: ClusterSettings = { clusterAddress: input.clusterAddress, enrollmentAddress: input.enrollmentAddress };
    await this.settings.changeSettingLocked(KEY, async (_current, trx) => {
      const before = await this.getClusterSettings(trx);
      await this.audit.record(trx, { by, action: 'settings.update', object: { type: 'settings', name: 'cluster' }, before, after: next });
      return { value: JSON.stringify(next), result: undefined };
    });
    // A new cluster address needs a certificate naming it (issued once, adopted by every server).
    // A failure here is repaired by the periodic check; the setting is saved either way.
    await this.webCertificate?.clusterAddressChanged().catch((err: unknown) => {
      this.log?.warn({ err: (err as Error).message }, 'web certificate not yet re-issued for the new cluster address');
    });
    this.cachedDeviceAddress = toDeviceAddress(next.enrollmentAddress);
    this.announce();
    // After the write: the other processes read the new value from the database.
    this.peers.serverAddressChanged();
    return next;
  }

  /** The address devices are told in `welcome` (cached; null when not set). */
  deviceAddress(): string | null {
    return this.cachedDeviceAddress;
  }

  /**
   * Re-reads the setting (at start, on the bus message of another process, in the periodic
   * catch-up). With `announce: 'always'` (an administrator saved it elsewhere) the connected
   * devices are told even when the value is the same; otherwise only when it changed.
   */
  async reloadDeviceAddress(announce: 'always' | 'if-changed' | 'never'): Promise<void> {
    const before = this.cachedDeviceAddress;
    this.cachedDeviceAddress = toDeviceAddress((await this.getClusterSettings()).enrollmentAddress);
    if (announce === 'always' || (announce === 'if-changed' && before !== this.cachedDeviceAddress)) this.announce();
  }

  /** Sends the address to every device connected to this process. Unset: nothing (devices keep theirs). */
  private announce(): void {
    const address = this.cachedDeviceAddress;
    if (address === null) return;
    let sent = 0;
    for (const channel of this.channels.all()) if (channel.send({ t: 'server-address', address })) sent++;
    this.log?.info({ address, devices: sent }, 'device enrollment address sent to the connected devices');
  }
}

const addressOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const toDeviceAddress = (setting: string | null): string | null => (setting === null ? null : deviceAddressFromSetting(setting));
