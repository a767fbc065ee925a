import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';

const DASHBOARD = new URL('../../../../docs/grafana/openums-dashboard.json', import.meta.url);

/** Every PromQL expression of the dashboard: panel targets (rows included) and variable queries. */
function expressions(dash: any): string[] {
  const out: string[] = [];
  const walk = (panels: any[]) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) if (t.expr) out.push(t.expr);
      walk(p.panels);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (q) out.push(q);
  }
  return out;
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords or labels. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals ($instance, label values)
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors, [$__rate_interval]
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,[^)]*\)/g, '$1'); // Grafana: label_values(metric, label)
  const names: string[] = [];
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice(m.index! + m[0].length).trimStart();
    const before = bare.slice(0, m.index!);
    if (after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase()) || /[\d.]$/.test(before)) continue;
    names.push(m[0]);
  }
  return names;
}

/** Series names /metrics can produce: gauges and counters as typed, histograms with their suffixes. */
function exportedSeries(exposition: string): Set<string> {
  const out = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') for (const s of ['_bucket', '_count', '_sum']) out.add(name + s);
    else if (type === 'summary') for (const s of ['', '_count', '_sum']) out.add(name + s);
    else out.add(name!);
  }
  return out;
}

describe('Grafana dashboard (docs/grafana/openums-dashboard.json)', () => {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8'));

  it('finds metric names in PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(openums_http_request_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
      ),
    ).toEqual(['openums_http_request_duration_seconds_bucket']);
    expect(metricNames('sum(rate(a_total{x="y"}[5m])) / on (instance) b * 60 + 1e3')).toEqual(['a_total', 'b']);
    expect(metricNames('label_values(openums_devices_connected, instance)')).toEqual(['openums_devices_connected']);
  });

  it('imports cleanly: one Prometheus data source input used by every panel and query', () => {
    expect(dash.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    const uids = new Set<string>();
    const walk = (x: any) => {
      if (x && typeof x === 'object') {
        if (x.datasource && typeof x.datasource === 'object') uids.add(x.datasource.uid);
        Object.values(x).forEach(walk);
      }
    };
    walk(dash);
    expect([...uids]).toEqual(['${DS_PROMETHEUS}']);
    expect(dash.uid).toBe('openums-server');
  });

  it('queries only metrics the server exports, standard process metrics included', async () => {
    const t = await buildTestApp('sqlite');
    try {
      const exposition = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      const exported = exportedSeries(exposition);
      const used = new Set(expressions(dash).flatMap(metricNames));
      expect(used.size).toBeGreaterThan(15);
      expect([...used].filter((n) => !exported.has(n))).toEqual([]);
      // The panels the dashboard promises.
      for (const n of [
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
        'openums_http_request_duration_seconds_bucket',
        'openums_db_query_duration_seconds_bucket',
        'openums_devices_connected',
        'openums_device_message_errors_total',
        'openums_tls_handshakes_total',
        'openums_tls_connections_shed_total',
        'openums_enrollments_total',
      ]) {
        expect(used, n).toContain(n);
      }
    } finally {
      await t.close();
    }
  });
});
