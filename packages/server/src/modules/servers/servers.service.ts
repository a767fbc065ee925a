import { hostname, networkInterfaces } from 'node:os';
import { ErrorCode, MAX_CLOCK_SKEW_MS, type ServerProcess } from '@openums/protocol';
import { AppError, notFound } from '../../lib/errors.js';
import { systemClock, toIso, type Clock } from '../../lib/clock.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { Logger } from '../../lib/logger.js';
import { VERSION } from '../../lib/version.js';
import type { Db } from '../../db/database.js';
import type { ServerNames } from '../../tls/web-cert-names.js';
import type { ServerRow, ServersRepository } from './servers.repository.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';

export interface ThisProcess {
  /** `<host id>.<worker>` */
  id: string;
  worker: number;
  /** The HTTPS port (known once listening). */
  port: () => number;
  database: string;
  dialect: 'sqlite' | 'postgres';
  /** The names this process wants in the shared web certificate (host names, addresses, `tls.extraNames`). */
  tlsNames: readonly string[];
}

/** A process silent for this many beats is dead. */
export const DEAD_AFTER_BEATS = 3;

/**
 * The server registry: this process registers at start, beats every `beatMs` (stamped with the
 * database's clock, with its own clock's offset), and — as a singleton task on one process of
 * the cluster — declares silent processes dead: their devices go offline and their leases are
 * released, so survivors take over their work.
 */
export class ServersService {
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  /** Since when this process's beats have succeeded without a break (null while they fail). */
  private beatingSince: number | null = null;
  /** When the beats began to fail: one log line when the database goes away, one when it is back. */
  private failingSince: number | null = null;

  constructor(
    private readonly repo: ServersRepository,
    private readonly self: ThisProcess,
    private readonly devicesConnected: () => number,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger | null,
    readonly beatMs = 5000,
    /** The machine's real clock, compared with the database's (the injected `clock` may be a test's). */
    private readonly wallClock: Clock = systemClock,
    /** Removals of dead entries are recorded in their transaction. */
    private readonly audit: Pick<AuditLog, 'record'> | null = null,
  ) {}

  get id(): string {
    return this.self.id;
  }

