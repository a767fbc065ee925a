import {
  DEVICE_ATTRIBUTE_VALUE_MAX,
  ErrorCode,
  type AttributesMessage,
  type DeviceAttribute,
  type DeviceAttributeOverwrite,
  type DeviceAttributeType,
} from '@openums/protocol';
import { toIso } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { DeviceAttributeRow } from './device-attributes.repository.js';

/* Device attribute definitions as the service works with them, their API form and the channel message (no I/O). */

/** A definition as the service works with it. */
export interface Definition {
  id: number;
  identifier: string;
  name: string;
  type: DeviceAttributeType;
  range: string[] | null;
  overwrite: DeviceAttributeOverwrite;
  createdAt: number;
  updatedAt: number;
}

/**
 * The `attributes` message (every definition and a device's values) must fit the channel's
 * 64 KiB message limit (MAX_MESSAGE_BYTES, which agents enforce): definitions are refused once
 * the largest possible message would pass this.
 */
const MAX_ATTRIBUTES_MESSAGE_BYTES = 56 * 1024;
/** A value with its identifier and quoting, at most. */
const MAX_VALUE_ENTRY_BYTES = 64 + 4 * DEVICE_ATTRIBUTE_VALUE_MAX + 8;

export const toDefinition = (r: DeviceAttributeRow): Definition => ({
  id: r.id,
  identifier: r.identifier,
  name: r.name,
  type: r.type as DeviceAttributeType,
  range: r.range_json === null ? null : (JSON.parse(r.range_json) as string[]),
  overwrite: r.overwrite as DeviceAttributeOverwrite,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toApi = (d: Definition): DeviceAttribute => ({
  id: d.id,
  identifier: d.identifier,
  name: d.name,
  type: d.type,
  range: d.range,
  overwrite: d.overwrite,
  createdAt: toIso(d.createdAt)!,
  updatedAt: toIso(d.updatedAt)!,
});

export const snapshot = (d: Definition) => ({
  identifier: d.identifier,
  name: d.name,
  type: d.type,
  range: d.range,
  overwrite: d.overwrite,
});
export const notFound = (id: number) =>
  new AppError(ErrorCode.DeviceAttributeNotFound, `Device attribute ${id} does not exist`, { field: 'params.id' });
export const invalid = (field: string, message: string) =>
  new AppError(ErrorCode.ValidationFailed, `${field}: ${message}; nothing was saved`, { field });
export const serverMaySet = (o: DeviceAttributeOverwrite) => o !== 'device';
export const deviceMaySet = (o: DeviceAttributeOverwrite) => o !== 'server';

export function attributesMessage(defs: readonly Definition[], values: ReadonlyMap<number, string>): AttributesMessage {
  const out: Record<string, string> = {};
  for (const d of defs) {
    const v = values.get(d.id);
    if (v !== undefined) out[d.identifier] = v.slice(0, DEVICE_ATTRIBUTE_VALUE_MAX);
  }
  return {
    t: 'attributes',
    definitions: defs.map((d) => ({
      identifier: d.identifier,
      name: d.name,
      type: d.type,
      ...(d.range ? { range: d.range } : {}),
      overwrite: d.overwrite,
    })),
    values: out,
  };
}

/** 400 when devices could not take the definitions `defs` with every value set. */
export function checkMessageSize(defs: readonly Definition[], field: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(attributesMessage(defs, new Map()))) + defs.length * MAX_VALUE_ENTRY_BYTES;
  if (bytes > MAX_ATTRIBUTES_MESSAGE_BYTES) {
    throw invalid(
      field,
      `with this change the attribute definitions (${defs.length}) and their values would not fit the device channel's message limit; use fewer or shorter range values`,
    );
  }
}
