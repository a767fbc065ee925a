import type { AttributesMessage, CommandMessage, SettingsMessage, SettingValue } from '@openums/protocol';
import type { CommandStore } from '../handlers/command-store.js';
import type { CommandOutcome } from '../handlers/types.js';
import type { Logger } from '../lib/log.js';
import type { Semaphore } from '../lib/semaphore.js';
import type { Platform } from '../platform/platform.js';
import type { Backoff } from './backoff.js';
import type { Credentials } from './dial.js';
import type { TimerWheel } from './timer-wheel.js';
import type { SessionStore } from './tls-session.js';

/** What a DeviceClient is given and what it reports (device-client.ts; C is the client). */
export type ClientState = 'idle' | 'waiting' | 'connecting' | 'online' | 'stopped';

export type Terminal = { reason: 'stopped' } | { reason: 'deleted'; message: string } | { reason: 'factory-reset' };

/** Shared by all virtual devices of a simulator process: one object, the client is passed in. */
export interface ClientEventsOf<C> {
  stateChanged?(client: C, from: ClientState, to: ClientState): void;
  /** connectMs: attempt start (including the wait for the handshake gate) to welcome; handshakeMs: socket opened to welcome. */
  online?(client: C, info: { connectMs: number; handshakeMs: number; resumed: boolean; url: string }): void;
  connectFailed?(client: C, reason: string): void;
  commandExecuted?(client: C, cmd: CommandMessage, outcome: CommandOutcome): void;
  invalidMessage?(client: C, reason: string): void;
  /** A valid `settings` message (shape and values checked; the hash not yet verified). */
  settingsReceived?(client: C, msg: SettingsMessage): void;
  /** The server named the address to reconnect to (welcome or server-address; not yet checked). */
  serverAddressReceived?(client: C, address: string): void;
  /** A valid `attributes` message (definitions and this device's values). */
  attributesReceived?(client: C, msg: AttributesMessage): void;
  terminated?(client: C, terminal: Terminal): void;
}

export interface DeviceClientOptionsOf<C> {
  /** wss://host:port/device-connector/device/ws-connect, or a function asked before each attempt. */
  url: string | (() => string);
  unitId: string;
  credentials: () => Credentials;
  platform: Platform;
  store: () => CommandStore;
  sessions: SessionStore;
  wheel: TimerWheel;
  log: Logger;
  /** Limits handshakes in flight (held from connect until welcome or failure). */
  gate?: Semaphore;
  localAddress?: string;
  backoff?: Backoff;
  random?: () => number;
  handshakeTimeoutMs?: number;
  welcomeTimeoutMs?: number;
  /** How long after a heartbeat (sent with a WebSocket ping) the server may stay silent (30 s). */
  answerTimeoutMs?: number;
  /** TCP keepalive idle time on the channel's socket (45 s; 0 = off). */
  keepAliveMs?: number;
  /** Hash of the device's settings store, asked for at each hello (undefined: not sent). */
  settingsHash?: (client: C) => string | undefined;
  /** hello.capabilities (DEVICE_CAPABILITIES); none when absent. */
  capabilities?: readonly string[];
  /** The device's current value of a setting (what handlers such as the power lock consult). */
  setting?: (key: string) => SettingValue | undefined;
  events?: ClientEventsOf<C>;
}
