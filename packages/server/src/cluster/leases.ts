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
}

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
 * every tick each process tries to take or renew each task's lease; the holder runs the task when
 * it is due. A holder that dies stops renewing, and another process takes over within
 * ttl + tick (25 s by default). Works the same on SQLite (one host) and PostgreSQL.
 */
export class SingletonTasks {
  private readonly tasks: Array<SingletonTask & { lastRun: number; held: boolean; running: boolean }> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly tickMs: number;
  private readonly ttlMs: number;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly leases: LeasesRepository,
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
    for (const t of this.tasks) {
      const now = this.clock.now();
      try {
        const held = await this.leases.tryAcquire(t.name, this.holder, now, this.ttlMs);
        if (held && !t.held) this.log?.info({ lease: t.name }, 'lease taken: this process runs the task');
        t.held = held;
      } catch (err) {
        // Without the database we cannot know; stop running the task until the lease is renewed.
        t.held = false;
        this.log?.warn({ lease: t.name, err: (err as Error).message }, 'lease not renewed');
        continue;
      }
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
}
