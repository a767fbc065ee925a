import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';

/**
 * Device attributes: administrator-defined, device-specific data (location, department …).
 * A definition names the attribute (`identifier`, stable; used by devices and in view criteria),
 * its type, and who may set values (the overwrite rule). Values are text of at most
 * DEVICE_ATTRIBUTE_VALUE_MAX characters, checked against the type.
 */
export const DEVICE_ATTRIBUTE_VALUE_MAX = 100;
export const DEVICE_ATTRIBUTE_IDENTIFIER_PATTERN = '^[a-z0-9_-]{1,64}$';
export const DEVICE_ATTRIBUTE_TYPES = ['string', 'number', 'date', 'range'] as const;
export type DeviceAttributeType = (typeof DEVICE_ATTRIBUTE_TYPES)[number];
/** server: only administrators set values; device: only the device; all: both (the last change wins). */
export const DEVICE_ATTRIBUTE_OVERWRITE = ['server', 'device', 'all'] as const;
export type DeviceAttributeOverwrite = (typeof DEVICE_ATTRIBUTE_OVERWRITE)[number];

export const DeviceAttributeIdentifier = Type.String({ minLength: 1, maxLength: 64, pattern: DEVICE_ATTRIBUTE_IDENTIFIER_PATTERN });
const AttrType = Type.Unsafe<DeviceAttributeType>(Type.Union(DEVICE_ATTRIBUTE_TYPES.map((t) => Type.Literal(t))));
const Overwrite = Type.Unsafe<DeviceAttributeOverwrite>(Type.Union(DEVICE_ATTRIBUTE_OVERWRITE.map((t) => Type.Literal(t))));
const RangeItem = Type.String({ minLength: 1, maxLength: DEVICE_ATTRIBUTE_VALUE_MAX });
const Range = Type.Array(RangeItem, { minItems: 1, maxItems: 500, uniqueItems: true });
const DisplayName = Type.String({ minLength: 1, maxLength: 200 });

export const DeviceAttribute = Type.Object({
  id: Type.Integer(),
  identifier: Type.String(),
  name: Type.String(),
  type: AttrType,
  /** The allowed values of a `range` attribute, in order; null for the other types. */
  range: Nullable(Type.Array(Type.String())),
  overwrite: Overwrite,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type DeviceAttribute = Static<typeof DeviceAttribute>;

export const DeviceAttributeList = Type.Object({ items: Type.Array(DeviceAttribute) });
export type DeviceAttributeList = Static<typeof DeviceAttributeList>;

export const CreateDeviceAttributeRequest = Type.Object(
  {
    identifier: DeviceAttributeIdentifier,
    name: DisplayName,
    type: AttrType,
    /** Required for (and only for) type `range`. */
    range: Type.Optional(Range),
    overwrite: Type.Optional(Overwrite),
  },
  { additionalProperties: false },
);
export type CreateDeviceAttributeRequest = Static<typeof CreateDeviceAttributeRequest>;

/** The identifier and the type stay (values and view criteria depend on them). */
export const UpdateDeviceAttributeRequest = Type.Object(
  {
    name: Type.Optional(DisplayName),
    range: Type.Optional(Range),
    overwrite: Type.Optional(Overwrite),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDeviceAttributeRequest = Static<typeof UpdateDeviceAttributeRequest>;

/** One attribute of a device: its definition's identifier, name, type, and the value (null: not set). */
export const DeviceAttributeValue = Type.Object({
  identifier: Type.String(),
  name: Type.String(),
  type: AttrType,
  range: Nullable(Type.Array(Type.String())),
  overwrite: Overwrite,
  value: Nullable(Type.String()),
});
export type DeviceAttributeValue = Static<typeof DeviceAttributeValue>;

export const DeviceAttributeValues = Type.Object({ items: Type.Array(DeviceAttributeValue) });
export type DeviceAttributeValues = Static<typeof DeviceAttributeValues>;

export const PutDeviceAttributeValuesRequest = Type.Object(
  {
    /** identifier → value; null resets the value. Attributes not named keep theirs. */
    values: Type.Record(Type.String({ maxLength: 64 }), Nullable(Type.String({ maxLength: 1000 })), { maxProperties: 500 }),
  },
  { additionalProperties: false },
);
export type PutDeviceAttributeValuesRequest = Static<typeof PutDeviceAttributeValuesRequest>;

/**
 * Why `value` is not a valid value of an attribute of `type` (null: it is). Numbers are decimal
 * (`-12`, `3.5`), dates `yyyy-mm-dd` (a real calendar day), range values one of the range list.
 */
export function deviceAttributeValueProblem(
  def: { type: DeviceAttributeType; range: readonly string[] | null },
  value: string,
): string | null {
  if (value.length > DEVICE_ATTRIBUTE_VALUE_MAX) return `is longer than ${DEVICE_ATTRIBUTE_VALUE_MAX} characters`;
  if (value === '') return 'is empty (send null to reset the value)';
  switch (def.type) {
    case 'string':
      return null;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(value) ? null : `"${value.slice(0, 40)}" is not a number`;
    case 'date': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (!m) return `"${value.slice(0, 40)}" is not a date (yyyy-mm-dd)`;
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      return d.toISOString().slice(0, 10) === value ? null : `"${value}" is not a calendar date`;
    }
    case 'range':
      return def.range?.includes(value) ? null : `"${value.slice(0, 40)}" is not in the attribute's range list`;
  }
}
