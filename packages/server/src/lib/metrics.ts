import { Registry, Histogram, Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import { EVENT_LOOP_LAG_METRICS, registerEventLoopLag } from './event-loop-lag.js';
import type { LogEvent } from 'kysely';

/**
 * prom-client defaults left out: each scrape lists every handle of the process as JavaScript
 * objects or strings (`process._getActiveHandles()`, `getActiveResourcesInfo()`) — one per device
 * connection, ≈ 14,000 per worker at 100,000 devices. `openums_devices_connected` and
 * `process_open_fds` say the same at a fraction of the cost.
 */
export const PER_HANDLE_METRICS: readonly string[] = [
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
];

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

  readonly deviceMessages = new Counter({
    name: 'openums_device_messages_total',
    help: 'Device channel messages received, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly deviceMessageErrors = new Counter({
    name: 'openums_device_message_errors_total',
    help: 'Rejected device messages and EST requests, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly deviceMessageSeconds = new Histogram({
    name: 'openums_device_message_handling_seconds',
    help: 'Time to handle one device message, by type',
    labelNames: ['type'],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25],
    registers: [this.registry],
  });
  readonly devicesConnected = new Gauge({
    name: 'openums_devices_connected',
    help: 'Devices with a live channel on this process',
    registers: [this.registry],
  });
  readonly tlsHandshakes = new Counter({
    name: 'openums_tls_handshakes_total',
    help: 'Completed TLS handshakes, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly tlsShed = new Counter({
    name: 'openums_tls_connections_shed_total',
    help: 'Connections closed at once because too many handshakes were in progress',
    registers: [this.registry],
  });
  readonly tlsInProgress = new Gauge({
    name: 'openums_tls_handshakes_in_progress',
    help: 'TLS handshakes in progress',
    registers: [this.registry],
  });
  readonly enrollments = new Counter({
    name: 'openums_enrollments_total',
    help: 'EST enrollments, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor(defaults = true) {
    // No prefix: the standard process_* and nodejs_* names are what ready-made dashboards
    // and alerts expect. OpenUMS's own metrics carry the openums_ prefix in their names above.
    if (defaults) {
      // prom-client's defaults, except the event-loop delay: its 10-ms sampling timer woke every
      // process 100 times a second (event-loop-lag.ts samples every 100 ms, same metric names).
      // Its own sampler runs here at 1 s and is not exported.
      const standard = new Registry();
      collectDefaultMetrics({ register: standard, eventLoopMonitoringPrecision: 1000 });
      registerEventLoopLag(this.registry);
      for (const { name } of standard.getMetricsAsArray()) {
        const metric = standard.getSingleMetric(name);
        if (metric && !EVENT_LOOP_LAG_METRICS.includes(name) && !PER_HANDLE_METRICS.includes(name)) this.registry.registerMetric(metric);
      }
    }
  }

  /** Kysely log hook: time every query, labelled by its first SQL word. */
  onQuery = (e: LogEvent): void => {
    const kind = /^\s*(\w+)/.exec(e.query.sql)?.[1]?.toLowerCase() ?? 'other';
    this.dbQueryDuration.observe({ kind }, e.queryDurationMillis / 1000);
    if (e.level === 'error') this.dbErrors.inc();
  };
}
