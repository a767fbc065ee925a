import type { ClusterSettings } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';

/** One key, so both addresses change together. */
const KEY = 'cluster_addresses';

const NOT_SET: ClusterSettings = { clusterAddress: null, enrollmentAddress: null };

/** The cluster address and the device enrollment address, shared by every server of the installation. */
export class ClusterSettingsService {
  constructor(
    private readonly settings: SettingsRepository,
    /** The installation's web certificate, which names the cluster address. */
    private readonly webCertificate: { clusterAddressChanged(): Promise<void> } | null = null,
  ) {}

  async getClusterSettings(db?: Db): Promise<ClusterSettings> {
    const raw = await this.settings.findSetting(KEY, db);
    if (!raw) return NOT_SET;
    const stored = JSON.parse(raw) as Partial<Record<keyof ClusterSettings, unknown>>;
    return { clusterAddress: addressOrNull(stored.clusterAddress), enrollmentAddress: addressOrNull(stored.enrollmentAddress) };
  }

  /** Replaces both addresses (the route has validated them). */
  async updateClusterSettings(input: ClusterSettings): Promise<ClusterSettings> {
    const next: ClusterSettings = { clusterAddress: input.clusterAddress, enrollmentAddress: input.enrollmentAddress };
    await this.settings.putSetting(KEY, JSON.stringify(next));
    // A new cluster address needs a certificate naming it (issued once, adopted by every server).
    // A failure here is repaired by the periodic check (every minute); the setting is saved either way.
    await this.webCertificate?.clusterAddressChanged().catch(() => undefined);
    return next;
  }
}

const addressOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
