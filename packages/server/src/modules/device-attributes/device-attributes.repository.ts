import type { Db } from '../../db/database.js';
import type { DeviceAttributesTable } from '../../db/types.js';
import { transaction } from '../../db/transaction.js';

export type DeviceAttributeRow = Omit<DeviceAttributesTable, 'id'> & { id: number };
export type DeviceAttributeFields = Omit<DeviceAttributesTable, 'id' | 'created_at' | 'updated_at'>;
/** attribute id → value; null deletes the value. */
export type ValueChanges = Map<number, string | null>;

const CHUNK = 500;

/** Device attribute definitions and the values devices hold. */
export class DeviceAttributesRepository {
  constructor(readonly db: Db) {}

  findDeviceName = async (id: number, db: Db = this.db): Promise<string | undefined> =>
    (await db.selectFrom('devices').select('name').where('id', '=', id).executeTakeFirst())?.name;

  listDefinitions = async (db: Db = this.db): Promise<DeviceAttributeRow[]> =>
    (await db.selectFrom('device_attributes').selectAll().orderBy('identifier').limit(1000).execute()).map((r) => ({
      ...r,
      id: Number(r.id),
    }));

  findDefinitionById = async (id: number, db: Db = this.db): Promise<DeviceAttributeRow | undefined> => {
    const r = await db.selectFrom('device_attributes').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { ...r, id: Number(r.id) };
  };

  insertDefinition = async (v: DeviceAttributeFields, now: number, db: Db): Promise<number> => {
    const row = await db
      .insertInto('device_attributes')
      .values({ ...v, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  };

  updateDefinition = async (id: number, v: Partial<DeviceAttributeFields>, now: number, db: Db): Promise<void> => {
    await db
      .updateTable('device_attributes')
      .set({ ...v, updated_at: now })
      .where('id', '=', id)
      .execute();
  };

  /** The definition and every device's value of it. */
  deleteDefinition = async (id: number, db: Db): Promise<void> => {
    await db.deleteFrom('device_attribute_values').where('attribute_id', '=', id).execute();
    await db.deleteFrom('device_attributes').where('id', '=', id).execute();
  };

  /** Values of a range attribute that are no longer in its range list are deleted; returns how many. */
  deleteValuesOutside = async (attributeId: number, range: readonly string[], db: Db): Promise<number> => {
    const r = await db
      .deleteFrom('device_attribute_values')
      .where('attribute_id', '=', attributeId)
      .where('value', 'not in', [...range])
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  };

  /** attribute id → value of one device. */
  listDeviceValues = async (deviceId: number, db: Db = this.db): Promise<Map<number, string>> => {
    const rows = await db
      .selectFrom('device_attribute_values')
      .select(['attribute_id', 'value'])
      .where('device_id', '=', deviceId)
      .execute();
    return new Map(rows.map((r) => [Number(r.attribute_id), r.value]));
  };

  /** Values of many devices (device id → attribute id → value), read a chunk at a time. */
  listValuesOfDevices = async (deviceIds: readonly number[]): Promise<Map<number, Map<number, string>>> => {
    const out = new Map<number, Map<number, string>>();
    for (let i = 0; i < deviceIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('device_attribute_values')
        .select(['device_id', 'attribute_id', 'value'])
        .where('device_id', 'in', deviceIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) {
        const id = Number(r.device_id);
        let m = out.get(id);
        if (!m) out.set(id, (m = new Map()));
        m.set(Number(r.attribute_id), r.value);
      }
    }
    return out;
  };

  /** Sets and resets values of one device. */
  putDeviceValues = async (deviceId: number, changes: ValueChanges, setBy: 'server' | 'device', now: number, db: Db): Promise<void> => {
    const sets = [...changes].filter((c): c is [number, string] => c[1] !== null);
    const resets = [...changes].filter(([, v]) => v === null).map(([id]) => id);
    if (resets.length)
      await db.deleteFrom('device_attribute_values').where('device_id', '=', deviceId).where('attribute_id', 'in', resets).execute();
    if (sets.length) {
      await db
        .insertInto('device_attribute_values')
        .values(sets.map(([attribute_id, value]) => ({ device_id: deviceId, attribute_id, value, updated_at: now, set_by: setBy })))
        .onConflict((oc) =>
          oc.columns(['device_id', 'attribute_id']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            updated_at: eb.ref('excluded.updated_at'),
            set_by: eb.ref('excluded.set_by'),
          })),
        )
        .execute();
    }
  };

  /**
   * Values reported by many devices, in one transaction. Devices or attributes deleted since
   * the report arrived are skipped (a foreign-key failure would fail the whole batch).
   */
  writeDeviceReports = async (batch: ReadonlyArray<[number, Record<number, string | null>]>, now: number): Promise<void> => {
    await transaction(this.db, async (trx) => {
      for (let i = 0; i < batch.length; i += CHUNK) {
        const part = batch.slice(i, i + CHUNK);
        const ids = part.map(([id]) => id);
        const existing = new Set((await trx.selectFrom('devices').select('id').where('id', 'in', ids).execute()).map((r) => Number(r.id)));
        const attrs = new Set((await trx.selectFrom('device_attributes').select('id').execute()).map((r) => Number(r.id)));
        for (const [deviceId, values] of part) {
          if (!existing.has(deviceId)) continue;
          const changes: ValueChanges = new Map();
          for (const [k, v] of Object.entries(values)) if (attrs.has(Number(k))) changes.set(Number(k), v);
          if (changes.size) await this.putDeviceValues(deviceId, changes, 'device', now, trx);
        }
      }
    });
  };
}
