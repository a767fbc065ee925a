import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { buildTestApp, TestClock, type TestApp } from '../helpers/app.js';
import { HealthService } from '../../src/modules/monitoring/health.service.js';
import { EST_BASE_PATH } from '@openums/protocol';
import { makeCsr } from '../helpers/device.js';

describe('check-status state machine', () => {
  it('is init until ready, err after 120 s of init', async () => {
    const clock = new TestClock();
    const h = new HealthService({ database: async () => true, devicePort: () => true }, clock);
    expect(await h.status()).toBe('init');
    clock.advance(119_000);
    expect(await h.status()).toBe('init');
    clock.advance(2_000);
    expect(await h.status()).toBe('err');
    h.markReady();
    expect(await h.status()).toBe('ok');
  });

  it('recomputes the probes at most every 5 s', async () => {
    const clock = new TestClock();
    let dbUp = true;
    let probes = 0;
    const h = new HealthService({ database: async () => (probes++, dbUp), devicePort: () => true }, clock);
    h.markReady();
    expect(await h.status()).toBe('ok');
    dbUp = false;
    clock.advance(4_000);
    expect(await h.status()).toBe('ok'); // cached
    expect(probes).toBe(1);
    clock.advance(1_000);
    expect(await h.report()).toEqual({ status: 'err', reasons: ['the database does not answer'] });
    expect(probes).toBe(2);
  });

  it('is warn with the reasons the cluster gives, when everything works', async () => {
    let warnings: string[] = ['server clocks differ by up to 300 s (worst: b worker 0); synchronise them with NTP'];
    const clock = new TestClock();
    const h = new HealthService({ database: async () => true, devicePort: () => true, warnings: async () => warnings }, clock);
    h.markReady();
    expect(await h.report()).toEqual({ status: 'warn', reasons: warnings });
    warnings = [];
    clock.advance(5_000);
    expect(await h.report()).toEqual({ status: 'ok' });
  });

  it('is err when the device port is not listening', async () => {
    const h = new HealthService({ database: async () => true, devicePort: () => false }, new TestClock());
    h.markReady();
    expect(await h.status()).toBe('err');
  });
});

describe.each(DIALECTS)('monitoring routes (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  it('reports err once the database is gone (after the 5-second cache), naming the reason', async () => {
    const local = await buildTestApp(dialect);
    expect((await local.app.inject({ method: 'GET', url: '/ums/check-status' })).json()).toEqual({ status: 'ok' });
    await local.database.close();
    local.clock.advance(5_000);
    const r = await local.app.inject({ method: 'GET', url: '/ums/check-status' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'err', reasons: ['the database does not answer'] });
    await local.app.close();
    await local.testDb.drop();
  });

  it('serves /info as text and /metrics as Prometheus text with HTTP and database metrics', async () => {
    const info = await t.app.inject({ method: 'GET', url: '/info' });
    expect(info.headers['content-type']).toContain('text/plain');
    expect(info.body).toMatch(/^OpenUMS \d+\.\d+\.\d+/);

    await t.api('GET', '/api/v1/devices');
    const m = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(m.statusCode).toBe(200);
    // The standard process and Node.js metrics keep their standard names (ready-made dashboards).
    const names = new Set([...m.body.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]));
    for (const std of [
      'process_cpu_seconds_total',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(names, std).toContain(std);
    }
    expect([...names].filter((n) => n.startsWith('openums_process_') || n.startsWith('openums_nodejs_'))).toEqual([]);
    // OpenUMS's own metrics keep their prefix; every metric is either standard or ours.
    expect([...names].filter((n) => !/^(openums_|process_|nodejs_)/.test(n))).toEqual([]);
    expect(names).toContain('openums_devices_connected');
    expect(m.body).toMatch(/openums_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/devices",status="200"\} [1-9]/);
    expect(m.body).toContain('openums_db_query_duration_seconds_bucket');
  });

  it('counts enrollments by outcome', async () => {
    const count = async (outcome: string) => {
      const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(new RegExp(`^openums_enrollments_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(body)?.[1] ?? 0);
    };
    const key = (await t.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret;
    const mac = '02AB00000077';
    const enrollWith = async (secret: string) =>
      t.app.inject({
        method: 'POST',
        url: `${EST_BASE_PATH}/simpleenroll`,
        headers: { 'content-type': 'application/pkcs10', authorization: `Bearer ${secret}` },
        payload: (await makeCsr(mac)).csrBase64,
      });
    expect((await enrollWith('oek_wrong')).statusCode).toBe(401);
    expect((await enrollWith(key)).statusCode).toBe(200);
    expect(await count('enrolled')).toBe(1);
    expect(await count('refused')).toBe(1);
  });

  it('publishes the OpenAPI document generated from the route schemas', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/devices', '/api/v1/devices/{id}', '/api/v1/device-folders', '/api/v1/auth/login']),
    );
    expect(doc.paths['/api/v1/devices'].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'folderId', 'recursive', 'q', 'sort']),
    );
    const ui = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });
});
