import { sql, type Selectable, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database, DevicesTable } from '../../db/types.js';
import type { CursorValue } from '../../lib/cursor.js';

export type DeviceRow = Omit<DevicesTable, 'id'> & { id: number };
export type DeviceInsert = Omit<DevicesTable, 'id'>;
export type DevicePatch = Partial<Omit<DevicesTable, 'id' | 'registered_at'>>;

export type SortColumn = 'name_lc' | 'id' | 'last_contact' | 'mac';

export interface DeviceListQuery {
  /** undefined = every device; null = devices outside any folder. */
  folderId: number | null | undefined;
  recursive: boolean;
  /** Lower-case prefix; matched against name, MAC, unit id, last IP and serial. */
  prefix: { text: string; mac: string | null } | null;
  sort: SortColumn;
  descending: boolean;
  /** Sort key and id of the last row of the previous page. */
  after: [CursorValue, number] | null;
  limit: number;
}

type Eb = ExpressionBuilder<Database, 'devices'>;

export class DevicesRepository {
  constructor(private readonly db: Db) {}

  findDeviceById = async (id: number): Promise<DeviceRow | undefined> => {
    const r = await this.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    return r && norm(r);
  };

  findDeviceIdByMac = async (mac: string): Promise<number | undefined> => {
    const r = await this.db.selectFrom('devices').select('id').where('mac', '=', mac).executeTakeFirst();
    return r && Number(r.id);
  };

  listDevices = async (q: DeviceListQuery): Promise<DeviceRow[]> => {
    const dir = q.descending ? 'desc' : 'asc';
    let query = this.db.selectFrom('devices').selectAll();
    if (q.folderId === null && !q.recursive) query = query.where('folder_id', 'is', null);
    else if (typeof q.folderId === 'number') {
      const fid = q.folderId;
      query = q.recursive
        ? query.where('folder_id', 'in', sql<number>`(
            with recursive sub(id) as (
              select id from device_folders where id = ${fid}
              union all select f.id from device_folders f join sub on f.parent_id = sub.id
            ) select id from sub)`)
        : query.where('folder_id', '=', fid);
    }
    if (q.prefix) {
      const { text, mac } = q.prefix;
      query = query.where((eb) =>
        eb.or([
          prefixOf(eb, 'name_lc', text),
          prefixOf(eb, 'serial_lc', text),
          prefixOf(eb, 'last_ip', text),
          ...(mac ? [prefixOf(eb, 'mac', mac), prefixOf(eb, 'unit_id', mac)] : []),
        ]),
      );
    }
    if (q.after) {
      const [key, id] = q.after;
      const cmp = q.descending ? '<' : '>';
      query =
        q.sort === 'id'
          ? query.where('id', cmp, id)
          : query.where((eb) => eb.or([eb(q.sort, cmp, key), eb.and([eb(q.sort, '=', key), eb('id', cmp, id)])]));
    }
    if (q.sort !== 'id') query = query.orderBy(q.sort, dir);
    const rows = await query.orderBy('id', dir).limit(q.limit).execute();
    return rows.map(norm);
  };

  insertDevice = async (d: DeviceInsert): Promise<number> => {
    const r = await this.db.insertInto('devices').values(d).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  };

  updateDevice = async (id: number, patch: DevicePatch): Promise<boolean> => {
    const r = await this.db.updateTable('devices').set(patch).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  };

  deleteDevice = async (id: number): Promise<boolean> => {
    const r = await this.db.deleteFrom('devices').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  };

  /** Moves all or nothing: returns the ids that do not exist instead of moving any. */
  moveDevices = (ids: number[], folderId: number | null): Promise<{ moved: number; missing: number[] }> =>
    this.db.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('devices').select('id').where('id', 'in', ids).execute();
      const have = new Set(found.map((r) => Number(r.id)));
      const missing = ids.filter((id) => !have.has(id));
      if (missing.length) return { moved: 0, missing };
      const r = await trx.updateTable('devices').set({ folder_id: folderId }).where('id', 'in', ids).executeTakeFirst();
      return { moved: Number(r.numUpdatedRows), missing };
    });

  countDevices = async (): Promise<number> => {
    const r = await this.db.selectFrom('devices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  };
}

/** `col` starts with `prefix`, as an index range scan (byte-wise collation on both dialects). */
function prefixOf(eb: Eb, col: 'name_lc' | 'serial_lc' | 'last_ip' | 'mac' | 'unit_id', prefix: string): Expression<SqlBool> {
  const last = prefix.codePointAt(prefix.length - 1)!;
  const upper = prefix.slice(0, prefix.length - (last > 0xffff ? 2 : 1)) + String.fromCodePoint(Math.min(last + 1, 0x10ffff));
  return eb.and([eb(col, '>=', prefix), eb(col, '<', upper)]);
}

/**
 * Rows come back in their stored shape on both dialects (int8 is parsed as a number in
 * dialect.ts), so they are returned as they are: no copy per row on the list's hot path.
 */
const norm = (r: Selectable<DevicesTable>): DeviceRow => r as DeviceRow;
