import { Type, type Static } from 'typebox';
import { Cursor, PageLimit } from './common.js';

const NullableText = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** 12 hex digits; `:`/`-` separators accepted on input, stored and returned as upper-case hex. */
export const MAC_PATTERN = '^([0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2}$';
export const DEVICE_NAME_MAX = 128;

export const Device = Type.Object({
  id: Type.Integer(),
  unitId: Type.Union([Type.String(), Type.Null()]),
  mac: Type.String(),
  name: Type.String(),
  networkName: Type.Union([Type.String(), Type.Null()]),
  folderId: Type.Union([Type.Integer(), Type.Null()]),
  site: Type.Union([Type.String(), Type.Null()]),
  department: Type.Union([Type.String(), Type.Null()]),
  costCenter: Type.Union([Type.String(), Type.Null()]),
  comment: Type.Union([Type.String(), Type.Null()]),
  assetId: Type.Union([Type.String(), Type.Null()]),
  inServiceDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  serialNumber: Type.Union([Type.String(), Type.Null()]),
  product: Type.Union([Type.String(), Type.Null()]),
  version: Type.Union([Type.String(), Type.Null()]),
  lastIp: Type.Union([Type.String(), Type.Null()]),
  lastContact: NullableTime,
  lastBoot: NullableTime,
  registeredAt: Type.String({ format: 'date-time' }),
  online: Type.Boolean(),
});
export type Device = Static<typeof Device>;

export const CreateDeviceRequest = Type.Object(
  {
    mac: Type.String({ pattern: MAC_PATTERN }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: DEVICE_NAME_MAX, pattern: '\\S' })),
    folderId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateDeviceRequest = Static<typeof CreateDeviceRequest>;

/** Inventory fields an administrator may edit. */
export const UpdateDeviceRequest = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: DEVICE_NAME_MAX, pattern: '\\S' })),
    folderId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    site: Type.Optional(NullableText(255)),
    department: Type.Optional(NullableText(255)),
    costCenter: Type.Optional(NullableText(255)),
    comment: Type.Optional(NullableText(4000)),
    assetId: Type.Optional(NullableText(255)),
    inServiceDate: Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.Null()])),
    serialNumber: Type.Optional(NullableText(255)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDeviceRequest = Static<typeof UpdateDeviceRequest>;

export const DEVICE_SORTS = ['name', '-name', 'id', '-id', 'lastContact', '-lastContact', 'mac', '-mac'] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];

export const ListDevicesQuery = Type.Object(
  {
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(Cursor),
    folderId: Type.Optional(Type.Union([Type.Literal('root'), Type.Integer({ minimum: 1 })], {
      description: "Devices in this folder ('root' = devices not in any folder); omit for all devices",
    })),
    recursive: Type.Optional(Type.Boolean({ default: false, description: 'Include devices of sub-folders' })),
    q: Type.Optional(Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Case-insensitive prefix of name, MAC, unit id, last IP or serial number',
    })),
    sort: Type.Optional(Type.Union(DEVICE_SORTS.map((s) => Type.Literal(s)), { default: 'name' })),
  },
  { additionalProperties: false },
);
export type ListDevicesQuery = Static<typeof ListDevicesQuery>;

export const DevicePage = Type.Object({
  items: Type.Array(Device),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type DevicePage = Static<typeof DevicePage>;

export const MoveDevicesRequest = Type.Object(
  {
    deviceIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 1000, uniqueItems: true }),
    folderId: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type MoveDevicesRequest = Static<typeof MoveDevicesRequest>;

