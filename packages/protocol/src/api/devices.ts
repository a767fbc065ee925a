import { Type, type Static } from 'typebox';
import { Cursor, Id, Nullable, PageLimit } from './common.js';

const NullableText = (max: number) => Nullable(Type.String({ maxLength: max }));
const NullableTime = Nullable(Type.String({ format: 'date-time' }));

/** 12 hex digits; `:`/`-` separators accepted on input, stored and returned as upper-case hex. */
export const MAC_PATTERN = '^([0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2}$';
export const DEVICE_NAME_MAX = 128;

/** Settings delivery state: PENDING until the device applied the newest revision; null = never configured. */
export const ConfigChanges = Type.Unsafe<'PENDING' | 'APPLIED' | null>({ type: ['string', 'null'], enum: ['PENDING', 'APPLIED', null] });
export type ConfigChanges = Static<typeof ConfigChanges>;

/** The server process holding a device's channel (`GET /api/v1/servers` lists them). */
export const ConnectedServer = Type.Object({
  /** `<host id>.<worker>`, as in the server list. */
  id: Type.String(),
  host: Type.String(),
  /** Worker index on its host. */
  worker: Type.Integer(),
});
export type ConnectedServer = Static<typeof ConnectedServer>;

export const Device = Type.Object({
  id: Type.Integer(),
  unitId: Nullable(Type.String()),
  mac: Type.String(),
  name: Type.String(),
  networkName: Nullable(Type.String()),
  folderId: Nullable(Type.Integer()),
  site: Nullable(Type.String()),
  department: Nullable(Type.String()),
  costCenter: Nullable(Type.String()),
  comment: Nullable(Type.String()),
  assetId: Nullable(Type.String()),
  inServiceDate: Nullable(Type.String({ format: 'date' })),
  serialNumber: Nullable(Type.String()),
  product: Nullable(Type.String()),
  version: Nullable(Type.String()),
  lastIp: Nullable(Type.String()),
  lastContact: NullableTime,
  lastBoot: NullableTime,
  registeredAt: Type.String({ format: 'date-time' }),
  online: Type.Boolean(),
  /** Settings delivery: PENDING until the device applied the newest revision; null = nothing sent yet. */
  configChanges: ConfigChanges,
  /** The structure tag the device reports (its setting system.remotemanager.structure_tag); null: none. */
  structureTag: Nullable(Type.String()),
  /** The server process the device is connected to; null while it is offline. */
  connectedServer: Nullable(ConnectedServer),
  /** Lists with `attributes=`: the device's values of those attributes (identifier → value; unset ones absent). */
  attributes: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type Device = Static<typeof Device>;

/** `GET /api/v1/devices/summary`: counts for the dashboard. */
export const DeviceSummary = Type.Object({
  total: Type.Integer(),
  online: Type.Integer(),
});
export type DeviceSummary = Static<typeof DeviceSummary>;

export const CreateDeviceRequest = Type.Object(
  {
    mac: Type.String({ pattern: MAC_PATTERN }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: DEVICE_NAME_MAX, pattern: '\\S' })),
    folderId: Type.Optional(Nullable(Id)),
  },
  { additionalProperties: false },
);
export type CreateDeviceRequest = Static<typeof CreateDeviceRequest>;

/** Inventory fields an administrator may edit. */
export const UpdateDeviceRequest = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: DEVICE_NAME_MAX, pattern: '\\S' })),
    folderId: Type.Optional(Nullable(Id)),
    site: Type.Optional(NullableText(255)),
    department: Type.Optional(NullableText(255)),
    costCenter: Type.Optional(NullableText(255)),
    comment: Type.Optional(NullableText(4000)),
    assetId: Type.Optional(NullableText(255)),
    inServiceDate: Type.Optional(Nullable(Type.String({ format: 'date' }))),
    serialNumber: Type.Optional(NullableText(255)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDeviceRequest = Static<typeof UpdateDeviceRequest>;

/**
 * How `q` matches: `prefix` (default) walks the indexes; `contains` (substring, case-insensitive)
 * reads every device of the query and is bounded by the statement timeout.
 */
export const DeviceMatch = Type.Union([Type.Literal('prefix'), Type.Literal('contains')], { default: 'prefix' });
export type DeviceMatch = Static<typeof DeviceMatch>;

export const DEVICE_SORTS = ['name', '-name', 'id', '-id', 'lastContact', '-lastContact', 'mac', '-mac'] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];

export const ListDevicesQuery = Type.Object(
  {
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(Cursor),
    folderId: Type.Optional(
      Type.Union([Type.Literal('root'), Id], {
        description: "Devices in this folder ('root' = devices not in any folder); omit for all devices",
      }),
    ),
    recursive: Type.Optional(Type.Boolean({ default: false, description: 'Include devices of sub-folders' })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'Case-insensitive prefix (or, with match=contains, substring) of name, MAC, unit id, last IP or serial number',
      }),
    ),
    match: Type.Optional(DeviceMatch),
    attributes: Type.Optional(
      Type.String({
        maxLength: 1400,
        pattern: '^[a-z0-9_-]{1,64}(,[a-z0-9_-]{1,64}){0,19}$',
        description: 'Comma-separated device attribute identifiers (at most 20): each item carries their values in `attributes`',
      }),
    ),
    count: Type.Optional(
      Type.Boolean({ default: false, description: 'Also answer `count`: how many devices the whole query matches (exact)' }),
    ),
    sort: Type.Optional(
      Type.Union(
        DEVICE_SORTS.map((s) => Type.Literal(s)),
        { default: 'name' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ListDevicesQuery = Static<typeof ListDevicesQuery>;

export const DevicePage = Type.Object({
  items: Type.Array(Device),
  nextCursor: Nullable(Type.String()),
  /** With count=true: how many devices the whole query matches (exact). */
  count: Type.Optional(Type.Integer()),
});
export type DevicePage = Static<typeof DevicePage>;

export const MoveDevicesRequest = Type.Object(
  {
    deviceIds: Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true }),
    folderId: Nullable(Id),
  },
  { additionalProperties: false },
);
export type MoveDevicesRequest = Static<typeof MoveDevicesRequest>;
export const MoveDevicesResponse = Type.Object({ moved: Type.Integer() });
export type MoveDevicesResponse = Static<typeof MoveDevicesResponse>;

/** The latest system information a device reported (hello or refresh-sysinfo), or null. */
export const DeviceSystemInfoResponse = Type.Object({
  system: Type.Unsafe<import('../agent/messages.js').SystemInfo | null>({ type: ['object', 'null'], additionalProperties: true }),
  reportedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type DeviceSystemInfoResponse = Static<typeof DeviceSystemInfoResponse>;
