import { sql, type ExpressionBuilder, type Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { DialectName } from '../../db/dialect.js';
import type { Database, DevicePresenceTable } from '../../db/types.js';
import { lockPresenceRows } from './device-rows.js';
import type { DevicePatch } from './devices.repository.js';
import { transaction } from '../../db/transaction.js';

/** What the presence service writes: device_presence columns and reported facts of the device row. */
export type PresencePatch = DevicePatch & Partial<Omit<DevicePresenceTable, 'device_id'>>;
type PresenceColumns = Partial<Omit<DevicePresenceTable, 'device_id'>>;

const PRESENCE_COLUMNS: ReadonlySet<string> = new Set(['online', 'connected_server', 'last_contact', 'sysinfo', 'sysinfo_at']);
const OFFLINE = { online: 0, connected_server: null } as const;
/** Rows per statement of the start-up reset on PostgreSQL (each is its own short transaction). */
const RESET_CHUNK = 2000;
/** How often the reset comes back for rows other writers hold (≈ 25 ms each) before giving up. */
const RESET_MAX_WAITS = 400;

/**
 * Online state and last contact (device_presence) and reported facts (devices) of devices,
 * written in batches by the presence service. A device row is written only when a reported fact
 * differs from what it holds: a reconnect changes its presence row alone.
 */
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
    const leftHere = (eb: ExpressionBuilder<Database, 'device_presence'>) =>
      eb.and([eb('online', '=', 1), eb.or([eb('connected_server', '=', serverId), eb('connected_server', 'is', null)])]);
    if (this.dialect === 'sqlite') {
      const r = await this.db.updateTable('device_presence').set(OFFLINE).where(leftHere).executeTakeFirst();
      return Number(r.numUpdatedRows);
    }
    let total = 0;
    for (let waits = 0; ;) {
      const r = await this.db
        .updateTable('device_presence')
        .set(OFFLINE)
        .where('device_id', 'in', (eb) =>
          eb
            .selectFrom('device_presence')
            .select('device_id')
            .where(leftHere)
            .orderBy('device_id')
            .limit(RESET_CHUNK)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst();
      const n = Number(r.numUpdatedRows);
      total += n;
      if (n === RESET_CHUNK) continue;
      const left = await this.db.selectFrom('device_presence').select('device_id').where(leftHere).limit(1).executeTakeFirst();
      if (!left) return total;
      // Locked by a writer that has not committed yet: its batch is short.
      if (++waits > maxWaits) throw new Error(`devices of ${serverId} still locked after ${maxWaits} waits`);
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
  };

  /**
   * One transaction: the devices in `touched` get `lastContact` in one statement (the heartbeat
   * bulk); the other patches go to device_presence and, where a reported fact changed, to
   * devices — one statement per shape on PostgreSQL, row by row on SQLite.
   */
  updatePresence = async (
    touched: readonly number[],
    lastContact: number,
    patches: ReadonlyArray<readonly [number, PresencePatch]>,
    serverId: string,
  ): Promise<void> => {
    const ids = [...touched].sort((a, b) => a - b);
    const presence: Array<readonly [number, PresenceColumns]> = [];
    const facts: Array<readonly [number, DevicePatch]> = [];
    for (const [id, patch] of [...patches].sort((a, b) => a[0] - b[0])) {
      const [p, f] = splitPresencePatch(patch);
      if (Object.keys(p).length) presence.push([id, p]);
      if (Object.keys(f).length) facts.push([id, f]);
    }
    await transaction(this.db, async (trx) => {
      // PostgreSQL: every presence row of the batch is locked first, in id order, as the lease
      // holder's declareDead does — two transactions that take the same rows in the same order
      // queue, never deadlock (seen in a reconnect storm: a batch's "online here" row against
      // declareDead of the process the device had been on). SQLite has one writer at a time.
      if (this.dialect === 'postgres') await lockPresenceRows(trx, [...ids, ...presence.map(([id]) => id)]);
      if (ids.length) await trx.updateTable('device_presence').set({ last_contact: lastContact }).where('device_id', 'in', ids).execute();
      if (this.dialect === 'postgres') {
        for (const group of groupByShape(presence)) await updatePresenceGroup(trx, group, serverId);
        for (const group of groupByShape(facts)) await updateFactsGroup(trx, group);
        return;
      }
      // SQLite runs in this process: a statement per row costs no round trip.
      for (const [id, patch] of presence) {
        let q = trx.updateTable('device_presence').set(patch).where('device_id', '=', id);
        if (patch.online === 0) q = q.where(stillOursOrStale(serverId));
        await q.execute();
      }
      for (const [id, patch] of facts) {
        await trx.updateTable('devices').set(patch).where('id', '=', id).where(anyDiffers(patch)).execute();
      }
    });
  };
}

/** A patch's device_presence columns and its device-row columns. */
export function splitPresencePatch(patch: PresencePatch): [PresenceColumns, DevicePatch] {
  const p: Record<string, unknown> = {};
  const f: Record<string, unknown> = {};
  for (const [c, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    (PRESENCE_COLUMNS.has(c) ? p : f)[c] = v;
  }
  return [p as PresenceColumns, f as DevicePatch];
}

/** SQLite: the row differs from `patch` in some column (`is not` is null-safe). */
const anyDiffers = (patch: DevicePatch) =>
  sql<boolean>`(${sql.join(
    columnsOf(patch).map((c) => sql`${sql.ref(c)} is not ${(patch as Record<string, unknown>)[c]}`),
    sql` or `,
  )})`;

type Patches<P> = ReadonlyArray<readonly [number, P]>;

/**
 * Offline only if still marked as connected here: the device may have moved to another server
 * process meanwhile, whose "online" must not be overwritten by this late "offline". (A row naming
 * a process that is no longer running is stale, e.g. after a fail-over: ours to fix.) Qualified
 * with the table: in PostgreSQL's UPDATE … FROM the new values carry the same column names.
 */
const stillOursOrStale = (serverId: string) =>
  sql<boolean>`(device_presence.connected_server = ${serverId} or device_presence.connected_server is null or not exists (select 1 from servers where servers.id = device_presence.connected_server and servers.status = 'running'))`;

/** The columns a patch sets (an undefined value sets nothing, as in Kysely's set()). */
const columnsOf = (patch: object): string[] =>
  Object.entries(patch)
    .filter(([c, v]) => v !== undefined && c !== 'id')
    .map(([c]) => c);

/** Patches with the same columns (and the same offline guard) go into one statement. */
function groupByShape<P extends object>(patches: Patches<P>): Array<Patches<P>> {
  const groups = new Map<string, Array<readonly [number, P]>>();
  for (const entry of patches) {
    const patch = entry[1];
    const shape = `${columnsOf(patch).sort().join(',')}|${(patch as PresenceColumns).online === 0 ? 'off' : ''}`;
    const list = groups.get(shape);
    if (list) list.push(entry);
    else groups.set(shape, [entry]);
  }
  return [...groups.values()];
}

/**
 * PostgreSQL: one UPDATE … FROM for a group of same-shaped patches. The rows travel as one JSON
 * parameter that jsonb_populate_recordset turns into rows of the table's type, so every value gets
 * its column's type without a cast per column. Row by row, a batch of a reconnect storm was
 * hundreds of round trips, each waiting for a turn of a busy event loop while the transaction held
 * its row locks (seen at 20,000 devices: most backends "idle in transaction" on that UPDATE).
 */
async function updatePresenceGroup(trx: Transaction<Database>, group: Patches<PresenceColumns>, serverId: string): Promise<void> {
  const first = group[0]![1];
  const columns = columnsOf(first);
  const rows = JSON.stringify(group.map(([id, patch]) => ({ ...patch, device_id: id })));
  const guard = first.online === 0 ? sql`and ${stillOursOrStale(serverId)}` : sql``;
  await sql`update device_presence set ${sql.join(columns.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))}
    from jsonb_populate_recordset(null::device_presence, ${rows}::jsonb) as v
    where device_presence.device_id = v.device_id ${guard}`.execute(trx);
}

/**
 * The reported facts of a group, for the rows where one differs: a device that reconnects with
 * what it reported before leaves its wide, many-indexed row alone (no new row version, no index
 * entries, no copy of the system-information text).
 */
async function updateFactsGroup(trx: Transaction<Database>, group: Patches<DevicePatch>): Promise<void> {
  const columns = columnsOf(group[0]![1]);
  const rows = JSON.stringify(group.map(([id, patch]) => ({ ...patch, id })));
  const ref = (c: string) => sql.ref(`devices.${c}`);
  await sql`update devices set ${sql.join(columns.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))}
    from jsonb_populate_recordset(null::devices, ${rows}::jsonb) as v
    where devices.id = v.id
      and (${sql.join(columns.map((c) => ref(c)))}) is distinct from (${sql.join(columns.map((c) => sql`v.${sql.ref(c)}`))})`.execute(trx);
}
