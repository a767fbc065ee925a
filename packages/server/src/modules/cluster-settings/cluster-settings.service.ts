import type { ClusterSettings } from '@openums/protocol';
import type { SettingsRepository } from '../../db/settings.repository.js';

/** One key, so both addresses change together. */
const KEY = 'cluster_addresses';

const NOT_SET: ClusterSettings = { clusterAddress: null, enrollmentAddress: null };

/** The cluster address and the device enrollment address, shared by every server of the installation. */
export class ClusterSettingsService {
  constructor(private readonly settings: SettingsRepository) {}

  async getClusterSettings(): Promise<ClusterSettings> {
    const raw = await this.settings.findSetting(KEY);
    if (!raw) return NOT_SET;
    const stored = JSON.parse(raw) as Partial<Record<keyof ClusterSettings, unknown>>;
    return { clusterAddress: addressOrNull(stored.clusterAddress), enrollmentAddress: addressOrNull(stored.enrollmentAddress) };
  }

  /** Replaces both addresses (the route has validated them). */
  async updateClusterSettings(input: ClusterSettings): Promise<ClusterSettings> {
    const next: ClusterSettings = { clusterAddress: input.clusterAddress, enrollmentAddress: input.enrollmentAddress };
    await this.settings.putSetting(KEY, JSON.stringify(next));
    return next;
  }
}

const addressOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
