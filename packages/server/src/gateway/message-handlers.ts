import { Ajv, type ValidateFunction } from 'ajv';
import {
  AckMessage,
  AttributesReportMessage,
  DeviceErrorCode,
  HeartbeatMessage,
  HelloMessage,
  PROTOCOL_VERSION,
  ResultMessage,
  SettingsAppliedMessage,
  SettingsReportMessage,
  type DeviceMessage,
  type SystemInfo,
} from '@openums/protocol';
import type { Config } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { CommandsService } from '../modules/commands/commands.service.js';
import type { ConfigurationDeliveryService } from '../modules/configuration-delivery/configuration-delivery.service.js';
import type { DeviceConfigurationService } from '../modules/device-configuration/device-configuration.service.js';
import type { DeviceAttributesService } from '../modules/device-attributes/device-attributes.service.js';
import type { DeviceConnection } from './device-connection.js';
import type { DeviceRegistry } from './device-registry.js';
import type { PeerChannels } from '../channel/device-channel.js';
import type { PresenceService } from './presence.js';

const ajv = new Ajv({ allErrors: false, strict: false });
/** One compiled validator per message type, chosen by the `t` tag. */
export const validators: Record<DeviceMessage['t'], ValidateFunction> = {
  hello: ajv.compile(HelloMessage),
  heartbeat: ajv.compile(HeartbeatMessage),
  ack: ajv.compile(AckMessage),
  result: ajv.compile(ResultMessage),
  'settings-applied': ajv.compile(SettingsAppliedMessage),
  'settings-report': ajv.compile(SettingsReportMessage),
  'attributes-report': ajv.compile(AttributesReportMessage),
};

export interface HandlerContext {
  registry: DeviceRegistry;
  /** The other server processes: told when a device connects here. */
  peers: PeerChannels;
  presence: PresenceService;
  commands: CommandsService;
  delivery: ConfigurationDeliveryService;
  deviceConfiguration: DeviceConfigurationService;
  attributes: DeviceAttributesService;
  /** Default folder rules: a new channel's hello may complete a registration or be a boot (batched, never awaited). */
  folderRules?: { onHello(deviceId: number, ip: string, system: SystemInfo): void };
  /** The device enrollment address (`host:port`) devices are told in `welcome`; null when not set. */
  serverAddress: () => string | null;
  clock: Clock;
  config: Config['gateway'];
  log: Logger | null;
}

type Handler<M> = (ctx: HandlerContext, conn: DeviceConnection, msg: M) => Promise<void> | void;

/** hello: the device is online; it gets its heartbeat schedule and anything queued for it. */
const onHello: Handler<HelloMessage> = async (ctx, conn, msg) => {
  if (msg.v > PROTOCOL_VERSION) {
    conn.send({
      t: 'error',
      code: DeviceErrorCode.InvalidMessage,
      message: `protocol version ${msg.v} is newer than the server's ${PROTOCOL_VERSION}`,
    });
  }
  const first = !conn.helloReceived;
  // A channel's identity is fixed by its first hello: presence, registry and delivery state
  // are keyed on it. A later hello may refresh the system information, never rename the unit.
  if (!first && msg.unitId !== conn.unitId) {
    ctx.log?.warn(
      { deviceId: conn.deviceId, unitId: conn.unitId, claimed: msg.unitId.slice(0, 64) },
      'repeated hello with another unit id refused',
    );
    conn.send({
      t: 'error',
      code: DeviceErrorCode.UnitIdChanged,
      message: `this channel belongs to unit ${conn.unitId}; reconnect to change the unit id`,
    });
    return;
  }
  conn.helloReceived = true;
  conn.unitId = msg.unitId;
  // A device that sends no settings hash does not take settings (older agents, plain test peers).
  conn.configuration.reported = msg.settingsHash;
  conn.configuration.bootTime = msg.system.bootTime;
  if (first) {
    const replaced = ctx.registry.set(conn);
    if (replaced)
      replaced.close(4009, { t: 'bye', code: DeviceErrorCode.Replaced, message: 'a newer connection of this device took over' });
    ctx.presence.online(conn.deviceId, conn.ip, msg.unitId, msg.system);
    // A channel of this device on another process is stale (the device came back through here).
    ctx.peers.connected([conn.deviceId]);
    ctx.folderRules?.onHello(conn.deviceId, conn.ip, msg.system);
  } else {
    ctx.presence.systemInfo(conn.deviceId, msg.system);
  }
  const serverAddress = ctx.serverAddress();
  conn.send({
    t: 'welcome',
    deviceId: conn.deviceId,
    heartbeatSeconds: ctx.config.heartbeatSeconds,
    heartbeatOffsetSeconds: ctx.config.heartbeatOffsetSeconds,
    heartbeatByPing: true,
    serverTime: ctx.clock.now(),
    ...(serverAddress !== null ? { serverAddress } : {}),
  });
  ctx.delivery.onHello(conn);
  try {
    await ctx.attributes.onHello(conn, msg.capabilities);
  } catch (err) {
    ctx.log?.error({ err, deviceId: conn.deviceId }, 'device attributes not sent');
  }
  if (first) await ctx.commands.deliverPending(conn.deviceId, true);
};

