import { randomUUID } from 'node:crypto';
import type { ApplyMode } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { Target } from '../profiles/profiles.repository.js';

/** Rows per IN (…) list: well below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

/** Settings key whose value changes whenever the shared tree (folders, profiles, folder assignments, switch) changes. */
export const TREE_GENERATION_KEY = 'profiles.generation';


/**
 * The per-device delivery state ("configuration revision") and its marking. Every method takes
 * the transaction of the change that made the marking necessary: a change and the marking of
 * the devices it affects commit together or not at all.
 */
export class DeliveryStateRepository {
  /** New revision, PENDING, apply mode and time for the given devices; returns those that exist. */
  async markDevices(trx: Db, ids: readonly number[], apply: ApplyMode, now: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await trx
        .updateTable('devices')
        .set((eb) => ({ config_state: 'PENDING', config_revision: eb('config_revision', '+', 1), config_apply: apply, config_changed_at: now }))
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .returning('id')
        .execute();
      for (const r of rows) out.push(Number(r.id));
    }
    return out;
  }

  /** Marks every device in the folders or anywhere below them, in one statement per chunk of folders. */
  async markDevicesUnderFolders(trx: Db, folderIds: readonly number[], apply: ApplyMode, now: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < folderIds.length; i += CHUNK) {
      const roots = folderIds.slice(i, i + CHUNK);
      const rows = await trx
        .withRecursive('subtree(id)', (db) =>
          db
            .selectFrom('device_folders')
            .select('id')
            .where('id', 'in', roots)
            .union(db.selectFrom('device_folders as f').innerJoin('subtree', 'subtree.id', 'f.parent_id').select('f.id')),
        )
        .updateTable('devices')
        .set((eb) => ({ config_state: 'PENDING', config_revision: eb('config_revision', '+', 1), config_apply: apply, config_changed_at: now }))
        .where('folder_id', 'in', (eb) => eb.selectFrom('subtree').select('subtree.id'))
        .returning('id')
        .execute();
      for (const r of rows) out.push(Number(r.id));
    }
    return out;
  }

  /** Every device: one statement (the priority switch changes what applies everywhere). */
  async markAllDevices(trx: Db, apply: ApplyMode, now: number): Promise<void> {
    await trx
      .updateTable('devices')
      .set((eb) => ({ config_state: 'PENDING', config_revision: eb('config_revision', '+', 1), config_apply: apply, config_changed_at: now }))
      .execute();
  }

  /** Where a profile is assigned now (read inside the change, before it removes assignments). */
  async listProfileTargets(trx: Db, profileId: number): Promise<Target[]> {
    const rows = await trx.selectFrom('profile_assignments').select(['target_type', 'target_id']).where('profile_id', '=', profileId).execute();
    return rows.map((r) => ({ type: r.target_type, id: Number(r.target_id) }));
  }

  /** A new tree generation: every process sharing the database reloads its cached tree. */
  async bumpTreeGeneration(trx: Db): Promise<void> {
    const value = randomUUID();
    await trx
      .insertInto('settings')
      .values({ key: TREE_GENERATION_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
