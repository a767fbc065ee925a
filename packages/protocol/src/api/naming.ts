import { Type, type Static } from 'typebox';
import { Cursor, Nullable } from './common.js';

/** The network (host) name a device can carry: NetBIOS-compatible, at most 15 characters. */
export const NETWORK_NAME_MAX = 15;
export const NETWORK_NAME_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$';

/** True when `name` can become a device's network name unchanged. */
export function isValidNetworkName(name: string): boolean {
  return name.length <= NETWORK_NAME_MAX && new RegExp(NETWORK_NAME_PATTERN).test(name);
}

/** `mac`: prefix + the 12 hex digits of the MAC; `sequential`: prefix + a number padded to `digits`. */
export const NamingIdentifier = Type.Union([Type.Literal('mac'), Type.Literal('sequential')]);
export type NamingIdentifier = Static<typeof NamingIdentifier>;

/**
 * `GET`/`PUT /api/v1/settings/naming` ("Device network settings › Naming convention" of the
 * reference). With `enabled` false a new device is named `ITC<MAC>`.
 */
export const NamingSettings = Type.Object(
  {
    enabled: Type.Boolean(),
    /** Letters, digits and `-` (not first), at most 15 characters; may be empty. */
    prefix: Type.String({ maxLength: NETWORK_NAME_MAX, pattern: '^(?:[A-Za-z0-9][A-Za-z0-9-]*)?$' }),
    /** Minimum width of a sequential number (zero-padded); longer numbers are not cut. */
    digits: Type.Integer({ minimum: 1, maximum: 12 }),
    identifier: NamingIdentifier,
    /** A rename (administrator, rename-all, import) also sets the device's network name (max 15 characters). */
    adjustNetworkName: Type.Boolean(),
    /** A network name the device reports that differs from the last one becomes its name. */
    adjustNameFromNetworkName: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type NamingSettings = Static<typeof NamingSettings>;

export const DEFAULT_NAMING_SETTINGS: NamingSettings = {
  enabled: false,
  prefix: 'ITC',
  digits: 4,
  identifier: 'mac',
  adjustNetworkName: false,
  adjustNameFromNetworkName: false,
};

/** `POST /api/v1/settings/naming/rename`: "rename all devices" (renumber false) or "rename and renumber all devices". */
export const RenameAllRequest = Type.Object(
  {
    renumber: Type.Boolean(),
    /** true: a page of old → new names, nothing changes; false: every device is renamed, in batches. */
    dryRun: Type.Boolean(),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** nextCursor of the previous preview page. */
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type RenameAllRequest = Static<typeof RenameAllRequest>;

export const RenamePreviewItem = Type.Object({
  id: Type.Integer(),
  oldName: Type.String(),
  newName: Type.String(),
  changed: Type.Boolean(),
});
export type RenamePreviewItem = Static<typeof RenamePreviewItem>;

export const RenameAllResponse = Type.Object({
  dryRun: Type.Boolean(),
  /** Devices the rename covers (those you may write). */
  total: Type.Integer(),
  /** Preview: this page, in id order. */
  items: Type.Array(RenamePreviewItem),
  nextCursor: Nullable(Type.String()),
  /** Applied: devices whose name changed. */
  renamed: Type.Integer(),
});
export type RenameAllResponse = Static<typeof RenameAllResponse>;

// ---- Device import (POST /api/v1/devices/import) ----

export const DeviceImportFormat = Type.Union([Type.Literal('short'), Type.Literal('long')]);
export type DeviceImportFormat = Static<typeof DeviceImportFormat>;

export const DeviceImportQuery = Type.Object(
  {
    format: DeviceImportFormat,
    /** true: check and report what would happen; nothing is saved. */
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DeviceImportQuery = Static<typeof DeviceImportQuery>;

export const DeviceImportLine = Type.Object({
  line: Type.Integer(),
  action: Type.Union([Type.Literal('create'), Type.Literal('update')]),
  deviceId: Nullable(Type.Integer()),
  unitId: Type.String(),
  name: Type.String(),
  /** Folder path (`/`-separated), null = top level; absent in the short format (folder unchanged). */
  folderPath: Nullable(Type.String()),
  /** Folders this line creates. */
  createsFolders: Type.Array(Type.String()),
  profilesAdded: Type.Array(Type.Integer()),
  profilesRemoved: Type.Array(Type.Integer()),
});
export type DeviceImportLine = Static<typeof DeviceImportLine>;

export const DeviceImportResponse = Type.Object({
  dryRun: Type.Boolean(),
  created: Type.Integer(),
  updated: Type.Integer(),
  lines: Type.Array(DeviceImportLine),
});
export type DeviceImportResponse = Static<typeof DeviceImportResponse>;

/** One problem of an import file (`error.details.errors` of IMPORT_INVALID). */
export interface DeviceImportError {
  line: number;
  field: string;
  /** Stable: INVALID, NOT_FOUND, FORBIDDEN, DUPLICATE, NETWORK_NAME_INVALID. */
  code: string;
  message: string;
}

/** Largest import body (bytes) and number of lines. */
export const DEVICE_IMPORT_MAX_BYTES = 4 * 1024 * 1024;
export const DEVICE_IMPORT_MAX_LINES = 20_000;
