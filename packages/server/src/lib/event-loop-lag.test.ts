import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_LAG_METRICS, LAG_SAMPLE_MS, registerEventLoopLag } from './event-loop-lag.js';
import { Metrics, PER_HANDLE_METRICS } from './metrics.js';

const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('event-loop delay metrics', () => {
  it('are sampled every 100 ms and report the delay beyond the schedule, a stall in max', async () => {
    const registry = new Registry();
    registerEventLoopLag(registry);
    await new Promise((r) => setTimeout(r, 3 * LAG_SAMPLE_MS));
    const until = performance.now() + 2 * LAG_SAMPLE_MS;
    while (performance.now() < until); // a stall of two sampling intervals
    await new Promise((r) => setTimeout(r, 2 * LAG_SAMPLE_MS));
    const text = await registry.metrics();
    // The sampling interval is not in the figures (prom-client's raw values would all be ≥ 0.1 s).
    expect(value(text, 'nodejs_eventloop_lag_min_seconds')).toBeLessThan(0.09);
    expect(value(text, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual((LAG_SAMPLE_MS * 0.9) / 1000);
    expect(value(text, 'nodejs_eventloop_lag_p50_seconds')).toBeLessThanOrEqual(value(text, 'nodejs_eventloop_lag_max_seconds'));
  });

  it('replace prom-client’s own under the standard names, each once', async () => {
    const text = await new Metrics().registry.metrics();
    for (const name of EVENT_LOOP_LAG_METRICS) expect(text.match(new RegExp(`^# TYPE ${name} gauge$`, 'gm')), name).toHaveLength(1);
    expect(text).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE process_open_fds gauge$/m);
  });

  it('leave out the metrics that list every handle of the process on each scrape', async () => {
    const text = await new Metrics().registry.metrics();
    expect(PER_HANDLE_METRICS.length).toBeGreaterThan(0);
    for (const name of PER_HANDLE_METRICS) expect(text).not.toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    // prom-client does export them: the names above are its own.
    const { Registry: R, collectDefaultMetrics } = await import('prom-client');
    const all = new R();
    collectDefaultMetrics({ register: all });
    const full = await all.metrics();
    for (const name of PER_HANDLE_METRICS) expect(full).toMatch(new RegExp(`^# TYPE ${name} gauge$`, 'm'));
  });
});
