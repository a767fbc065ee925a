import type { CommandName, ServerMessage } from '@openums/protocol';

/**
 * The one seam through which features reach a device. Feature modules (commands, configuration
 * delivery) depend on these types only; the gateway implements them for the devices connected to
 * this process (`gateway/device-registry.ts`). A cluster transport that reaches devices held by
 * other processes will sit behind the same interface, so keep it small.
 */

/** What the server knows about a live channel's configuration (kept on the channel, in memory). */
export interface ChannelConfiguration {
  /** Hash of the device's store as last reported (hello or settings-applied); undefined = the device does not take settings. */
  reported: string | undefined;
  /** hello.system.bootTime (epoch ms): "next reboot" changes made before it are due. */
  bootTime: number;
  /** The revision sent and not yet answered. */
  sent: { revision: number; hash: string } | null;
  /** The newest revision a delivery pass has looked at for this channel (sent, applied or waiting for a reboot). */
  evaluated?: number;
}

/** What the rest of the server may do with a live device channel. */
export interface DeviceChannel {
  readonly deviceId: number;
  /** Command ids sent on this channel and not yet finished, so replies can be checked cheaply. */
  readonly inflight: Map<number, CommandName>;
  /** Configuration delivery state of this channel. */
  readonly configuration: ChannelConfiguration;
  /** False when the channel is no longer open (the message was not sent). */
  send(msg: ServerMessage): boolean;
  close(code: number, msg: ServerMessage & { t: 'bye' }): void;
}

/** The live device channels, by device id. */
export interface DeviceChannels {
  /** The device's live channel, or undefined when it is not connected. */
  get(deviceId: number): DeviceChannel | undefined;
  /** Registers a channel; returns the one it replaces, if any. */
  set(channel: DeviceChannel): DeviceChannel | undefined;
  /** Removes the channel only if it is still the registered one; true when removed. */
  delete(channel: DeviceChannel): boolean;
  /** Every live channel. */
  all(): IterableIterator<DeviceChannel>;
}

/**
 * Devices held by the other server processes of the cluster. Features tell them what changed,
 * after their transaction committed, by id; the process holding the device reads the state from
 * the database. One process alone: every call does nothing (cluster/peers.ts implements it).
 */
export interface PeerChannels {
  /** Open commands of these devices changed (created, cancelled). */
  commandsChanged(deviceIds: readonly number[]): void;
  /** These devices (or every device) were marked for a new configuration revision. */
  configurationMarked(deviceIds: readonly number[] | 'all'): void;
  /** These devices said hello here: channels of theirs held elsewhere are stale. */
  connected(deviceIds: readonly number[]): void;
  /** The device enrollment address was saved: tell the devices held elsewhere (they re-read it). */
  serverAddressChanged(): void;
  /** An administrator changed these devices' attribute values: the process holding one sends it its attributes. */
  attributesChanged(deviceIds: readonly number[]): void;
  /** An attribute definition changed: every process re-reads them and tells its devices. */
  attributeDefinitionsChanged(): void;
}

/** No other processes. */
export const noPeers: PeerChannels = {
  commandsChanged: () => undefined,
  configurationMarked: () => undefined,
  connected: () => undefined,
  serverAddressChanged: () => undefined,
  attributesChanged: () => undefined,
  attributeDefinitionsChanged: () => undefined,
};
