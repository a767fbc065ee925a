import { Type, type Static } from 'typebox';
import { Cursor, Nullable, PageLimit } from './common.js';

/**
 * The device communication log (docs/logging.md#device-communication-log): switched on per
 * device, it records the messages of the device's channel in both directions — type, size and,
 * when asked for, the payload with secrets masked — newest first, bounded per device and by the
 * retention setting.
 */

/** Longest payload kept per entry (characters of its masked JSON); longer ones are cut. */
export const COMM_LOG_PAYLOAD_MAX = 8 * 1024;
/** Entries kept per device; older ones are deleted as new ones are written. */
export const COMM_LOG_MAX_ENTRIES = 10_000;
/** Days entries are kept unless the setting says otherwise. */
export const COMM_LOG_DEFAULT_RETENTION_DAYS = 7;

/** `PUT /api/v1/devices/:id/comm-log`: the switch, and whether payloads are kept. */
export const CommLogSwitch = Type.Object(
  {
    enabled: Type.Boolean(),
    /** Keep each message's content (masked, cut at COMM_LOG_PAYLOAD_MAX); false: type and size only. */
    payload: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type CommLogSwitch = Static<typeof CommLogSwitch>;

export const CommLogSwitchState = Type.Object({
  enabled: Type.Boolean(),
  payload: Type.Boolean(),
  /** When the log was switched on; null while it is off. */
  since: Nullable(Type.String({ format: 'date-time' })),
});
export type CommLogSwitchState = Static<typeof CommLogSwitchState>;

export const COMM_LOG_DIRECTIONS = ['in', 'out'] as const;
export type CommLogDirection = (typeof COMM_LOG_DIRECTIONS)[number];

export const CommLogEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  /** in: from the device; out: from the server. */
  direction: Type.Unsafe<CommLogDirection>(Type.Union(COMM_LOG_DIRECTIONS.map((d) => Type.Literal(d)))),
  /** The message type (`hello`, `heartbeat`, `command`, …). */
  type: Type.String(),
  /** Bytes of the message on the wire. */
  size: Type.Integer(),
  /** The message as JSON text, secrets replaced by "***"; absent when payloads were not kept. */
  payload: Type.Optional(Type.String()),
  /** The payload was cut at COMM_LOG_PAYLOAD_MAX characters. */
  truncated: Type.Optional(Type.Boolean()),
});
export type CommLogEntry = Static<typeof CommLogEntry>;

/** `GET /api/v1/devices/:id/comm-log`: the switch and a page of entries, newest first. */
export const CommLogPage = Type.Object({
  enabled: Type.Boolean(),
  payload: Type.Boolean(),
  since: Nullable(Type.String({ format: 'date-time' })),
  items: Type.Array(CommLogEntry),
  nextCursor: Nullable(Type.String()),
});
export type CommLogPage = Static<typeof CommLogPage>;

export const ListCommLogQuery = Type.Object(
  { limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListCommLogQuery = Static<typeof ListCommLogQuery>;

export const CommLogCleared = Type.Object({ deleted: Type.Integer() });
export type CommLogCleared = Static<typeof CommLogCleared>;

/** `GET`/`PUT /api/v1/settings/device-comm-log`. */
export const CommLogSettings = Type.Object(
  {
    /** Entries older than this many days are deleted (in batches, by one server of the cluster). */
    retentionDays: Type.Integer({ minimum: 1, maximum: 365 }),
  },
  { additionalProperties: false },
);
export type CommLogSettings = Static<typeof CommLogSettings>;
