import { Registry, Histogram, Counter, collectDefaultMetrics } from 'prom-client';
import type { LogEvent } from 'kysely';

/** One registry per app instance, so several apps in one test process do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'openums_http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly dbQueryDuration = new Histogram({
    name: 'openums_db_query_duration_seconds',
    help: 'Database query duration',
    labelNames: ['kind'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly dbErrors = new Counter({ name: 'openums_db_query_errors_total', help: 'Failed database queries', registers: [this.registry] });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'openums_' });
  }

  /** Kysely log hook: time every query, labelled by its first SQL word. */
  onQuery = (e: LogEvent): void => {
    const kind = /^\s*(\w+)/.exec(e.query.sql)?.[1]?.toLowerCase() ?? 'other';
    this.dbQueryDuration.observe({ kind }, e.queryDurationMillis / 1000);
    if (e.level === 'error') this.dbErrors.inc();
  };
}
