import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder } from 'kysely';
import type { ApplyMode } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/types.js';
import type { DevicePatch } from '../devices/devices.repository.js';
import { heldByServer } from '../devices/device-rows.js';
import { subtreeCondition } from '../device-folders/device-folders.repository.js';
import { transaction } from '../../db/transaction.js';

/** Rows per IN (…) list: well below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

/** Settings key whose value changes whenever the shared tree (folders, profiles, folder assignments, switch) changes. */
export const TREE_GENERATION_KEY = 'profiles.generation';

/** A device's delivery state as a delivery pass needs it. */
export interface DeliveryStateRow {
  id: number;
  config_state: string | null;
  config_revision: number;
  config_apply: string;
  config_changed_at: number | null;
  config_applied_hash: string | null;
}

/** Only the fields present are written; guarded by `revision`. */
export type DeliveryStatePatch = { revision: number; state?: 'PENDING' | 'APPLIED'; hash?: string; error?: string | null };

/** The marking itself: a new revision, PENDING, with the apply mode and time of the change. */
const pendingRevision = (apply: ApplyMode, now: number) => (eb: ExpressionBuilder<Database, 'devices'>) => ({
  config_state: 'PENDING' as const,
  config_revision: eb('config_revision', '+', 1),
  config_apply: apply,
  config_changed_at: now,
});

/**
 * The per-device delivery state ("configuration revision"), its marking and its updates from
 * devices. The marking methods take the transaction of the change that made the marking
 * necessary: a change and the marking of the devices it affects commit together or not at all.
 */
export class DeliveryStateRepository {
  constructor(private readonly db: Db) {}

  /** Catch-up for lost wake-ups: devices connected to `serverId` with a pending revision. */
  /**
   * Devices held by `serverId` whose configuration was marked at or after `since` and is still
   * pending: the catch-up's read (cluster/wakeups.ts). Read from the recent markings
   * (devices_config_pending) with the presence checked per marking — not from the process's
   * devices with each one's row looked up, which SQLite's planner picks for a join (two equal
   * columns of the presence index look more selective to it than one of this one).
   */
  async listPendingOnServer(serverId: string, since: number, limit: number): Promise<Array<{ id: number; revision: number }>> {
    const rows = await this.db
      .selectFrom('devices')
      .select(['id', 'config_revision'])
      .where('config_state', '=', 'PENDING')
      .where('config_changed_at', '>=', since)
      .where(heldByServer('devices.id', serverId))
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), revision: Number(r.config_revision) }));
  }

  /** New revision, PENDING, apply mode and time for the given devices; returns those that exist. */
  async markDevices(trx: Db, ids: readonly number[], apply: ApplyMode, now: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await trx
        .updateTable('devices')
        .set(pendingRevision(apply, now))
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
      const rows = await trx
        .updateTable('devices')
        .set(pendingRevision(apply, now))
        .where(await subtreeCondition(trx, 'folder_id', folderIds.slice(i, i + CHUNK)))
        .returning('id')
        .execute();
      for (const r of rows) out.push(Number(r.id));
    }
    return out;
  }

  /** Every device: one statement (the priority switch changes what applies everywhere). */
  async markAllDevices(trx: Db, apply: ApplyMode, now: number): Promise<void> {
    await trx.updateTable('devices').set(pendingRevision(apply, now)).execute();
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

  /** Delivery state of the given devices (missing ids are left out). */
  async listDeliveryStates(ids: readonly number[]): Promise<DeliveryStateRow[]> {
    const out: DeliveryStateRow[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('devices')
        .select(['id', 'config_state', 'config_revision', 'config_apply', 'config_changed_at', 'config_applied_hash'])
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      out.push(...(rows as DeliveryStateRow[]));
    }
    return out;
  }

  /** Answers and delivery outcomes, in one transaction; a patch for an older revision changes nothing. */
  async updateDeliveryStates(batch: ReadonlyArray<readonly [number, DeliveryStatePatch]>, now: number): Promise<void> {
    // In id order: row locks taken in one order make lock cycles with concurrent markings unlikely.
    const ordered = [...batch].sort((a, b) => a[0] - b[0]);
    await transaction(this.db, async (trx) => {
      for (const [id, p] of ordered) {
        const set: DevicePatch = {};
        if (p.state === 'APPLIED')
          Object.assign(set, {
            config_state: 'APPLIED',
            config_applied_revision: p.revision,
            config_applied_hash: p.hash ?? null,
            config_applied_at: now,
          });
        if (p.state === 'PENDING') set.config_state = 'PENDING';
        if (p.error !== undefined) set.config_error = p.error;
        // Guarded by the revision: an answer to an older revision never marks a newer change applied.
        await trx.updateTable('devices').set(set).where('id', '=', id).where('config_revision', '=', p.revision).execute();
      }
    });
  }
}
