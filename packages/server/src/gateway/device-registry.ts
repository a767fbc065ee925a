import type { DeviceChannel, DeviceChannels } from '../channel/device-channel.js';

/** The live channels of this server process, by device id (in memory). */
export class DeviceRegistry implements DeviceChannels {
  private readonly channels = new Map<number, DeviceChannel>();

  get(deviceId: number): DeviceChannel | undefined {
    return this.channels.get(deviceId);
  }
  set(channel: DeviceChannel): DeviceChannel | undefined {
    const old = this.channels.get(channel.deviceId);
    this.channels.set(channel.deviceId, channel);
    return old === channel ? undefined : old;
  }
  delete(channel: DeviceChannel): boolean {
    if (this.channels.get(channel.deviceId) !== channel) return false;
    this.channels.delete(channel.deviceId);
    return true;
  }
  size(): number {
    return this.channels.size;
  }
  all(): IterableIterator<DeviceChannel> {
    return this.channels.values();
  }
}