const onHeartbeat: Handler<HeartbeatMessage> = (ctx, conn) => {
  ctx.presence.touch(conn.deviceId);
};

const onAck: Handler<AckMessage> = (ctx, conn, msg) => {
  ctx.presence.touch(conn.deviceId);
  if (!ctx.commands.acknowledge(conn.deviceId, conn.inflight, msg.id)) {
    conn.send({ t: 'error', code: DeviceErrorCode.UnknownCommand, message: `command ${msg.id} was not sent to this device`, ref: msg.id });
  }
};

const onResult: Handler<ResultMessage> = async (ctx, conn, msg) => {
  ctx.presence.touch(conn.deviceId);
  if (msg.system) ctx.presence.systemInfo(conn.deviceId, msg.system);
  const done = await ctx.commands.finish(conn.deviceId, conn.inflight, msg.id, msg.ok, msg.message ?? null);
  if (!done)
    conn.send({ t: 'error', code: DeviceErrorCode.UnknownCommand, message: `command ${msg.id} was not sent to this device`, ref: msg.id });
};

const onSettingsApplied: Handler<SettingsAppliedMessage> = (ctx, conn, msg) => {
  ctx.presence.touch(conn.deviceId);
  if (!ctx.delivery.onApplied(conn, msg)) {
    conn.send({
      t: 'error',
      code: DeviceErrorCode.InvalidMessage,
      message: `settings revision ${msg.revision} was not sent to this device`,
    });
  }
};

const onSettingsReport: Handler<SettingsReportMessage> = async (ctx, conn, msg) => {
  ctx.presence.touch(conn.deviceId);
  const problem = await ctx.deviceConfiguration.recordDeviceReport(conn.deviceId, msg);
  if (problem)
    conn.send({ t: 'error', code: DeviceErrorCode.InvalidMessage, message: `settings report rejected, nothing stored: ${problem}` });
};

/** attributes-report: values set on the device, stored (batched) where the overwrite rule allows. */
const onAttributesReport: Handler<AttributesReportMessage> = async (ctx, conn, msg) => {
  ctx.presence.touch(conn.deviceId);
  const problems = await ctx.attributes.recordDeviceReport(conn.deviceId, msg.values);
  if (problems.length)
    conn.send({
      t: 'error',
      code: DeviceErrorCode.InvalidMessage,
      message: `attribute values not stored: ${problems.slice(0, 20).join('; ')}`,
    });
};

export const handlers: { [T in DeviceMessage['t']]: Handler<Extract<DeviceMessage, { t: T }>> } = {
  hello: onHello,
  heartbeat: onHeartbeat,
  ack: onAck,
  result: onResult,
  'settings-applied': onSettingsApplied,
  'settings-report': onSettingsReport,
  'attributes-report': onAttributesReport,
};
