import { Type, type Static } from 'typebox';
import type { SettingValue } from '../settings/catalogue-types.js';
import { ADDRESS_HOST_PATTERN, ADDRESS_PORT_NUMBER_PATTERN, CLUSTER_ADDRESS_MAX_LENGTH } from '../api/cluster-settings.js';

/**
 * Messages on the device channel (WebSocket at /device-connector/device/ws-connect, JSON text
 * frames). Every message is an object with a type tag `t`. Version: PROTOCOL_VERSION, sent by
 * the device in `hello.v`. Both sides ignore nothing silently: an invalid message is answered
 * with an `error` and counted.
 */

export const DEVICE_WS_PATH = '/device-connector/device/ws-connect';
export const EST_BASE_PATH = '/device-connector/device/.well-known/est';
/** RFC 7030's own location of the same EST operations (for standard clients). */
export const EST_STANDARD_BASE_PATH = '/.well-known/est';
/**
 * Header carrying device facts on EST simpleenroll: base64url(JSON of EnrollDeviceInfo).
 * Optional: without it the server takes the unit id and MAC from the CSR's CN (a MAC address).
 */
export const ENROLL_INFO_HEADER = 'x-openums-device';
/**
 * Proof of possession on EST simplereenroll: base64url of an ECDSA-SHA256 signature (DER) by the
 * device's CURRENT key over reenrollProofMessage(current serial, CSR). Required when the
 * current certificate reached the server in a proxy's header rather than in the TLS handshake.
 */
export const REENROLL_PROOF_HEADER = 'x-openums-proof';
/**
 * The only paths on which the server accepts a client certificate forwarded by a
 * TLS-terminating proxy; the shipped proxy configurations set the header on these and clear it
 * everywhere else.
 */
export const FORWARDED_CERT_PATHS: readonly string[] = [
  DEVICE_WS_PATH,
  `${EST_BASE_PATH}/simplereenroll`,
  `${EST_STANDARD_BASE_PATH}/simplereenroll`,
];

/**
 * What the re-enrollment proof signs: "openums-reenroll-v1\n" + serial (upper-case hex, as in
 * the certificate) + "\n" + the CSR's DER bytes. The serial makes a captured proof useless
 * once the certificate it names has been replaced.
 */
export function reenrollProofMessage(serialHex: string, csrDer: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`openums-reenroll-v1\n${serialHex.toUpperCase()}\n`);
  const out = new Uint8Array(head.length + csrDer.length);
  out.set(head, 0);
  out.set(csrDer, head.length);
  return out;
}
/** Largest message either side accepts (bytes). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

const Str = (max: number) => Type.String({ maxLength: max });
const Mac = Type.String({ pattern: '^[0-9A-F]{12}$' });
/** Integers that reach the database: bounded so PostgreSQL's bigint (and JavaScript) holds them exactly. */
const Int = (minimum: number, options: { description?: string } = {}) =>
  Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, ...options });

export const SystemInfo = Type.Object(
  {
    hostname: Str(253),
    macs: Type.Array(Mac, { maxItems: 32 }),
    ips: Type.Array(Str(45), { maxItems: 64 }),
    product: Str(128),
    version: Str(64),
    serial: Type.Optional(Str(128)),
    bootTime: Int(0, { description: 'epoch ms' }),
    uptime: Int(0, { description: 'seconds' }),
    cpu: Type.Object({ model: Str(256), cores: Type.Integer({ minimum: 0, maximum: 4096 }) }, { additionalProperties: false }),
    memory: Type.Object({ totalMb: Int(0), freeMb: Int(0) }, { additionalProperties: false }),
    structureTag: Type.Optional(Str(256)),
  },
  { additionalProperties: false },
);
export type SystemInfo = Static<typeof SystemInfo>;

