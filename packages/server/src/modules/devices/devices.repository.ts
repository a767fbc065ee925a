import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import type { DialectName } from '../../db/dialect.js';
import type { Database } from '../../db/types.js';
import { inFolderSubtree, readSubtreeIds, subtreeCondition } from '../device-folders/device-folders.repository.js';
import {
  containsIn,
  DEVICE_COLUMNS,
  devicesWithPresence,
  type DevicesWithPresence,
  type DeviceFilter,
  type DeviceInsert,
  type DeviceListQuery,
  type DevicePatch,
  type DeviceRow,
  prefixOf,
} from './device-rows.js';

/** Rows per IN (…) list: well below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;
/**
 * A recursive list reads its subtree's folder ids first up to this many: its page stops early, and
 * its count (`count=true`) of a 265-folder subtree measured ≈ 12 ms either way on PostgreSQL.
 */
const LIST_SUBTREE_READ_LIMIT = 500;

export { DEVICE_COLUMNS, devicesWithPresence, newDeviceRow } from './device-rows.js';
export type { DeviceFilter, DeviceInsert, DeviceListQuery, DevicePatch, DeviceRow, SortColumn } from './device-rows.js';

export class DevicesRepository {
  /** The list's join and columns, built once: Kysely builders are immutable, each page adds its own filters. */
  private readonly listFrom;

  /** `dialect` only tunes statements (listDevices on SQLite); without it they are the portable ones. */
  constructor(
    readonly db: Db,
    private readonly dialect: DialectName | null = null,
  ) {
    this.listFrom = devicesWithPresence(db).select(DEVICE_COLUMNS);
  }

  findDeviceById = async (id: number, db: Db = this.db): Promise<DeviceRow | undefined> => {
    const r = await devicesWithPresence(db).select(DEVICE_COLUMNS).where('id', '=', id).executeTakeFirst();
    return r && norm(r);
  };

  findDeviceIdByMac = async (mac: string): Promise<number | undefined> => {
    const r = await this.db.selectFrom('devices').select('id').where('mac', '=', mac).executeTakeFirst();
    return r && Number(r.id);
  };

  /** A device enrolling with this unit id or MAC already has a record (inventory or earlier enrollment). */
  findDeviceForEnrollment = async (
    unitId: string,
    mac: string,
    db: Db = this.db,
  ): Promise<{ id: number; cert_serial: string | null; cert_key_sha256: string | null } | undefined> => {
    const r = await db
      .selectFrom('devices')
      .select(['id', 'cert_serial', 'cert_key_sha256'])
      .where((eb) => eb.or([eb('unit_id', '=', unitId), eb('mac', '=', mac)]))
      .orderBy('id')
      .executeTakeFirst();
    return r && { id: Number(r.id), cert_serial: r.cert_serial, cert_key_sha256: r.cert_key_sha256 };
  };

  /** The serial of the certificate a device may currently use (null: none, revoked). */
  findCertSerial = async (id: number): Promise<string | null | undefined> => {
    const r = await this.db.selectFrom('devices').select('cert_serial').where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : r.cert_serial;
  };

