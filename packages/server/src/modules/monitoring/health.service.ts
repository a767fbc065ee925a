import type { ServerStatus } from '@openums/protocol';
import type { Clock } from '../../lib/clock.js';

export const INIT_TIMEOUT_MS = 120_000;
/** Probes are re-run at most this often: a database outage shows as err within 5 s, and a recovery as ok. */
export const RECHECK_INTERVAL_MS = 5_000;

export interface HealthProbes {
  /** The database answers a trivial query. */
  database(): Promise<boolean>;
  /** The HTTPS port, where devices connect, is accepting connections. */
  devicePort(): boolean;
  /** Reasons for `warn` (e.g. version or clock skew between the servers of the cluster). */
  warnings?(): Promise<string[]>;
}

export interface HealthReport {
  status: ServerStatus;
  reasons?: string[];
}

/**
 * The state behind `/ums/check-status`: init until start-up finishes (err if that takes
 * over 120 s), then ok/err from the probes. Probes cost a database round trip, so their
 * result is reused for a minute; the start-up state itself is read live.
 */
export class HealthService {
  private readyAt: number | null = null;
  private last: { at: number; report: HealthReport } | null = null;
  private inFlight: Promise<HealthReport> | null = null;

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
    return (await this.report()).status;
  }

  async report(): Promise<HealthReport> {
    const now = this.clock.now();
    if (this.readyAt === null) {
      return now - this.startedAt > INIT_TIMEOUT_MS
        ? { status: 'err', reasons: ['start-up did not finish within 120 s'] }
        : { status: 'init' };
    }
    if (this.last && now - this.last.at < RECHECK_INTERVAL_MS) return this.last.report;
    this.inFlight ??= this.check().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async check(): Promise<HealthReport> {
    const reasons: string[] = [];
    const dbOk = await this.probes.database();
    if (!dbOk) reasons.push('the database does not answer');
    if (!this.probes.devicePort()) reasons.push('the HTTPS port is not accepting connections');
    let report: HealthReport;
    if (reasons.length) report = { status: 'err', reasons };
    else {
      const warnings = this.probes.warnings ? await this.probes.warnings().catch(() => []) : [];
      report = warnings.length ? { status: 'warn', reasons: warnings } : { status: 'ok' };
    }
    this.last = { at: this.clock.now(), report };
    return report;
  }
}
