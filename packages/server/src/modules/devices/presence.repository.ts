import { sql, type ExpressionBuilder, type Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { DialectName } from '../../db/dialect.js';
import type { Database } from '../../db/types.js';
import type { DevicePatch } from './devices.repository.js';

const OFFLINE = { online: 0, connected_server: null } as const;
/** Rows per statement of the start-up reset on PostgreSQL (each is its own short transaction). */
const RESET_CHUNK = 2000;
/** How often the reset comes back for rows other writers hold (≈ 25 ms each) before giving up. */
const RESET_MAX_WAITS = 400;

/** Online state, last contact and reported facts of devices, written in batches by the presence service. */
export class PresenceRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
  ) {}

  /**
   * Devices left online by this server (or by none) go offline; returns how many.
   *
   * On PostgreSQL this runs while the other processes write presence batches for the very same
   * rows (in a reconnect storm the devices of this process's previous incarnation come online on
   * the others) and the lease holder may declare that incarnation dead: one bulk UPDATE then waits
   * on their row locks in its own order and deadlocks again on every retry. So it goes in id-ordered
   * chunks that skip rows locked at the moment — it never waits, a cycle cannot form — and comes
   * back for skipped rows that still qualify once their writers have committed (most no longer
   * do: they were being marked online elsewhere). SQLite serialises writers: one statement.
   */
  resetOnlineDevices = async (serverId: string, maxWaits = RESET_MAX_WAITS): Promise<number> => {
    const leftHere = (eb: ExpressionBuilder<Database, 'devices'>) =>
      eb.and([eb('online', '=', 1), eb.or([eb('connected_server', '=', serverId), eb('connected_server', 'is', null)])]);
    if (this.dialect === 'sqlite') {
      const r = await this.db.updateTable('devices').set(OFFLINE).where(leftHere).executeTakeFirst();
      return Number(r.numUpdatedRows);
    }
    let total = 0;
    for (let waits = 0; ;) {
      const r = await this.db
        .updateTable('devices')
        .set(OFFLINE)
        .where('id', 'in', (eb) =>
          eb.selectFrom('devices').select('id').where(leftHere).orderBy('id').limit(RESET_CHUNK).forUpdate().skipLocked(),
        )
        .executeTakeFirst();
      const n = Number(r.numUpdatedRows);
      total += n;
      if (n === RESET_CHUNK) continue;
      const left = await this.db.selectFrom('devices').select('id').where(leftHere).limit(1).executeTakeFirst();
      if (!left) return total;
      // Locked by a writer that has not committed yet: its batch is short.
      if (++waits > maxWaits) throw new Error(`devices of ${serverId} still locked after ${maxWaits} waits`);
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
  };

  /**
   * One transaction: the devices in `touched` get `lastContact` in one statement (the heartbeat
   * bulk); the other patches, one statement per shape on PostgreSQL, row by row on SQLite.
   */
  updatePresence = async (
    touched: readonly number[],
    lastContact: number,
    patches: ReadonlyArray<readonly [number, DevicePatch]>,
    serverId: string,
  ): Promise<void> => {
    const ids = [...touched].sort((a, b) => a - b);
    const sorted = [...patches].sort((a, b) => a[0] - b[0]);
    await this.db.transaction().execute(async (trx) => {
      // PostgreSQL: every row of the batch is locked first, in id order, as the lease holder's
      // declareDead does — two transactions that take the same rows in the same order queue, never
      // deadlock (seen in a reconnect storm: a batch's "online here" row against declareDead of the
      // process the device had been on). SQLite has one writer at a time.
      if (this.dialect === 'postgres') {
        const all = [...new Set([...ids, ...sorted.map(([id]) => id)])].sort((a, b) => a - b);
        if (all.length) await trx.selectFrom('devices').select('id').where('id', 'in', all).orderBy('id').forUpdate().execute();
      }
      if (ids.length) await trx.updateTable('devices').set({ last_contact: lastContact }).where('id', 'in', ids).execute();
      if (this.dialect === 'postgres') {
        for (const group of groupByShape(sorted)) await updateGroup(trx, group, serverId);
        return;
      }
      // SQLite runs in this process: a statement per row costs no round trip.
      for (const [id, patch] of sorted) {
        let q = trx.updateTable('devices').set(patch).where('id', '=', id);
        if (patch.online === 0) q = q.where(stillOursOrStale(serverId));
        await q.execute();
      }
    });
  };
}

type Patches = ReadonlyArray<readonly [number, DevicePatch]>;

/**
 * Offline only if still marked as connected here: the device may have moved to another server
 * process meanwhile, whose "online" must not be overwritten by this late "offline". (A row naming
 * a process that is no longer running is stale, e.g. after a fail-over: ours to fix.) Qualified
 * with the table: in PostgreSQL's UPDATE … FROM the new values carry the same column names.
 */
const stillOursOrStale = (serverId: string) =>
  sql<boolean>`(devices.connected_server = ${serverId} or devices.connected_server is null or not exists (select 1 from servers where servers.id = devices.connected_server and servers.status = 'running'))`;

/** The columns a patch sets (an undefined value sets nothing, as in Kysely's set()). */
const columnsOf = (patch: DevicePatch): string[] =>
  Object.entries(patch)
    .filter(([c, v]) => v !== undefined && c !== 'id')
    .map(([c]) => c);

/** Patches with the same columns (and the same offline guard) go into one statement. */
function groupByShape(patches: Patches): Patches[] {
  const groups = new Map<string, Array<readonly [number, DevicePatch]>>();
  for (const entry of patches) {
    const patch = entry[1];
    const shape = `${columnsOf(patch).sort().join(',')}|${patch.online === 0 ? 'off' : ''}`;
    const list = groups.get(shape);
    if (list) list.push(entry);
    else groups.set(shape, [entry]);
  }
  return [...groups.values()];
}

/**
 * PostgreSQL: one UPDATE … FROM for a group of same-shaped patches. The rows travel as one JSON
 * parameter that jsonb_populate_recordset turns into rows of the devices type, so every value gets
 * its column's type without a cast per column. Row by row, a batch of a reconnect storm was
 * hundreds of round trips, each waiting for a turn of a busy event loop while the transaction held
 * its row locks (seen at 20,000 devices: most backends "idle in transaction" on that UPDATE).
 */
async function updateGroup(trx: Transaction<Database>, group: Patches, serverId: string): Promise<void> {
  const first = group[0]![1];
  const columns = columnsOf(first);
  if (!columns.length) return;
  const rows = JSON.stringify(group.map(([id, patch]) => ({ ...patch, id })));
  const guard = first.online === 0 ? sql`and ${stillOursOrStale(serverId)}` : sql``;
  await sql`update devices set ${sql.join(columns.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))}
    from jsonb_populate_recordset(null::devices, ${rows}::jsonb) as v
    where devices.id = v.id ${guard}`.execute(trx);
}
