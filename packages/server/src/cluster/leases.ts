import type { Db } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';

/** Leases in the database: at most one holder per name until `expires_at`. */
export class LeasesRepository {
  constructor(private readonly db: Db) {}

  /** Takes the lease, or renews it when `holder` has it; false when another live holder has it. */
  tryAcquire = async (name: string, holder: string, now: number, ttlMs: number): Promise<boolean> => {
    const r = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: now + ttlMs })
          .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', now)])),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  };

  release = async (name: string, holder: string): Promise<void> => {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  };

  releaseAll = async (holder: string, db: Db = this.db): Promise<number> => {
    const r = await db.deleteFrom('leases').where('holder', '=', holder).executeTakeFirst();
    return Number(r.numDeletedRows);
  };

  holderOf = async (name: string): Promise<{ holder: string; expires_at: number } | undefined> =>
    this.db.selectFrom('leases').select(['holder', 'expires_at']).where('name', '=', name).executeTakeFirst();

  /** Every lease (a row per singleton task: a few dozen at most), in one read. */
  list = async (): Promise<Array<{ name: string; holder: string; expires_at: number }>> =>
    this.db.selectFrom('leases').select(['name', 'holder', 'expires_at']).execute();

  /** Renews, in one statement, those of `names` that `holder` still has; returns their names. */
  renew = async (names: readonly string[], holder: string, now: number, ttlMs: number): Promise<Set<string>> => {
    if (!names.length) return new Set();
    const rows = await this.db
      .updateTable('leases')
      .set({ expires_at: now + ttlMs })
      .where('holder', '=', holder)
      .where('name', 'in', [...names])
      .returning('name')
      .execute();
    return new Set(rows.map((r) => r.name));
  };
}

/** What SingletonTasks needs of the leases table (LeasesRepository; a fake in unit tests). */
export type Leases = Pick<LeasesRepository, 'tryAcquire' | 'release' | 'list' | 'renew'>;

export interface SingletonTask {
  /** Lease name; one process of the cluster runs the task at a time. */
  name: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

export interface SingletonOptions {
  /** How often leases are renewed or tried (default 5 s). */
  tickMs?: number;
  /** Lease lifetime (default 20 s): a dead holder's tasks move to another process within ttl + tick. */
  ttlMs?: number;
}

/**
 * Periodic work that must run once per cluster (command expiry, purges, dead-server cleanup):
 * every tick each process reads the leases (one statement), renews those it holds (one statement
 * for all of them) and tries to take only those that are free or expired; the holder runs the task
 * when it is due. A process that holds nothing therefore costs one small read per tick, however
 * many tasks there are (it was one upsert per task and tick). A holder that dies stops renewing,
 * and another process takes over within ttl + tick (25 s by default). Works the same on SQLite
 * (one host) and PostgreSQL.
 */
export class SingletonTasks {
  private readonly tasks: Array<SingletonTask & { lastRun: number; held: boolean; running: boolean }> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly tickMs: number;
  private readonly ttlMs: number;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly leases: Leases,
    private readonly holder: string,
    private readonly clock: Clock,
    private readonly log: Logger | null,
    options: SingletonOptions = {},
  ) {
    this.tickMs = options.tickMs ?? 5000;
    this.ttlMs = options.ttlMs ?? 20_000;
  }

  add(task: SingletonTask): void {
    this.tasks.push({ ...task, lastRun: 0, held: false, running: false });
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** Names of the leases this process holds now. */
  held(): string[] {
    return this.tasks.filter((t) => t.held).map((t) => t.name);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    for (const t of this.tasks) {
      if (t.held) await this.leases.release(t.name, this.holder).catch(() => undefined);
      t.held = false;
    }
  }

  /** One round: take or renew each lease, run the due tasks held. Exposed for tests. */
  tick(): Promise<void> {
    this.ticking ??= this.round().finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async round(): Promise<void> {
    const now = this.clock.now();
    let held: Set<string>;
    try {
      held = await this.acquire(now);
    } catch (err) {
      // Without the database we cannot know; stop running the tasks until the leases are renewed.
      // One line when held leases are lost; retries during an outage only at debug level.
      if (this.tasks.some((t) => t.held)) this.log?.warn({ err: (err as Error).message }, 'leases not renewed');
      else this.log?.debug({ err: (err as Error).message }, 'leases not renewed');
      for (const t of this.tasks) t.held = false;
      return;
    }
    for (const t of this.tasks) {
      const isHeld = held.has(t.name);
      if (isHeld && !t.held) this.log?.info({ lease: t.name }, 'lease taken: this process runs the task');
      t.held = isHeld;
      if (t.held && !t.running && now - t.lastRun >= t.intervalMs) {
        t.running = true;
        t.lastRun = now;
        void t
          .run()
          .catch((err: unknown) => this.log?.error({ err, task: t.name }, 'singleton task failed'))
          .finally(() => (t.running = false));
      }
    }
  }

  /**
   * The names of the leases this process holds after this round: one read of every lease, one
   * renewal of those it had, and an attempt (compare-and-set, as before) on each free or expired
   * one — so a steady cluster costs one read per process and tick, plus one write on each holder.
   */
  private async acquire(now: number): Promise<Set<string>> {
    const rows = new Map((await this.leases.list()).map((r) => [r.name, r]));
    const mine: string[] = [];
    const free: string[] = [];
    for (const t of this.tasks) {
      const r = rows.get(t.name);
      if (r?.holder === this.holder) mine.push(t.name);
      else if (!r || r.expires_at < now) free.push(t.name);
    }
    const held = mine.length ? await this.leases.renew(mine, this.holder, now, this.ttlMs) : new Set<string>();
    for (const name of free) {
      if (await this.leases.tryAcquire(name, this.holder, now, this.ttlMs)) held.add(name);
    }
    return held;
  }
}