// ── device → server ───────────────────────────────────────────────────────────
export const HelloMessage = Type.Object(
  {
    t: Type.Literal('hello'),
    v: Int(1),
    unitId: Str(64),
    system: SystemInfo,
    settingsHash: Type.Optional(Str(128)),
    /**
     * What this agent takes beyond the base protocol (DEVICE_CAPABILITIES); an agent without the
     * field (older) gets none of it. Unknown names are ignored.
     */
    capabilities: Type.Optional(Type.Array(Str(32), { maxItems: 32 })),
  },
  { additionalProperties: false },
);
export type HelloMessage = Static<typeof HelloMessage>;

export const HeartbeatMessage = Type.Object(
  { t: Type.Literal('heartbeat'), uptime: Type.Optional(Int(0)) },
  { additionalProperties: false },
);
export type HeartbeatMessage = Static<typeof HeartbeatMessage>;

/** The device received command `id` (before executing it). */
export const AckMessage = Type.Object({ t: Type.Literal('ack'), id: Int(1) }, { additionalProperties: false });
export type AckMessage = Static<typeof AckMessage>;

/** Outcome of command `id`; `system` answers refresh-sysinfo. */
export const ResultMessage = Type.Object(
  {
    t: Type.Literal('result'),
    id: Int(1),
    ok: Type.Boolean(),
    message: Type.Optional(Str(2000)),
    system: Type.Optional(SystemInfo),
  },
  { additionalProperties: false },
);
export type ResultMessage = Static<typeof ResultMessage>;

/** A setting value on the wire: the catalogue's types (bool, integer, string/enum/secret, list). */
export const WireSettingValue = Type.Union([
  Type.Boolean(),
  Type.Integer(),
  Type.String({ maxLength: 4096 }),
  Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 256 }),
]);
export type WireSettingValue = Static<typeof WireSettingValue>;
const SettingKey = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:\\[\\]-]+$' });

/**
 * The device applied (ok) or could not apply (ok=false, message says why) settings revision
 * `revision`; `hash` is settingsHash() of the device's local store afterwards.
 */
export const SettingsAppliedMessage = Type.Object(
  {
    t: Type.Literal('settings-applied'),
    revision: Int(0),
    hash: Str(128),
    ok: Type.Boolean(),
    message: Type.Optional(Str(2000)),
  },
  { additionalProperties: false },
);
export type SettingsAppliedMessage = Static<typeof SettingsAppliedMessage>;

/**
 * Settings changed on the device itself ("receive settings"): the server stores them as the
 * device's own configuration. `null` removes a local value (back to the default). With
 * `complete: true` the map is the device's whole local configuration and replaces the stored one.
 */
