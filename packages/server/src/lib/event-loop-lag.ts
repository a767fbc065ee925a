import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * How often the event loop's delay is sampled. prom-client's default samples every 10 ms: a timer
 * that wakes every process 100 times a second, about 0.25 % of a core per idle process (measured:
 * 0.25 % at 10 ms, 0.04 % at 100 ms) — a sixth of a 100,000-device host's budget for six workers.
 */
export const LAG_SAMPLE_MS = 100;

/** The standard names prom-client's default metrics give the event-loop delay. */
export const EVENT_LOOP_LAG_METRICS: readonly string[] = [
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
];

/**
 * The event-loop delay gauges under prom-client's standard names, sampled every LAG_SAMPLE_MS.
 * Values are the delay beyond the sample's schedule (the sampling interval is subtracted), so
 * they mean "how late was the loop" whatever the interval; a stall longer than the interval is
 * always seen by `max`, a shorter one by a share of the samples it overlaps. Statistics cover the
 * time since the previous scrape, as prom-client's do.
 */
export function registerEventLoopLag(registry: Registry): void {
  const histogram = monitorEventLoopDelay({ resolution: LAG_SAMPLE_MS });
  histogram.enable();
  const late = (ns: number) => Math.max(0, ns / 1e9 - LAG_SAMPLE_MS / 1000);
  // Registered after the first gauge, whose collect() fills them before they are read.
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [] });
  const min = gauge('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.');
  const max = gauge('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.');
  const mean = gauge('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.');
  const stddev = gauge('nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.');
  const p50 = gauge('nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.');
  const p90 = gauge('nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.');
  const p99 = gauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.');
  new Gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag of event loop in seconds.',
    registers: [registry],
    collect() {
      // As prom-client: the time to the next turn of the loop, reported at the following scrape.
      const start = process.hrtime.bigint();
      setImmediate(() => this.set(Number(process.hrtime.bigint() - start) / 1e9));
      if (histogram.count > 0) {
        min.set(late(histogram.min));
        max.set(late(histogram.max));
        mean.set(late(histogram.mean));
        stddev.set(histogram.stddev / 1e9);
        p50.set(late(histogram.percentile(50)));
        p90.set(late(histogram.percentile(90)));
        p99.set(late(histogram.percentile(99)));
      }
      histogram.reset();
    },
  });
  for (const g of [min, max, mean, stddev, p50, p90, p99]) registry.registerMetric(g);
}