  /** Registers this process; refuses SQLite when a process on another host is registered. */
  async start(): Promise<void> {
    this.startedAt = this.clock.now();
    if (this.self.dialect === 'sqlite') {
      const here = hostname();
      const other = (await this.repo.list()).find((s) => s.status === 'running' && s.host !== here);
      if (other) {
        throw new AppError(
          ErrorCode.ServiceUnavailable,
          `Server ${other.host} also uses this SQLite database; several hosts need PostgreSQL (setting "databaseUrl")`,
        );
      }
    }
    await this.register();
    this.beatingSince = this.clock.now();
    this.timer = setInterval(() => void this.beat(), this.beatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.repo.markStopped(this.self.id).catch(() => undefined);
  }

  private async register(): Promise<void> {
    await this.repo.register({
      id: this.self.id,
      host: hostname(),
      pid: process.pid,
      worker: this.self.worker,
      version: VERSION,
      database: this.self.database,
      addresses: JSON.stringify(hostAddresses()),
      tls_names: JSON.stringify(this.self.tlsNames.slice(0, 200)),
      port: this.self.port(),
      started_at: this.startedAt,
      devices_connected: this.devicesConnected(),
      clock_offset_ms: await this.clockOffset(),
    });
  }

  /** This process's clock minus the database's (ms), corrected for half the round trip. */
  async clockOffset(): Promise<number> {
    const before = this.wallClock.now();
    const db = await this.repo.databaseNow();
    const after = this.wallClock.now();
    return Math.round((before + after) / 2 - db);
  }

  /** One beat; re-registers when this process was declared dead while it was stalled. */
  async beat(): Promise<void> {
    try {
      const offset = await this.clockOffset();
      if (!(await this.repo.beat(this.self.id, this.devicesConnected(), offset))) {
        this.log?.warn({ serverId: this.self.id }, 'this server was declared dead while silent; registering again');
        await this.register();
      }
      if (Math.abs(offset) > MAX_CLOCK_SKEW_MS) {
        this.log?.warn(
          { clockOffsetMs: offset },
          'this server clock differs from the database clock by more than 60 s; synchronise the clocks (NTP)',
        );
      }
      if (this.failingSince !== null) {
        this.log?.info({ downMs: this.clock.now() - this.failingSince }, 'the database answers again: server beats resumed');
        this.failingSince = null;
      }
      this.beatingSince ??= this.clock.now();
    } catch (err) {
      this.beatingSince = null;
      if (this.failingSince === null) {
        this.failingSince = this.clock.now();
        this.log?.warn({ err: (err as Error).message }, 'the database does not answer: server beats fail until it is back');
      } else {
        this.log?.debug({ err: (err as Error).message }, 'server beat failed');
      }
    }
  }

  /**
   * Singleton task: declares processes silent for three beats dead. Returns their ids. Only once
   * this process itself has beaten for three beats and one more without a break: after a database
   * outage every process is silent, and must have had the time to beat again before its silence
   * means it is gone (otherwise the first process back declares the others, and their devices, dead).
   */
  async reapDead(): Promise<string[]> {
    const silentMs = this.beatMs * DEAD_AFTER_BEATS;
    if (this.beatingSince === null || this.clock.now() - this.beatingSince < silentMs + this.beatMs) return [];
    const dead: string[] = [];
    for (const id of await this.repo.listSilent(silentMs)) {
      const devices = await this.repo.declareDead(id, silentMs, this.clock.now());
      if (devices === null) continue;
      dead.push(id);
      this.log?.warn({ serverId: id, devices: devices.length }, 'server declared dead: its devices are offline until they reconnect');
      const lastContact = new Date(this.clock.now()).toISOString();
      for (const deviceId of devices) this.events.publish({ type: 'device.presence', deviceId, online: false, lastContact, lastIp: null });
    }
    return dead;
  }

  /** What the registered processes want the installation's web certificate to name (read with `db` when given). */
  async listCertificateNames(db?: Db): Promise<ServerNames[]> {
    return (await this.repo.listCertificateNames(db)).map((r) => ({
      host: r.host,
      addresses: safeJsonArray(r.addresses),
      tlsNames: safeJsonArray(r.tls_names),
    }));
  }

  async list(): Promise<ServerProcess[]> {
    return (await this.repo.list()).map((r) => this.toApi(r));
  }

  async remove(id: string, by?: AuditContext): Promise<void> {
    const r = await this.repo.removeDead(id, (trx) =>
      by && this.audit
        ? this.audit.record(trx, { by, action: 'server.remove', object: { type: 'server', id: null, name: id } })
        : Promise.resolve(),
    );
    if (r === 'missing') throw notFound(ErrorCode.ServerNotFound, 'Server', id);
    if (r === 'running')
      throw new AppError(ErrorCode.ServerRunning, `Server ${id} is running; only dead entries can be removed`, { field: 'id' });
  }

  /** Reasons to report `warn` on /ums/check-status: version or clock skew between running servers. */
  async skewWarnings(): Promise<string[]> {
    const running = (await this.repo.list()).filter((r) => r.status === 'running');
    const reasons: string[] = [];
    const versions = new Set(running.map((r) => r.version));
    if (versions.size > 1) {
      reasons.push(`servers run different versions (${[...versions].sort().join(', ')}); update every server to the same version`);
    }
    if (running.length) {
      const offsets = running.map((r) => r.clock_offset_ms);
      const spread = Math.max(...offsets) - Math.min(...offsets);
      const worst = running.reduce((a, b) => (Math.abs(b.clock_offset_ms) > Math.abs(a.clock_offset_ms) ? b : a));
      if (spread > MAX_CLOCK_SKEW_MS || Math.abs(worst.clock_offset_ms) > MAX_CLOCK_SKEW_MS) {
        reasons.push(
          `server clocks differ by up to ${Math.round(Math.max(spread, Math.abs(worst.clock_offset_ms)) / 1000)} s (worst: ${worst.host} worker ${worst.worker}); synchronise them with NTP`,
        );
      }
    }
    return reasons;
  }

  private toApi(r: ServerRow): ServerProcess {
    return {
      id: r.id,
      host: r.host,
      pid: r.pid,
      worker: r.worker,
      version: r.version,
      database: r.database,
      addresses: safeJsonArray(r.addresses),
      port: r.port,
      startedAt: toIso(r.started_at)!,
      lastBeat: toIso(r.last_beat)!,
      status: r.status === 'running' ? 'running' : 'dead',
      devicesConnected: r.devices_connected,
      clockOffsetMs: r.clock_offset_ms,
      self: r.id === this.self.id,
    };
  }
}

function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal) out.push(a.address);
  return out.slice(0, 32);
}

function safeJsonArray(s: string): string[] {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