  /** findCertSerial for many devices at once (the gateway's lookups of one event-loop turn); deleted ones are absent. */
  findCertSerials = async (ids: readonly number[]): Promise<Map<number, string | null>> => {
    if (!ids.length) return new Map();
    const rows = await this.db.selectFrom('devices').select(['id', 'cert_serial']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [Number(r.id), r.cert_serial]));
  };

  /** Configuration delivery state of one device. */
  findDeliveryState = (id: number) =>
    this.db
      .selectFrom('devices')
      .select([
        'config_state',
        'config_revision',
        'config_apply',
        'config_changed_at',
        'config_applied_revision',
        'config_applied_at',
        'config_error',
      ])
      .where('id', '=', id)
      .executeTakeFirst();

  findSystemInfo = async (id: number): Promise<{ sysinfo: string | null; sysinfo_at: number | null } | undefined> =>
    devicesWithPresence(this.db).select(['sysinfo', 'sysinfo_at']).where('id', '=', id).executeTakeFirst();

  /** The filters of a list (access, folder, text) on a query over `devices` (with its presence). */
  private filtered = <T extends 'devices' | DevicesWithPresence, O>(
    query: SelectQueryBuilder<Database, T, O>,
    q: DeviceFilter,
  ): SelectQueryBuilder<Database, T, O> => {
    const narrow = query as unknown as SelectQueryBuilder<Database, 'devices', O>;
    return this.filter(narrow, q) as unknown as SelectQueryBuilder<Database, T, O>;
  };

  private filter = <O>(query: SelectQueryBuilder<Database, 'devices', O>, q: DeviceFilter): SelectQueryBuilder<Database, 'devices', O> => {
    if (q.visible) query = query.where(q.visible);
    if (q.folderId === null && !q.recursive) query = query.where('folder_id', 'is', null);
    else if (typeof q.folderId === 'number') {
      const fid = q.folderId;
      query = q.recursive ? query.where(inFolderSubtree('folder_id', fid, q.subtree)) : query.where('folder_id', '=', fid);
    }
    if (q.prefix) {
      const { text, mac, ip, contains } = q.prefix;
      query = contains
        ? // Substring: no index helps; every device of the folder/access filter is read (bounded by the statement timeout).
          query.where((eb) =>
            eb.or([
              containsIn(sql.ref('name_lc'), text),
              containsIn(sql.ref('serial_lc'), text),
              containsIn(sql`lower(last_ip)`, text),
              containsIn(sql`lower(unit_id)`, text),
              ...(mac ? [containsIn(sql.ref('mac'), mac)] : []),
            ]),
          )
        : query.where((eb) =>
            eb.or([
              prefixOf(eb, 'name_lc', text),
              prefixOf(eb, 'serial_lc', text),
              // Only ranges that can match: fewer index probes for the OR.
              ...(ip ? [prefixOf(eb, 'last_ip', text)] : []),
              ...(mac ? [prefixOf(eb, 'mac', mac), prefixOf(eb, 'unit_id', mac)] : []),
            ]),
          );
    }
    return query;
  };

  /** A recursive filter with its subtree's folder ids filled in (`readSubtreeIds`: up to LIST_SUBTREE_READ_LIMIT folders). */
  resolveSubtree = async (q: DeviceFilter, db: Db = this.db): Promise<DeviceFilter> => {
    if (!q.recursive || typeof q.folderId !== 'number' || q.subtree) return q;
    const ids = await readSubtreeIds(db, q.folderId, LIST_SUBTREE_READ_LIMIT);
    // No such folder: the recursive query finds nothing either (and the caller answers 404).
    return ids ? { ...q, subtree: ids } : q;
  };

  /** How many devices the filters match (exact; the folder_id / text indexes as the list uses them). */
  countMatching = async (q: DeviceFilter, db: Db = this.db): Promise<number> => {
    const r = await this.filtered(
      db.selectFrom('devices').select((eb) => eb.fn.countAll<number>().as('n')),
      q,
    ).executeTakeFirstOrThrow();
    return Number(r.n);
  };

  /** Ids of the devices the filters match, in id order, at most `limit`. */
  listMatchingIds = async (q: DeviceFilter, limit: number, db: Db = this.db): Promise<number[]> => {
    const rows = await this.filtered(db.selectFrom('devices').select('id'), q).orderBy('id').limit(limit).execute();
    return rows.map((r) => Number(r.id));
  };

  listDevices = async (q: DeviceListQuery, db: Db = this.db): Promise<DeviceRow[]> => {
    const dir = q.descending ? 'desc' : 'asc';
    const limit = (await this.pageHoldsFolder(q, db)) ? null : q.limit;
    // The filters, sort and page as one query over `devices`, selecting `columns`.
    const page = <C extends 'id' | (typeof DEVICE_COLUMNS)[number]>(columns: readonly C[]) => {
      const from =
        (columns as readonly string[]) === DEVICE_COLUMNS && db === this.db
          ? (this.listFrom as never)
          : devicesWithPresence(db).select(columns);
      let query = this.filtered(from, q);
      if (q.after) {
        const [key, id] = q.after;
        const cmp = q.descending ? '<' : '>';
        query =
          q.sort === 'id'
            ? query.where('id', cmp, id)
            : query.where((eb) => eb.or([eb(q.sort, cmp, key), eb.and([eb(q.sort, '=', key), eb('id', cmp, id)])]));
      }
      if (q.sort !== 'id') query = query.orderBy(q.sort, dir);
      query = query.orderBy('id', dir);
      return limit === null ? query : query.limit(limit);
    };
    // A recursive list of one folder (a leaf) is that folder's list.
    if (!(q.recursive && typeof q.folderId === 'number') || q.subtree?.length === 1)
      return (await page(DEVICE_COLUMNS).execute()).map(norm);
    // A subtree spans many folders, so no index yields its devices in sort order: the database
    // sorts every device below the folder. Sort only ids (read from the covering
    // (folder_id, sort, id) index), then read the full rows of the one page — 4× faster on a
    // 10,000-device region than sorting full rows (docs/benchmarks.md).
    let outer = devicesWithPresence(db)
      .select(DEVICE_COLUMNS)
      .where('id', 'in', page(['id'] as const));
    if (q.sort !== 'id') outer = outer.orderBy(q.sort, dir);
    return (await outer.orderBy('id', dir).execute()).map(norm);
  };

  /**
   * SQLite keeps the first rows of an `order by … limit` in a temporary b-tree, where without the
   * limit its in-memory sorter sorts: ≈ 40 µs more for a 100-device folder by last contact, which
   * no index yields in order (ADR 0009). When the folder holds no more devices than the page, the
   * limit changes nothing and is left out — known from a count on the folder index (≈ 8 µs).
   */
  private pageHoldsFolder = async (q: DeviceListQuery, db: Db): Promise<boolean> => {
    if (this.dialect !== 'sqlite' || q.sort !== 'last_contact' || typeof q.folderId !== 'number') return false;
    if (q.recursive && q.subtree?.length !== 1) return false;
    const r = await db
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('folder_id', '=', q.folderId)
      .executeTakeFirstOrThrow();
    return Number(r.n) <= q.limit;
  };

  /** Values of the attributes `identifiers` of these devices: device id → identifier → value. */
  listAttributeValues = async (
    deviceIds: readonly number[],
    identifiers: readonly string[],
  ): Promise<Map<number, Record<string, string>>> => {
    const out = new Map<number, Record<string, string>>();
    const rows = await this.db
      .selectFrom('device_attribute_values as v')
      .innerJoin('device_attributes as a', 'a.id', 'v.attribute_id')
      .select(['v.device_id', 'a.identifier', 'v.value'])
      .where('v.device_id', 'in', [...deviceIds])
      .where('a.identifier', 'in', [...identifiers])
      .execute();
    for (const r of rows) {
      const id = Number(r.device_id);
      const m = out.get(id) ?? {};
      m[r.identifier] = r.value;
      out.set(id, m);
    }
    return out;
  };

  /** Ids of the devices in the folder (and its sub-folders when `recursive`), in id order. */
  listDeviceIdsInFolder = async (folderId: number, recursive: boolean): Promise<number[]> => {
    if (recursive) return this.listDeviceIdsUnderFolders([folderId]);
    const rows = await this.db.selectFrom('devices').select('id').where('folder_id', '=', folderId).orderBy('id').execute();
    return rows.map((r) => Number(r.id));
  };

  /** Ids of every device in the folders or anywhere below them, in id order. */
  listDeviceIdsUnderFolders = async (folderIds: readonly number[], db: Db = this.db): Promise<number[]> => {
    const out = new Set<number>();
    for (let i = 0; i < folderIds.length; i += CHUNK) {
      const rows = await db
        .selectFrom('devices')
        .select('id')
        .where(await subtreeCondition(db, 'folder_id', folderIds.slice(i, i + CHUNK)))
        .execute();
      for (const r of rows) out.add(Number(r.id));
    }
    return [...out].sort((a, b) => a - b);
  };

  /** Which of the ids are devices. */
  listExistingDeviceIds = async (ids: readonly number[]): Promise<Set<number>> => {
    const out = new Set<number>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('devices')
        .select('id')
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.add(Number(r.id));
    }
    return out;
  };

  insertDevice = async (d: DeviceInsert, db: Db = this.db): Promise<number> => {
    const r = await db.insertInto('devices').values(d).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  };

  updateDevice = async (id: number, patch: DevicePatch, db: Db = this.db): Promise<boolean> => {
    const r = await db.updateTable('devices').set(patch).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  };

  /**
   * Renewal: replaces the device's certificate only while the one it presented is still the
   * current one, so two renewals with the same certificate cannot both win. False otherwise.
   */
  /** The device's certificate is no longer accepted (factory reset); enrolling again needs a key. */
  revokeCertificate = async (id: number): Promise<void> => {
    await this.db.updateTable('devices').set({ cert_serial: null, cert_key_sha256: null }).where('id', '=', id).execute();
  };

  replaceCertSerial = async (
    id: number,
    presentedSerial: string,
    next: { cert_serial: string; cert_expires_at: number; cert_key_sha256: string },
  ): Promise<boolean> => {
    const r = await this.db
      .updateTable('devices')
      .set(next)
      .where('id', '=', id)
      .where('cert_serial', '=', presentedSerial)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  };

  /**
   * Its direct profile assignments and its access list go with it (they reference it without a
   * foreign key). In the caller's transaction (the audit entry of the deletion joins it).
   */
  deleteDevice = async (id: number, trx: Db): Promise<boolean> => {
    await trx.deleteFrom('profile_assignments').where('target_type', '=', 'device').where('target_id', '=', id).execute();
    await trx.deleteFrom('device_attribute_values').where('device_id', '=', id).execute();
    const r = await trx.deleteFrom('devices').where('id', '=', id).executeTakeFirst();
    // After the device: a list being replaced meanwhile (access_entries locked) is deleted once it commits.
    await trx.deleteFrom('access_entries').where('object_type', '=', 'device').where('object_id', '=', id).execute();
    return Number(r.numDeletedRows) > 0;
  };

  /** Name and folder of each of these devices (those that exist). */
  listDeviceFolders = async (ids: readonly number[], db: Db): Promise<Array<{ id: number; name: string; folder_id: number | null }>> => {
    const out: Array<{ id: number; name: string; folder_id: number | null }> = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await db
        .selectFrom('devices')
        .select(['id', 'name', 'folder_id'])
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .orderBy('id')
        .execute();
      for (const r of rows) out.push({ id: Number(r.id), name: r.name, folder_id: r.folder_id === null ? null : Number(r.folder_id) });
    }
    return out;
  };

  /** Moves all or nothing: returns the ids that do not exist instead of moving any. */
  moveDevices = async (ids: number[], folderId: number | null, trx: Db): Promise<{ moved: number; missing: number[] }> => {
    const found = await trx.selectFrom('devices').select('id').where('id', 'in', ids).execute();
    const have = new Set(found.map((r) => Number(r.id)));
    const missing = ids.filter((id) => !have.has(id));
    if (missing.length) return { moved: 0, missing };
    const r = await trx.updateTable('devices').set({ folder_id: folderId }).where('id', 'in', ids).executeTakeFirst();
    return { moved: Number(r.numUpdatedRows), missing };
  };

  /** Host and worker of these server processes (a cluster has a handful): who holds which device. */
  findServerNames = async (ids: readonly string[]): Promise<Map<string, { host: string; worker: number }>> => {
    const out = new Map<string, { host: string; worker: number }>();
    if (!ids.length) return out;
    const rows = await this.db
      .selectFrom('servers')
      .select(['id', 'host', 'worker'])
      .where('id', 'in', [...ids])
      .execute();
    for (const r of rows) out.set(r.id, { host: r.host, worker: Number(r.worker) });
    return out;
  };

  /**
   * Devices and online devices, of those `visible` (null = all), in one round trip; `online` is
   * counted from device_presence's (online, connected_server) index.
   */
  countDevicesByPresence = async (visible: RawBuilder<boolean> | null = null): Promise<{ total: number; online: number }> => {
    const all = sql<boolean>`1 = 1`;
    const r = await this.db
      .selectNoFrom((eb) => [
        eb
          .selectFrom('devices')
          .select(eb.fn.countAll<number>().as('n'))
          .where(visible ?? all)
          .as('total'),
        eb
          .selectFrom('devices')
          .innerJoin('device_presence', 'device_presence.device_id', 'devices.id')
          .select(eb.fn.countAll<number>().as('n'))
          .where('online', '=', 1)
          .where(visible ?? all)
          .as('online'),
      ])
      .executeTakeFirstOrThrow();
    return { total: Number(r.total), online: Number(r.online) };
  };

  countDevices = async (): Promise<number> => {
    const r = await this.db
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
}

/**
 * Rows come back in their stored shape on both dialects (int8 is parsed as a number in
 * dialect.ts), so they are returned as they are: no copy per row on the list's hot path.
 */
const norm = (r: object): DeviceRow => r as DeviceRow;
