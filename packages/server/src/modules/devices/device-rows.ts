import { expressionBuilder, sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database, DevicePresenceTable, DevicesTable } from '../../db/types.js';
import type { CursorValue } from '../../lib/cursor.js';

// What a device row is and how lists of them are asked for: shared by the repository, the
// services and the tests (devices.repository.ts re-exports it).

/**
 * Columns of the inventory views; the system-information blob is read only on its own route.
 * online, connected_server and last_contact live in device_presence: lists read `devices`
 * joined with it (devicesWithPresence).
 */
export const DEVICE_COLUMNS = [
  'id',
  'unit_id',
  'mac',
  'name',
  'name_lc',
  'network_name',
  'folder_id',
  'site',
  'department',
  'cost_center',
  'comment',
  'asset_id',
  'in_service_date',
  'serial_number',
  'product',
  'version',
  'last_ip',
  'last_contact',
  'last_boot',
  'registered_at',
  'online',
  'connected_server',
  'config_state',
  'structure_tag',
] as const;
type PresenceColumn = 'online' | 'connected_server' | 'last_contact';
/**
 * `devices` with each row's presence (every device has one: a trigger makes it on insert).
 * Column names are unique across the two tables, so unqualified references stay unambiguous.
 */
export const devicesWithPresence = (db: Db) =>
  db.selectFrom('devices').innerJoin('device_presence', 'device_presence.device_id', 'devices.id');
export type DevicesWithPresence = 'devices' | 'device_presence';

/**
 * The device `deviceIdColumn` names is online on server process `serverId`: an EXISTS probe of its
 * presence row by key, for reads that start from something else (recent markings, recent
 * commands) and must not start from the process's devices.
 */
export function heldByServer(deviceIdColumn: 'devices.id' | 'commands.device_id', serverId: string) {
  const eb = expressionBuilder<Database, never>();
  return eb.exists(
    eb
      .selectFrom('device_presence as p')
      .select('p.device_id')
      .where('p.device_id', '=', sql.ref<number>(deviceIdColumn))
      .where('p.online', '=', 1)
      .where('p.connected_server', '=', serverId),
  );
}

/**
 * PostgreSQL: locks these devices' presence rows in id order, in one statement (the id list is one
 * array parameter; the presence batch runs this on every flush). Every
 * transaction that writes both a device's presence row and its device row takes the presence row
 * first — the presence batch, and a deletion that reaches the presence row again through the
 * cascade — so two of them queue instead of deadlocking (ADR 0009).
 */
export async function lockPresenceRows(trx: Db, ids: readonly number[]): Promise<void> {
  if (!ids.length) return;
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  await trx.selectFrom('device_presence').select('device_id').where('device_id', 'in', sorted).orderBy('device_id').forUpdate().execute();
}

export type DeviceRow = Pick<DevicesTable, Exclude<(typeof DEVICE_COLUMNS)[number], PresenceColumn>> &
  Pick<DevicePresenceTable, PresenceColumn> & { id: number };
/** The key hash is written with a certificate only (enrollment), never by a plain insert. */
export type DeviceInsert = Omit<DevicesTable, 'id' | 'cert_key_sha256'> & { cert_key_sha256?: string | null };
export type DevicePatch = Partial<Omit<DevicesTable, 'id' | 'registered_at'>>;

/** A new device row: the given facts, everything else empty. */
export function newDeviceRow(f: { mac: string; name: string; folderId: number | null; now: number } & Partial<DeviceInsert>): DeviceInsert {
  const { mac, name, folderId, now, ...rest } = f;
  return {
    unit_id: null,
    mac,
    name,
    name_lc: name.toLowerCase(),
    network_name: null,
    folder_id: folderId,
    site: null,
    department: null,
    cost_center: null,
    comment: null,
    asset_id: null,
    in_service_date: null,
    serial_number: null,
    serial_lc: null,
    product: null,
    version: null,
    last_ip: null,
    last_boot: null,
    registered_at: now,
    cert_serial: null,
    cert_expires_at: null,
    config_state: null,
    config_revision: 0,
    config_apply: 'now',
    config_changed_at: null,
    config_applied_revision: null,
    config_applied_hash: null,
    config_applied_at: null,
    config_error: null,
    structure_tag: null,
    ...rest,
  };
}

export type SortColumn = 'name_lc' | 'id' | 'last_contact' | 'mac';

export interface DeviceFilter {
  /** undefined = every device; null = devices outside any folder. */
  folderId: number | null | undefined;
  recursive: boolean;
  /**
   * The folder and every folder below it, read beforehand (resolveSubtree) for a recursive list:
   * the database then plans for the real subtree instead of guessing the size of a recursive query.
   */
  subtree?: readonly number[];
  /**
   * Lower-case text; matched against name, MAC, unit id, last IP and serial — as a prefix, or
   * with `contains` as a substring. `mac`: the text as MAC hex digits (upper-case), when it is one.
   */
  prefix: { text: string; mac: string | null; ip: boolean; contains?: boolean } | null;
  /** Only devices the administrator may browse (null = all). */
  visible?: RawBuilder<boolean> | null;
}

export interface DeviceListQuery extends DeviceFilter {
  sort: SortColumn;
  descending: boolean;
  /** Sort key and id of the last row of the previous page. */
  after: [CursorValue, number] | null;
  limit: number;
}

/** `col` starts with `prefix`, as an index range scan (byte-wise collation on both dialects). */
export function prefixOf(
  eb: ExpressionBuilder<Database, DevicesWithPresence>,
  col: 'name_lc' | 'serial_lc' | 'last_ip' | 'mac' | 'unit_id',
  prefix: string,
): Expression<SqlBool> {
  const last = prefix.codePointAt(prefix.length - 1)!;
  const upper = prefix.slice(0, prefix.length - (last > 0xffff ? 2 : 1)) + String.fromCodePoint(Math.min(last + 1, 0x10ffff));
  return eb.and([eb(col, '>=', prefix), eb(col, '<', upper)]);
}

/** `needle` (already in the column's case) occurs in `hay`: LIKE with the wildcards escaped, the same on both dialects. */
export function containsIn(hay: RawBuilder<unknown>, needle: string): RawBuilder<SqlBool> {
  const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`(${hay} like ${pattern} escape '\\')`;
}
