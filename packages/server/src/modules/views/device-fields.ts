import type { ViewDeviceField, ViewFieldKind } from '@openums/protocol';
import type { DeviceRow } from '../devices/devices.repository.js';

/**
 * Where each criteria field lives in the `devices` table. `neverIsZero`: the column stores
 * "never" as 0 rather than NULL (last_contact, so keyset pages can sort on it); criteria treat
 * it as empty. Attributes and assignments will resolve through `deviceFieldColumn` too.
 */
export interface DeviceFieldColumn {
  column: keyof DeviceRow & string;
  neverIsZero?: boolean;
  /** Where the dialect stores the sortable key (`ViewSql.storedKeys`); else computed by `openums_<kind>_key`. */
  keyColumn?: string;
}

/** Fields on other tables (assignments, delivery state): criteria-related-sql.ts compiles them. */
export type RelatedField = 'profile' | 'configChanges';

export const DEVICE_FIELD_COLUMNS: Record<Exclude<ViewDeviceField, RelatedField>, DeviceFieldColumn> = {
  name: { column: 'name' },
  networkName: { column: 'network_name' },
  mac: { column: 'mac' },
  unitId: { column: 'unit_id' },
  lastIp: { column: 'last_ip', keyColumn: 'ip_key' },
  product: { column: 'product' },
  version: { column: 'version', keyColumn: 'version_key' },
  serialNumber: { column: 'serial_number' },
  site: { column: 'site' },
  department: { column: 'department' },
  costCenter: { column: 'cost_center' },
  comment: { column: 'comment' },
  assetId: { column: 'asset_id' },
  folderId: { column: 'folder_id' },
  online: { column: 'online' },
  lastContact: { column: 'last_contact', neverIsZero: true },
  lastBoot: { column: 'last_boot' },
  registeredAt: { column: 'registered_at' },
  structureTag: { column: 'structure_tag' },
};

export function deviceFieldColumn(field: string): DeviceFieldColumn {
  const c = DEVICE_FIELD_COLUMNS[field as Exclude<ViewDeviceField, RelatedField>];
  if (!c) throw new Error(`No column for view field ${field}`);
  return c;
}

export const DAY_MS = 86_400_000;

/** MAC values are compared without separators, as MACs are stored. */
export const normalizeMacValue = (v: string) => v.replace(/[:-]/g, '');

/** Fields holding text, where '' counts as empty too. */
export const isTextKind = (kind: ViewFieldKind) => kind === 'text' || kind === 'mac' || kind === 'ip' || kind === 'version';
