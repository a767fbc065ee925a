import type { PeerChannels } from '../channel/device-channel.js';
import type { ClusterBus } from './bus.js';

/**
 * Above this many devices, a wake-up names no ids: the receivers run their catch-up query instead
 * (one query per process rather than a list of 100,000 ids to every process).
 */
const MAX_IDS = 2000;

/** PeerChannels over the cluster bus. */
export class BusPeers implements PeerChannels {
  constructor(private readonly bus: ClusterBus) {}

  commandsChanged(deviceIds: readonly number[]): void {
    if (!deviceIds.length) return;
    this.bus.publish(deviceIds.length > MAX_IDS ? { t: 'catch-up' } : { t: 'commands', deviceIds: [...deviceIds] });
  }
  configurationMarked(deviceIds: readonly number[] | 'all'): void {
    if (deviceIds !== 'all' && !deviceIds.length) return;
    this.bus.publish({ t: 'configuration', deviceIds: deviceIds === 'all' || deviceIds.length > MAX_IDS ? 'all' : [...deviceIds] });
  }
  connected(deviceIds: readonly number[]): void {
    if (deviceIds.length) this.bus.publish({ t: 'connected', deviceIds: [...deviceIds] });
  }
  serverAddressChanged(): void {
    this.bus.publish({ t: 'cluster-settings' });
  }
  attributesChanged(deviceIds: readonly number[]): void {
    if (deviceIds.length) this.bus.publish({ t: 'attributes', deviceIds: [...deviceIds] });
  }
  attributeDefinitionsChanged(): void {
    this.bus.publish({ t: 'attribute-definitions' });
  }
}
