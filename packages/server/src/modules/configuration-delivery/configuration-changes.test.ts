import { describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.js';
import { ConfigurationChanges, type MarkedDevices } from './configuration-changes.js';
import type { DeliveryStateRepository } from './delivery-state.repository.js';

/** In-memory stand-ins: a transaction that records what ran in it, devices in folders, a delivery queue. */
function setup(devicesByFolder: Record<number, number[]> = {}, targets: Array<{ type: 'device' | 'folder'; id: number }> = []) {
  const log: string[] = [];
  const delivered: MarkedDevices[] = [];
  let open = 0;
  const trxToken = { name: 'trx' } as unknown as Db;
  const db = {
    transaction: () => ({
      execute: async <T>(fn: (trx: Db) => Promise<T>) => {
        log.push('begin');
        open++;
        try {
          const r = await fn(trxToken);
          log.push('commit');
          return r;
        } catch (err) {
          log.push('rollback');
          throw err;
        } finally {
          open--;
        }
      },
    }),
  } as unknown as Db;
  const inTrx = (trx: Db) => {
    expect(trx).toBe(trxToken);
    expect(open).toBe(1);
  };
  const state = {
    markDevices: async (trx: Db, ids: readonly number[]) => (inTrx(trx), log.push(`mark ${ids.join(',')}`), [...ids]),
    markDevicesUnderFolders: async (trx: Db, folders: readonly number[]) => {
      inTrx(trx);
      log.push(`mark folders ${folders.join(',')}`);
      return folders.flatMap((f) => devicesByFolder[f] ?? []);
    },
    markAllDevices: async (trx: Db) => (inTrx(trx), log.push('mark all')),
    bumpTreeGeneration: async (trx: Db) => (inTrx(trx), log.push('tree')),
  } as unknown as DeliveryStateRepository;
  const profiles = { listProfileTargets: async (id: number, trx: Db) => (inTrx(trx), log.push(`targets of ${id}`), targets) };
  const delivery = { deliverMarked: (m: MarkedDevices) => (log.push('deliver'), delivered.push(m)) };
  const changes = new ConfigurationChanges(db, state, profiles as never, delivery, { now: () => 1000 });
  return { changes, log, delivered };
}

describe('ConfigurationChanges (in-memory fakes)', () => {
  it('marks inside the change transaction and wakes delivery once, after the commit, with each device once', async () => {
    const { changes, log, delivered } = setup({ 7: [70, 71] });
    const counts = await changes.change(async (_trx, mark) => {
      const n = [await mark.devices([70, 5]), await mark.folders([7])];
      await mark.tree();
      return n;
    });
    expect(counts).toEqual([2, 2]);
    expect(log).toEqual(['begin', 'mark 70,5', 'mark folders 7', 'tree', 'commit', 'deliver']);
    expect(delivered).toEqual([[70, 5, 71]]);
  });

  it('wakes nobody when the change fails: the marking rolls back with it', async () => {
    const { changes, log, delivered } = setup();
    await expect(
      changes.change(async (_trx, mark) => {
        await mark.devices([1]);
        throw new Error('folder name taken');
      }),
    ).rejects.toThrow('folder name taken');
    expect(log).toEqual(['begin', 'mark 1', 'rollback']);
    expect(delivered).toEqual([]);
  });

  it("finds a profile's devices through its targets and counts a device reached twice once", async () => {
    const { changes, delivered } = setup({ 3: [30, 31] }, [
      { type: 'device', id: 30 },
      { type: 'folder', id: 3 },
    ]);
    expect(await changes.change((_trx, mark) => mark.profile(9))).toBe(2);
    expect(delivered).toEqual([[30, 31]]);
  });

  it('marks every device with one statement and delivers to all; nothing marked, nothing delivered', async () => {
    const all = setup();
    await all.changes.change((_trx, mark) => mark.all());
    expect(all.delivered).toEqual(['all']);
    const none = setup();
    await none.changes.change(async (_trx, mark) => void (await mark.tree()));
    expect(none.delivered).toEqual([]);
  });

  it("runs in the caller's own transaction when it gives one (the folder tree lock)", async () => {
    const { changes, log } = setup();
    const own = async <T>(fn: (trx: Db) => Promise<T>) => {
      log.push('own');
      return (changes as unknown as { db: Db }).db.transaction().execute(fn);
    };
    await changes.change((_trx, mark) => mark.devices([2]), own);
    expect(log).toEqual(['own', 'begin', 'mark 2', 'commit', 'deliver']);
  });
});
