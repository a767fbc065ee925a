import type { CommandName, ServerMessage } from '@openums/protocol';
import type { ChannelSettings } from '../modules/settings-delivery/settings-delivery.service.js';

/** What the rest of the server may do with a live device channel. */
export interface DeviceChannel {
  readonly deviceId: number;
  /** Command ids sent on this channel and not yet finished, so replies can be checked cheaply. */
  readonly inflight: Map<number, CommandName>;
  /** Settings delivery state of this channel. */
  readonly settings: ChannelSettings;
  send(msg: ServerMessage): boolean;
  close(code: number, msg: ServerMessage & { t: 'bye' }): void;
}

/** The live channels of this server process, by device id. */
export class DeviceRegistry {
  private readonly channels = new Map<number, DeviceChannel>();

  get(deviceId: number): DeviceChannel | undefined {
    return this.channels.get(deviceId);
  }
  /** Registers a channel; returns the one it replaces, if any. */
  set(channel: DeviceChannel): DeviceChannel | undefined {
    const old = this.channels.get(channel.deviceId);
    this.channels.set(channel.deviceId, channel);
    return old === channel ? undefined : old;
  }
  /** Removes the channel only if it is still the registered one. */
  delete(channel: DeviceChannel): boolean {
    if (this.channels.get(channel.deviceId) !== channel) return false;
    this.channels.delete(channel.deviceId);
    return true;
  }
  get size(): number {
    return this.channels.size;
  }
  all(): IterableIterator<DeviceChannel> {
    return this.channels.values();
  }
}