export const SettingsReportMessage = Type.Object(
  {
    t: Type.Literal('settings-report'),
    settings: Type.Record(SettingKey, Type.Union([WireSettingValue, Type.Null()]), { maxProperties: 2000 }),
    complete: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SettingsReportMessage = Static<typeof SettingsReportMessage>;

/** Capability names in `hello.capabilities`. */
export const DEVICE_CAPABILITIES = {
  /** Device attributes: the device takes `attributes` and may send `attributes-report`. */
  attributes: 'attributes',
} as const;

/** A device attribute value on the wire: at most 100 characters (DEVICE_ATTRIBUTE_VALUE_MAX). */
const AttributeValue = Type.String({ maxLength: 100 });
const AttributeIdentifier = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_-]{1,64}$' });

/**
 * Device attribute values set on the device (`openums-agent attrs set/reset/sync`): identifier
 * → value, null resets. The server stores those whose overwrite rule lets the device set them
 * (device, all) and answers the others with an `error` naming them.
 */
export const AttributesReportMessage = Type.Object(
  {
    t: Type.Literal('attributes-report'),
    values: Type.Record(AttributeIdentifier, Type.Union([AttributeValue, Type.Null()]), { maxProperties: 500 }),
  },
  { additionalProperties: false },
);
export type AttributesReportMessage = Static<typeof AttributesReportMessage>;

export const DeviceMessage = Type.Union([
  HelloMessage,
  HeartbeatMessage,
  AckMessage,
  ResultMessage,
  SettingsAppliedMessage,
  SettingsReportMessage,
  AttributesReportMessage,
]);
export type DeviceMessage = Static<typeof DeviceMessage>;

// ── server → device ───────────────────────────────────────────────────────────
/**
 * The address a device reaches the server at, as sent to devices: `host:port`, the port always
 * spelled out, no scheme, no path (`ums.example.com:8443`, `10.0.0.5:443`, `[2001:db8::1]:8443`).
 */
export const DEVICE_ADDRESS_PATTERN = `^${ADDRESS_HOST_PATTERN}:${ADDRESS_PORT_NUMBER_PATTERN}$`;
/** Longest device address: the longest host name, a colon and five digits. */
export const DEVICE_ADDRESS_MAX_LENGTH = CLUSTER_ADDRESS_MAX_LENGTH + 6;

/**
 * The device enrollment address setting (`host`, `host:port` or `https://host[:port]/`, see
 * ClusterSettings) in the form devices are told: `host:port`, 443 when the setting names no port.
 */
export function deviceAddressFromSetting(setting: string): string {
  const bare = setting.replace(/^https:\/\//i, '').replace(/\/$/, '');
  return /:[0-9]+$/.test(bare) ? bare : `${bare}:443`;
}

// No `additionalProperties: false` here: a newer server may add fields an older agent ignores.
export const WelcomeMessage = Type.Object({
  t: Type.Literal('welcome'),
  deviceId: Type.Integer(),
  /** Send a heartbeat every heartbeatSeconds, first one after a random 0..heartbeatOffsetSeconds. */
  heartbeatSeconds: Type.Integer({ minimum: 1 }),
  heartbeatOffsetSeconds: Type.Integer({ minimum: 0 }),
  /**
   * The server takes a WebSocket ping from the device as its heartbeat (last contact, answered by
   * a pong): the device sends the ping alone, without a `heartbeat` message. Absent (older
   * servers): a `heartbeat` message, with a ping for the answer deadline.
   */
  heartbeatByPing: Type.Optional(Type.Boolean()),
  serverTime: Type.Integer(),
  /**
   * The device enrollment address (DEVICE_ADDRESS_PATTERN) when the administrator set one: the
   * device reconnects there from its next connection on. Checked by the device itself, not here:
   * a bad address must not cost the device its welcome (it keeps the address it has).
   */
  serverAddress: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type WelcomeMessage = Static<typeof WelcomeMessage>;

export const COMMAND_NAMES = [
  'reboot',
  'shutdown',
  'suspend',
  'wakeup',
  'refresh-sysinfo',
  'send-message',
  'reset-factory-defaults',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];
/** One of COMMAND_NAMES (Unsafe only to carry the static type: a mapped union of literals is typed `never`). */
export const CommandName = Type.Unsafe<CommandName>(Type.Union(COMMAND_NAMES.map((c) => Type.Literal(c))));

export const CommandMessage = Type.Object({
  t: Type.Literal('command'),
  id: Int(1),
  /**
   * Typed as the known names, checked as any string: a device answers a command it does not
   * know with `result` ok=false (a newer server may know more commands) instead of dropping it.
   */
  command: Type.Unsafe<CommandName>(Type.String()),
  text: Type.Optional(Type.String()),
});
export type CommandMessage = Static<typeof CommandMessage>;

/** Codes in `error` messages and WebSocket close reasons. */
export const DeviceErrorCode = {
  InvalidMessage: 'INVALID_MESSAGE',
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  RateLimited: 'RATE_LIMITED',
  HelloRequired: 'HELLO_REQUIRED',
  /** A repeated hello named another unit id than the channel's first hello; it was ignored. */
  UnitIdChanged: 'UNIT_ID_CHANGED',
  UnknownCommand: 'UNKNOWN_COMMAND',
  Unauthorized: 'UNAUTHORIZED',
  DeviceDeleted: 'DEVICE_DELETED',
  Replaced: 'REPLACED',
  ServerBusy: 'SERVER_BUSY',
  ServerShutdown: 'SERVER_SHUTDOWN',
} as const;
export type DeviceErrorCode = (typeof DeviceErrorCode)[keyof typeof DeviceErrorCode];
/** Typed as the known codes, checked as any string: an older device still reads a newer server's codes. */
const ErrorCodeField = Type.Unsafe<DeviceErrorCode>(Type.String());

export const ErrorMessage = Type.Object({
  t: Type.Literal('error'),
  code: ErrorCodeField,
  message: Type.String(),
  ref: Type.Optional(Type.Integer()),
});
export type ErrorMessage = Static<typeof ErrorMessage>;

/** Sent before the server closes the channel on purpose. */
export const ByeMessage = Type.Object({
  t: Type.Literal('bye'),
  code: ErrorCodeField,
  message: Type.String(),
  retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type ByeMessage = Static<typeof ByeMessage>;

/**
 * The device's complete effective configuration (every parameter that differs from the
 * catalogue default or was set by a profile or the device itself; keys of free instances carry
 * their source, e.g. `sessions.rdp[profile:12:1].server`). The device replaces its managed
 * settings with this map, runs the hooks of changed groups and answers `settings-applied`.
 * `hash` = settingsHash(settings) (SHA-256, lower-case hex); a device whose store hashes the
 * same has nothing to do.
 */
export const SettingsMessage = Type.Object({
  t: Type.Literal('settings'),
  revision: Int(0),
  hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  // Typed with read-only lists so a stored configuration is sent as is.
  settings: Type.Record(SettingKey, Type.Unsafe<SettingValue>(WireSettingValue)),
});
export type SettingsMessage = Static<typeof SettingsMessage>;

/**
 * The device enrollment address was set or changed while the device is connected: reconnect there
 * from the next connection on (the current channel stays). Sent to every connected device when
 * an administrator saves the setting; clearing the setting sends nothing (devices keep theirs).
 * Agents that predate this message log it as an unknown message and ignore it.
 */
export const ServerAddressMessage = Type.Object({
  t: Type.Literal('server-address'),
  address: Type.String({ maxLength: DEVICE_ADDRESS_MAX_LENGTH, pattern: DEVICE_ADDRESS_PATTERN }),
});
export type ServerAddressMessage = Static<typeof ServerAddressMessage>;

/**
 * The device attribute definitions and this device's values, complete (the device replaces what
 * it holds). Sent after hello to devices with the `attributes` capability, and when an
 * administrator changed the device's values.
 */
export const AttributesMessage = Type.Object({
  t: Type.Literal('attributes'),
  definitions: Type.Array(
    Type.Object({
      identifier: Type.String({ maxLength: 64 }),
      name: Type.String({ maxLength: 200 }),
      type: Type.String({ maxLength: 16 }),
      range: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 500 })),
      overwrite: Type.String({ maxLength: 16 }),
    }),
    { maxItems: 500 },
  ),
  values: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 100 })),
});
export type AttributesMessage = Static<typeof AttributesMessage>;

export const ServerMessage = Type.Union([
  WelcomeMessage,
  CommandMessage,
  ErrorMessage,
  ByeMessage,
  SettingsMessage,
  ServerAddressMessage,
  AttributesMessage,
]);
export type ServerMessage = Static<typeof ServerMessage>;

/**
 * WebSocket close codes (4000-4999 are application codes). A device must not reconnect after
 * DELETED (it has no identity any more); after BUSY it waits retryAfter (from `bye`) with jitter.
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  PolicyViolation: 1008,
  TooLarge: 1009,
  Busy: 4003,
  Unauthorized: 4001,
  Deleted: 4004,
  Replaced: 4009,
  IdleTimeout: 4008,
} as const;

/** Facts a device sends with EST simpleenroll (header ENROLL_INFO_HEADER). */
export const EnrollDeviceInfo = Type.Object(
  {
    unitId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9:._-]+$' }),
    mac: Mac,
    product: Type.Optional(Str(128)),
    version: Type.Optional(Str(64)),
    hostname: Type.Optional(Str(253)),
    serial: Type.Optional(Str(128)),
  },
  { additionalProperties: false },
);
export type EnrollDeviceInfo = Static<typeof EnrollDeviceInfo>;
