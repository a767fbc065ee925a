import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { Outbox, parsePayload, type BusMessage, type ClusterBus } from './bus.js';

const CHANNEL = 'openums_bus';
/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
const MAX_PAYLOAD = 7900;
/** Payloads sent by one statement (one transaction, so one commit for all of them). */
const PAYLOADS_PER_STATEMENT = 16;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 2000;

/**
 * Several hosts on one PostgreSQL: LISTEN on one dedicated connection, NOTIFY through the pool
 * (a short connection of its own, after the change has been committed). A lost connection is
 * re-established with backoff (0.5 s doubling to 2 s: cheap, and a restarted PostgreSQL is heard
 * again within 2 s) and LISTEN issued again; what was missed meanwhile is found by a catch-up that
 * the re-listen starts at once (not at the next periodic one).
 */
export class PgNotifyBus implements ClusterBus {
  readonly transport = 'postgres' as const;
  private readonly handlers = new Set<(msg: BusMessage) => void>();
  private readonly outbox: Outbox;
  private client: pg.Client | null = null;
  private connected = false;
  private stopped = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  /** When the LISTEN connection was lost (null while listening): one log line per outage, not per retry. */
  private lostAt: number | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly db: Db,
    private readonly processId: string,
    private readonly log: Logger | null,
  ) {
    this.outbox = new Outbox((payloads) => void this.notify(payloads), MAX_PAYLOAD - processId.length - 1);
  }

  publish(msg: BusMessage): void {
    if (!this.stopped) this.outbox.add(msg);
  }

  subscribe(handler: (msg: BusMessage) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  healthy(): boolean {
    return this.connected;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.outbox.stop();
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = null;
    this.connected = false;
    await c?.end().catch(() => undefined);
  }

  /** One statement (one commit) for the payloads of a flush, a few at a time. */
  private async notify(payloads: string[]): Promise<void> {
    for (let i = 0; i < payloads.length; i += PAYLOADS_PER_STATEMENT) {
      const calls = payloads.slice(i, i + PAYLOADS_PER_STATEMENT).map((p) => sql`pg_notify(${CHANNEL}, ${`${this.processId}|${p}`})`);
      // Twice: after a PostgreSQL restart the pool's first connection may be a dead one.
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          await sql`select ${sql.join(calls)}`.execute(this.db);
          break;
        } catch (err) {
          // The receivers' catch-up finds the change; nothing is lost, it only arrives later.
          if (attempt === 2) this.log?.warn({ err: (err as Error).message }, 'cluster notification not sent; peers will catch up');
        }
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5000, keepAlive: true });
    client.on('notification', (n) => this.onNotification(n.payload ?? ''));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      const msg = 'cluster bus: cannot listen on PostgreSQL; retrying every 2 s';
      if (this.lostAt === null) this.log?.warn({ err: (err as Error).message }, msg);
      else this.log?.debug({ err: (err as Error).message, retryMs: this.retryMs }, msg);
      this.lostAt ??= Date.now();
      await client.end().catch(() => undefined);
      this.schedule();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    const lostAt = this.lostAt;
    this.client = client;
    this.connected = true;
    this.retryMs = FIRST_RETRY_MS;
    this.lostAt = null;
    if (lostAt !== null) {
      this.log?.info({ downMs: Date.now() - lostAt }, 'cluster bus: listening on PostgreSQL again');
      // Notifications sent while nobody listened are gone: look for their work now.
      for (const h of this.handlers) h({ t: 'catch-up' });
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = null;
    this.connected = false;
    this.lostAt = Date.now();
    this.log?.warn('cluster bus: PostgreSQL connection lost; reconnecting');
    void client.end().catch(() => undefined);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private onNotification(payload: string): void {
    const bar = payload.indexOf('|');
    if (bar < 0 || payload.slice(0, bar) === this.processId) return;
    const msgs = parsePayload(payload.slice(bar + 1));
    if (!msgs) return;
    for (const m of msgs) for (const h of this.handlers) h(m);
  }
}
