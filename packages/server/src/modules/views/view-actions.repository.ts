import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import { devicesWithPresence } from '../devices/device-rows.js';

/** Rows per IN (…) list: well below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

/** Reads of the view actions (export columns, the devices a call acts on, assignments already there). */
export class ViewActionsRepository {
  constructor(readonly db: Db) {}

  /** Devices meeting `where`, by id after `afterId`: one keyset page of ids and versions. */
  listMatchingDevices = async (
    where: RawBuilder<boolean>,
    afterId: number,
    limit: number,
    db: Db = this.db,
  ): Promise<Array<{ id: number; version: string | null }>> => {
    const rows = await devicesWithPresence(db)
      .select(['id', 'version'])
      .where(where)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), version: r.version }));
  };

  /** Attribute definitions by identifier (the export's `attribute:<identifier>` columns). */
  findAttributesByIdentifier = async (identifiers: readonly string[]): Promise<Map<string, number>> => {
    if (!identifiers.length) return new Map();
    const rows = await this.db
      .selectFrom('device_attributes')
      .select(['id', 'identifier'])
      .where('identifier', 'in', [...identifiers])
      .execute();
    return new Map(rows.map((r) => [r.identifier, Number(r.id)]));
  };

  /** Values of these attributes on these devices: device id → attribute id → value. */
  listAttributeValues = async (
    deviceIds: readonly number[],
    attributeIds: readonly number[],
  ): Promise<Map<number, Map<number, string>>> => {
    const out = new Map<number, Map<number, string>>();
    if (!deviceIds.length || !attributeIds.length) return out;
    for (let i = 0; i < deviceIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('device_attribute_values')
        .select(['device_id', 'attribute_id', 'value'])
        .where('device_id', 'in', deviceIds.slice(i, i + CHUNK))
        .where('attribute_id', 'in', [...attributeIds])
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

  /** Of these devices, those the profile is assigned to directly. */
  listDirectlyAssigned = async (profileId: number, deviceIds: readonly number[]): Promise<Set<number>> => {
    const out = new Set<number>();
    for (let i = 0; i < deviceIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('profile_assignments')
        .select('target_id')
        .where('profile_id', '=', profileId)
        .where('target_type', '=', 'device')
        .where('target_id', 'in', deviceIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.add(Number(r.target_id));
    }
    return out;
  };

  /** How many devices meet `where` (stopping at `max + 1`: enough to tell "more than max"). */
  countMatchingDevicesUpTo = async (where: RawBuilder<boolean>, max: number, db: Db = this.db): Promise<number> => {
    const r = await sql<{
      n: number | string;
    }>`select count(*) as n from (select id from devices join device_presence on device_presence.device_id = devices.id where ${where} limit ${max + 1}) as m`.execute(
      db,
    );
    return Number(r.rows[0]?.n ?? 0);
  };
}
