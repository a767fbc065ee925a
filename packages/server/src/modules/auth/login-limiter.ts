import type { Db } from '../../db/database.js';
import type { DialectName } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import { transaction } from '../../db/transaction.js';

export interface LimiterOptions {
  /** Failures allowed per key inside the window before blocking. */
  maxFailures: number;
  windowMs: number;
  /** First block; doubles on each further block of the same key, up to maxBlockMs. */
  blockMs: number;
  maxBlockMs: number;
}

export const DEFAULT_LIMITS: LimiterOptions = {
  maxFailures: 5,
  windowMs: 5 * 60_000,
  blockMs: 60_000,
  maxBlockMs: 30 * 60_000,
};

const MAX_KEY = 300;

/**
 * Counts failed attempts per key (client address, user name) and blocks a key for a growing time
 * after too many. The counts are rows in the database (`rate_limits`), so every server process of
 * a cluster sees the same counts and blocks: N processes behind a load balancer allow what one
 * would. Only failures and checks touch the database — a few per login or enrollment, which cost
 * a password hash or a certificate anyway. Rows whose window and block are over are purged by a
 * singleton task (`purge`).
 */
export class LoginLimiter {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly scope: 'login' | 'enroll',
    private readonly clock: Clock,
    private readonly opts: LimiterOptions = DEFAULT_LIMITS,
  ) {}

  /** Milliseconds until the key may try again, or 0. */
  async retryAfter(key: string): Promise<number> {
    const row = await this.db
      .selectFrom('rate_limits')
      .select('blocked_until')
      .where('scope', '=', this.scope)
      .where('key', '=', key.slice(0, MAX_KEY))
      .executeTakeFirst();
    return row ? Math.max(0, Number(row.blocked_until) - this.clock.now()) : 0;
  }

  async fail(key: string): Promise<void> {
    const k = key.slice(0, MAX_KEY);
    const now = this.clock.now();
    await transaction(this.db, async (trx) => {
      await trx
        .insertInto('rate_limits')
        .values({ scope: this.scope, key: k, failures: 0, window_start: now, blocked_until: 0, blocks: 0 })
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
        .execute();
      // Concurrent failures from several processes queue on the row (PostgreSQL); SQLite
      // serialises write transactions anyway.
      let q = trx.selectFrom('rate_limits').selectAll().where('scope', '=', this.scope).where('key', '=', k);
      if (this.dialect === 'postgres') q = q.forUpdate();
      const e = await q.executeTakeFirstOrThrow();
      let failures = Number(e.failures);
      let windowStart = Number(e.window_start);
      let blockedUntil = Number(e.blocked_until);
      let blocks = Number(e.blocks);
      if (now - windowStart > this.opts.windowMs) {
        failures = 0;
        windowStart = now;
      }
      failures += 1;
      if (failures >= this.opts.maxFailures) {
        blockedUntil = now + Math.min(this.opts.blockMs * 2 ** blocks, this.opts.maxBlockMs);
        blocks += 1;
        failures = 0;
        windowStart = now;
      }
      await trx
        .updateTable('rate_limits')
        .set({ failures, window_start: windowStart, blocked_until: blockedUntil, blocks })
        .where('scope', '=', this.scope)
        .where('key', '=', k)
        .execute();
    });
  }

  async succeed(key: string): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('scope', '=', this.scope).where('key', '=', key.slice(0, MAX_KEY)).execute();
  }

  /** Deletes keys whose window and block are over (singleton work). Returns how many. */
  async purge(): Promise<number> {
    const now = this.clock.now();
    const r = await this.db
      .deleteFrom('rate_limits')
      .where('scope', '=', this.scope)
      .where('window_start', '<', now - Math.max(this.opts.windowMs, this.opts.maxBlockMs))
      .where('blocked_until', '<', now)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
