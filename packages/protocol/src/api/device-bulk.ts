import { Type, type Static } from 'typebox';
import { CommandName, COMMAND_NAMES } from '../agent/messages.js';
import { ApplyMode } from './profiles.js';
import { Id, Nullable } from './common.js';
import { DeviceMatch } from './devices.js';

/** Most devices one bulk request acts on (a hand-picked list or a resolved query). */
export const BULK_MAX_DEVICES = 10_000;

/** The query of a device list ("select all N matching"): the filters of GET /api/v1/devices. */
export const DeviceListSelection = Type.Object(
  {
    folderId: Type.Optional(Type.Union([Type.Literal('root'), Id])),
    recursive: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    match: Type.Optional(DeviceMatch),
  },
  { additionalProperties: false },
);
export type DeviceListSelection = Static<typeof DeviceListSelection>;

/** Exactly one of `deviceIds` (hand-picked) and `query` (every device the list query matches, at most BULK_MAX_DEVICES). */
const selection = {
  deviceIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: BULK_MAX_DEVICES, uniqueItems: true })),
  query: Type.Optional(DeviceListSelection),
};

export const BulkMoveRequest = Type.Object({ ...selection, folderId: Nullable(Id) }, { additionalProperties: false });
export type BulkMoveRequest = Static<typeof BulkMoveRequest>;

export const BulkDeleteRequest = Type.Object({ ...selection }, { additionalProperties: false });
export type BulkDeleteRequest = Static<typeof BulkDeleteRequest>;

export const BulkCommandRequest = Type.Object(
  {
    ...selection,
    command: CommandName,
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 30 * 24 * 3600 })),
  },
  { additionalProperties: false },
);
export type BulkCommandRequest = Static<typeof BulkCommandRequest>;

export const BulkAssignProfilesRequest = Type.Object(
  {
    ...selection,
    profileIds: Type.Array(Id, { minItems: 1, maxItems: 50, uniqueItems: true }),
    apply: Type.Optional(ApplyMode),
  },
  { additionalProperties: false },
);
export type BulkAssignProfilesRequest = Static<typeof BulkAssignProfilesRequest>;

const Refusal = Type.Object({ deviceId: Type.Integer(), code: Type.String(), message: Type.String() });

/**
 * Per device: `done` were changed, `refused` are visible but lack the right (nothing done to
 * them), `missing` do not exist or are not visible to you.
 */
export const BulkResult = Type.Object({
  done: Type.Array(Type.Integer()),
  refused: Type.Array(Refusal),
  missing: Type.Array(Type.Integer()),
});
export type BulkResult = Static<typeof BulkResult>;

export const BulkCommandResult = Type.Object({
  ...BulkResult.properties,
  /** The command created per device of `done` (GET /api/v1/commands/:id follows it). */
  commands: Type.Array(Type.Object({ id: Type.Integer(), deviceId: Type.Integer(), state: Type.String() })),
});
export type BulkCommandResult = Static<typeof BulkCommandResult>;

// ── Preferences of the signed-in administrator ───────────────────────────────
export const PREFERENCE_VALUE_MAX_BYTES = 8192;
export const PreferenceKeyParams = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9.-]{0,63}$' }) },
  { additionalProperties: false },
);
export type PreferenceKeyParams = Static<typeof PreferenceKeyParams>;
/** A small JSON value (object, array, string, number, boolean or null) of at most PREFERENCE_VALUE_MAX_BYTES as JSON. */
export const PutPreferenceRequest = Type.Object({ value: Type.Unknown() }, { additionalProperties: false });
export type PutPreferenceRequest = Static<typeof PutPreferenceRequest>;
export const Preference = Type.Object({
  key: Type.String(),
  /** null when never set. */
  value: Type.Unknown(),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type Preference = Static<typeof Preference>;

/** The device list's column choice (preference key `devices.columns`): column ids in order. */
export const DEVICE_COLUMNS_PREFERENCE = 'devices.columns';

/**
 * The commands a device can run, from what it reported: wake-up (wake-on-LAN to its MAC) only
 * while it is offline; a record that no agent ever enrolled for (no unit id, never in contact)
 * runs nothing else; refresh-sysinfo only while online (a device sends its system information
 * with every hello anyway); the others are queued for offline devices until they connect or the
 * command expires.
 */
export function commandsOffered(device: { online: boolean; unitId: string | null; lastContact: string | null }): CommandName[] {
  const enrolled = device.unitId !== null || device.lastContact !== null;
  return COMMAND_NAMES.filter((c) => {
    if (c === 'wakeup') return !device.online;
    if (!enrolled) return false;
    if (c === 'refresh-sysinfo') return device.online;
    return true;
  });
}
