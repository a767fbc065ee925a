import type { ServerStatus } from '@openums/protocol';
import type { Clock } from '../../lib/clock.js';

export const INIT_TIMEOUT_MS = 120_000;
export const RECHECK_INTERVAL_MS = 60_000;

export interface HealthProbes {
  /** The database answers a trivial query. */
  database(): Promise<boolean>;
  /** The HTTPS port, where devices connect, is accepting connections. */
  devicePort(): boolean;
}

/**
 * The state behind `/ums/check-status`: init until start-up finishes (err if that takes
 * over 120 s), then ok/err from the probes. Probes cost a database round trip, so their
 * result is reused for a minute; the start-up state itself is read live.
 */
export class HealthService {
  private readyAt: number | null = null;
  private last: { at: number; status: ServerStatus } | null = null;
  private inFlight: Promise<ServerStatus> | null = null;

  constructor(
    private readonly probes: HealthProbes,
    private readonly clock: Clock,
    private readonly startedAt: number = clock.now(),
  ) {}

  markReady(): void {
    this.readyAt = this.clock.now();
    this.last = null;
  }

  async status(): Promise<ServerStatus> {
    const now = this.clock.now();
    if (this.readyAt === null) return now - this.startedAt > INIT_TIMEOUT_MS ? 'err' : 'init';
    if (this.last && now - this.last.at < RECHECK_INTERVAL_MS) return this.last.status;
    this.inFlight ??= this.check().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async check(): Promise<ServerStatus> {
    const dbOk = await this.probes.database();
    const status: ServerStatus = dbOk && this.probes.devicePort() ? 'ok' : 'err';
    this.last = { at: this.clock.now(), status };
    return status;
  }
}
