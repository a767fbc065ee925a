import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { DefaultFolderRulesTable } from '../../db/types.js';
import { DEVICE_COLUMNS, type DeviceRow } from '../devices/devices.repository.js';

export type RuleRow = Selectable<DefaultFolderRulesTable> & { id: number };
export type RuleInsert = Omit<DefaultFolderRulesTable, 'id'>;
export type RulePatch = Partial<Omit<DefaultFolderRulesTable, 'id' | 'created_at'>>;
/** A device as rules see it, with what the rules still owe it. */
export type RuleDeviceRow = DeviceRow & { pending: number | null; applied_at: number | null };

/** The settings key whose value changes with every change of the rules (the per-process cache compares it). */
const VERSION_KEY = 'default_folder_rules.version';
const CHUNK = 500;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const normRule = (r: Selectable<DefaultFolderRulesTable>): RuleRow => ({
  ...r,
  id: Number(r.id),
  parent_id: num(r.parent_id),
  position: Number(r.position),
  target_folder_id: num(r.target_folder_id),
  prefix_length: num(r.prefix_length),
  overrides_existing: Number(r.overrides_existing),
  apply_at_boot: Number(r.apply_at_boot),
  leave_in_subfolder: Number(r.leave_in_subfolder),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

export class DefaultFolderRulesRepository {
  constructor(readonly db: Db) {}

  /** Every rule, by parent and position (the tree is small: at most DEFAULT_FOLDER_RULES_MAX). */
  listRules = async (db: Db = this.db): Promise<RuleRow[]> =>
    (await db.selectFrom('default_folder_rules').selectAll().orderBy('parent_id').orderBy('position').orderBy('id').execute()).map(
      normRule,
    );

  findRule = async (id: number, db: Db = this.db): Promise<RuleRow | undefined> => {
    const r = await db.selectFrom('default_folder_rules').selectAll().where('id', '=', id).executeTakeFirst();
    return r && normRule(r);
  };

  insertRule = async (row: RuleInsert, db: Db): Promise<number> =>
    Number((await db.insertInto('default_folder_rules').values(row).returning('id').executeTakeFirstOrThrow()).id);

  updateRule = async (id: number, patch: RulePatch, db: Db): Promise<void> => {
    await db.updateTable('default_folder_rules').set(patch).where('id', '=', id).execute();
  };

  deleteRules = async (ids: readonly number[], db: Db): Promise<void> => {
    for (let i = 0; i < ids.length; i += CHUNK)
      await db
        .deleteFrom('default_folder_rules')
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
  };

  /** Siblings of `parentId` in order, ids only. */
  listSiblingIds = async (parentId: number | null, db: Db): Promise<number[]> => {
    let q = db.selectFrom('default_folder_rules').select('id').orderBy('position').orderBy('id');
    q = parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parentId);
    return (await q.execute()).map((r) => Number(r.id));
  };

  /** Positions 0…n-1 in the given order (only rows whose position changes are written). */
  setPositions = async (ordered: readonly number[], current: ReadonlyMap<number, number>, db: Db): Promise<void> => {
    for (let i = 0; i < ordered.length; i++) {
      const id = ordered[i]!;
      if (current.get(id) !== i) await db.updateTable('default_folder_rules').set({ position: i }).where('id', '=', id).execute();
    }
  };

  countRules = async (db: Db): Promise<number> =>
    Number(
      (
        await db
          .selectFrom('default_folder_rules')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  // ── the version stamp ──
  readVersion = async (db: Db = this.db): Promise<string> =>
    (await db.selectFrom('settings').select('value').where('key', '=', VERSION_KEY).executeTakeFirst())?.value ?? '';

  /** A new stamp, in the transaction of the change. */
  bumpVersion = async (db: Db): Promise<void> => {
    const value = randomUUID();
    await db
      .insertInto('settings')
      .values({ key: VERSION_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  };

  // ── folders ──
  /** Every folder's parent and name (for paths and "below"); folder trees are far smaller than device lists. */
  listFolders = async (db: Db = this.db): Promise<Map<number, { name: string; parentId: number | null }>> => {
    const rows = await db.selectFrom('device_folders').select(['id', 'name', 'parent_id']).execute();
    return new Map(rows.map((r) => [Number(r.id), { name: r.name, parentId: num(r.parent_id) }]));
  };

  /** Which of these folders exist. */
  existingFolderIds = async (ids: readonly number[], db: Db = this.db): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await db
        .selectFrom('device_folders')
        .select('id')
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      out.push(...rows.map((r) => Number(r.id)));
    }
    return out;
  };

  findFolder = async (id: number, db: Db = this.db): Promise<{ id: number; parentId: number | null } | undefined> => {
    const r = await db.selectFrom('device_folders').select(['id', 'parent_id']).where('id', '=', id).executeTakeFirst();
    return r && { id: Number(r.id), parentId: num(r.parent_id) };
  };

  findChildFolder = async (parentId: number | null, name: string, db: Db = this.db): Promise<number | undefined> => {
    let q = db.selectFrom('device_folders').select('id').where('name', '=', name);
    q = parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parentId);
    const r = await q.orderBy('id').executeTakeFirst();
    return r ? Number(r.id) : undefined;
  };

  // ── devices ──
  findDevice = async (id: number, db: Db = this.db): Promise<RuleDeviceRow | undefined> => (await this.listDevices([id], db))[0];

  /** Devices with their rule state, in chunks. */
  listDevices = async (ids: readonly number[], db: Db = this.db): Promise<RuleDeviceRow[]> => {
    const out: RuleDeviceRow[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await db
        .selectFrom('devices as d')
        .innerJoin('device_presence as p', 'p.device_id', 'd.id')
        .leftJoin('device_folder_rules as r', 'r.device_id', 'd.id')
        // Unqualified: the names are unique across the three tables.
        .select(DEVICE_COLUMNS)
        .select(['r.pending', 'r.applied_at'])
        .where('d.id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const r of rows)
        out.push({
          ...r,
          id: Number(r.id),
          folder_id: num(r.folder_id),
          pending: num(r.pending),
          applied_at: num(r.applied_at),
        } as unknown as RuleDeviceRow);
    }
    return out;
  };

  /** Attribute values of these devices, by device and attribute id (only read when a rule names an attribute). */
  listAttributeValues = async (ids: readonly number[], db: Db = this.db): Promise<Map<number, Map<number, string>>> => {
    const out = new Map<number, Map<number, string>>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await db
        .selectFrom('device_attribute_values')
        .select(['device_id', 'attribute_id', 'value'])
        .where('device_id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) {
        const id = Number(r.device_id);
        const m = out.get(id) ?? new Map<number, string>();
        m.set(Number(r.attribute_id), r.value);
        out.set(id, m);
      }
    }
    return out;
  };

  /** What the rules owe a device after registration (see the migration). */
  setPending = async (deviceId: number, pending: number, at: number, db: Db): Promise<void> => {
    await db
      .insertInto('device_folder_rules')
      .values({ device_id: deviceId, pending, applied_at: at })
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ pending, applied_at: at }))
      .execute();
  };

  /** Pending registration: 2 when the device is in a folder (a membership), else 1. */
  setPendingFromFolder = async (deviceId: number, at: number, db: Db): Promise<void> => {
    await db
      .insertInto('device_folder_rules')
      .columns(['device_id', 'pending', 'applied_at'])
      .expression((eb) =>
        eb
          .selectFrom('devices')
          .select((e) => ['id', e.case().when('folder_id', 'is', null).then(1).else(2).end().as('pending'), sql.lit(at).as('applied_at')])
          .where('id', '=', deviceId),
      )
      .onConflict((oc) => oc.column('device_id').doUpdateSet((eb) => ({ pending: eb.ref('excluded.pending'), applied_at: at })))
      .execute();
  };

  /** The rules ran for these devices at `at`: nothing pending. */
  markApplied = async (ids: readonly number[], at: number, db: Db = this.db): Promise<void> => {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      // Through a select, so a device deleted meanwhile is skipped rather than failing the batch.
      await db
        .insertInto('device_folder_rules')
        .columns(['device_id', 'pending', 'applied_at'])
        .expression((eb) =>
          eb
            .selectFrom('devices')
            .select(['id', sql.lit(0).as('pending'), sql.lit(at).as('applied_at')])
            .where('id', 'in', chunk),
        )
        .onConflict((oc) => oc.column('device_id').doUpdateSet({ pending: 0, applied_at: at }))
        .execute();
    }
  };
}
