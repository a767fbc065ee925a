import type { ApplyMode } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { transaction as plainTransaction } from '../../db/transaction.js';
import type { Clock } from '../../lib/clock.js';
import { crashPoint } from '../../lib/crash-points.js';
import type { ProfilesRepository, Target } from '../profiles/profiles.repository.js';
import type { DeliveryStateRepository } from './delivery-state.repository.js';

/** Devices whose configuration may have changed: the ones marked, or every device. */
export type MarkedDevices = readonly number[] | 'all';

/** Wakes the delivery for marked devices once their marking is committed. */
export interface DeliveryQueue {
  deliverMarked(marked: MarkedDevices): void;
}

/**
 * What a change says about the devices it affects, inside its transaction. Each call marks the
 * devices at once (new revision, PENDING), in that transaction.
 */
export interface ConfigurationMarker {
  /** These devices (moved, own configuration changed, assigned directly …). Each returns how many devices it marked. */
  devices(ids: readonly number[], apply?: ApplyMode): Promise<number>;
  /** Every device in these folders and below (folder moved, folder assignment …). */
  folders(ids: readonly number[], apply?: ApplyMode): Promise<number>;
  /** Devices reached through these assignment targets. */
  targets(targets: readonly Target[], apply?: ApplyMode): Promise<number>;
  /** Devices the profile reaches now; call it before removing the profile's assignments. */
  profile(id: number, apply?: ApplyMode): Promise<number>;
  /** Every device (the priority switch). */
  all(apply?: ApplyMode): Promise<void>;
  /** The shared tree (folders, profiles, folder assignments, the switch) changed: caches reload. */
  tree(): Promise<void>;
}

type Transaction = <T>(fn: (trx: Db) => Promise<T>) => Promise<T>;

/**
 * The one use case every configuration change goes through (profiles, assignments, folders,
 * devices, a device's own configuration, reports from devices). The change and the marking of
 * every device it affects commit in one transaction; only then are connected devices woken. A
 * crash after the commit loses nothing: the devices are PENDING in the database and get the
 * change when they connect again (hello compares the store hash, see ConfigurationDeliveryService).
 */
export class ConfigurationChanges {
  constructor(
    private readonly db: Db,
    private readonly state: DeliveryStateRepository,
    private readonly profiles: Pick<ProfilesRepository, 'listProfileTargets'>,
    private readonly delivery: DeliveryQueue,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `work` and its marking in one transaction, then wakes delivery. `transaction` replaces
   * the plain transaction when the caller needs its own (e.g. one that locks the folder tree).
   * `work` may run more than once (a deadlock on PostgreSQL runs the transaction again): it keeps
   * everything it collects inside itself.
   */
  async change<T>(work: (trx: Db, mark: ConfigurationMarker) => Promise<T>, transaction?: Transaction): Promise<T> {
    const marked = { all: false, ids: new Set<number>() };
    const begin: Transaction = transaction ?? ((fn) => plainTransaction(this.db, fn));
    const result = await begin(async (trx) => {
      // A run again after a deadlock (db/transaction.ts) starts with nothing marked.
      marked.all = false;
      marked.ids.clear();
      return work(trx, this.marker(trx, marked));
    });
    crashPoint('configuration-committed');
    if (marked.all) this.delivery.deliverMarked('all');
    else if (marked.ids.size) this.delivery.deliverMarked([...marked.ids]);
    return result;
  }

  /**
   * Marks inside a transaction its caller opened and commits (a device enrolling gets its network
   * name): the marking commits with it, and nothing is woken — that device is not connected yet,
   * and its first hello compares the store hash. A wake-up from here would precede the commit.
   */
  async markWithin<T>(trx: Db, work: (mark: ConfigurationMarker) => Promise<T>): Promise<T> {
    return work(this.marker(trx, { all: false, ids: new Set() }));
  }

  /** A marker that marks in `trx` and notes in `marked` what to wake after the commit. */
  private marker(trx: Db, marked: { all: boolean; ids: Set<number> }): ConfigurationMarker {
    const now = this.clock.now();
    const add = (ids: readonly number[]) => {
      for (const id of ids) marked.ids.add(id);
      return ids;
    };
    const mark: ConfigurationMarker = {
      devices: async (ids, apply = 'now') => add(await this.state.markDevices(trx, ids, apply, now)).length,
      folders: async (ids, apply = 'now') => add(await this.state.markDevicesUnderFolders(trx, ids, apply, now)).length,
      targets: async (targets, apply = 'now') => {
        const direct = add(
          await this.state.markDevices(
            trx,
            targets.filter((t) => t.type === 'device').map((t) => t.id),
            apply,
            now,
          ),
        );
        const viaFolders = add(
          await this.state.markDevicesUnderFolders(
            trx,
            targets.filter((t) => t.type === 'folder').map((t) => t.id),
            apply,
            now,
          ),
        );
        return new Set([...direct, ...viaFolders]).size;
      },
      profile: async (id, apply = 'now') => mark.targets(await this.profiles.listProfileTargets(id, trx), apply),
      all: async (apply = 'now') => {
        await this.state.markAllDevices(trx, apply, now);
        marked.all = true;
      },
      tree: () => this.state.bumpTreeGeneration(trx),
    };
    return mark;
  }
}
