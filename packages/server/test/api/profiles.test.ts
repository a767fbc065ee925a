import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

describe.each(DIALECTS)('profiles and effective configuration (%s)', (dialect) => {
  let t: TestApp;
  let top: number;
  let sub: number;
  let device: number;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    top = (await t.api('POST', '/api/v1/device-folders', { name: 'Region' })).body.id;
    sub = (await t.api('POST', '/api/v1/device-folders', { name: 'Site', parentId: top })).body.id;
    device = (await t.api('POST', '/api/v1/devices', { mac: '02:00:00:00:AA:01', name: 'tc-1', folderId: sub })).body.id;
  });
  afterAll(() => t.close());

  const profile = async (name: string, settings: Record<string, unknown>, type = 'standard') => {
    const r = await t.api('POST', '/api/v1/profiles', { name, type, settings });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as number;
  };
  const assign = (id: number, targets: Array<{ type: string; id: number }>) =>
    t.api('POST', `/api/v1/profiles/${id}/assignments`, { targets, apply: 'now' });

  it('validates parameters against the catalogue and saves nothing on error', async () => {
    const bad = await t.api('POST', '/api/v1/profiles', {
      name: 'bad',
      type: 'standard',
      settings: { 'userinterface.screensaver.timeout': 'five' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('userinterface.screensaver.timeout');
    const unknown = await t.api('POST', '/api/v1/profiles', { name: 'bad', type: 'standard', settings: { 'no.such.parameter': 1 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('no.such.parameter');
    expect((await t.api('GET', '/api/v1/profiles')).body.items).toHaveLength(0);
  });

  it('keeps priority profiles behind a switch that is off by default', async () => {
    const refused = await t.api('POST', '/api/v1/profiles', { name: 'prio', type: 'priority', settings: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('FEATURE_DISABLED');
    expect((await t.api('PUT', '/api/v1/settings/profiles', { priorityProfiles: true })).body).toEqual({ priorityProfiles: true });
  });

  it('computes the effective configuration with precedence and provenance', async () => {
    const region = await profile('Region defaults', { 'userinterface.screensaver.timeout': 10, 'network.dns.domain': 'region.example' });
    const site = await profile('Site screensaver', { 'userinterface.screensaver.timeout': 5 });
    const direct = await profile('Device secret', { 'update.firmware.password': 's3cret' });
    const prioFar = await profile('Security baseline', { 'network.dns.domain': 'corp.example' }, 'priority');
    const prioNear = await profile('Site priority', { 'network.dns.domain': 'site.example' }, 'priority');
    expect((await assign(region, [{ type: 'folder', id: top }])).status).toBe(200);
    await assign(site, [{ type: 'folder', id: sub }]);
    await assign(direct, [{ type: 'device', id: device }]);
    await assign(prioFar, [{ type: 'folder', id: top }]);
    await assign(prioNear, [{ type: 'folder', id: sub }]);

    const eff = await t.api('GET', `/api/v1/devices/${device}/effective-configuration`);
    expect(eff.status).toBe(200);
    const byKey = Object.fromEntries(eff.body.parameters.map((p: any) => [p.key, p]));
    // Standard: the profile assigned closer to the device wins, the other is listed as overridden.
    expect(byKey['userinterface.screensaver.timeout']).toMatchObject({ value: 5, source: { id: site, via: 'folder', folderId: sub } });
    expect(byKey['userinterface.screensaver.timeout'].overridden.map((o: any) => o.source.id)).toEqual([region]);
    // Priority beats standard, and among priority profiles the one farther away wins.
    expect(byKey['network.dns.domain']).toMatchObject({ value: 'corp.example', source: { id: prioFar, priority: true } });
    expect(byKey['network.dns.domain'].overridden.map((o: any) => o.source.id)).toEqual([prioNear, region]);
    // Secrets never leave the server.
    expect(byKey['update.firmware.password'].value).toBe('********');
    expect(JSON.stringify(eff.body)).not.toContain('s3cret');

    const assigned = await t.api('GET', `/api/v1/devices/${device}/assigned-objects`);
    expect(assigned.body.items.map((a: any) => a.id)).toEqual([prioFar, prioNear, direct, site, region]);

    // Switching priority profiles off takes them out of the calculation.
    await t.api('PUT', '/api/v1/settings/profiles', { priorityProfiles: false });
    const off = await t.api('GET', `/api/v1/devices/${device}/effective-configuration`);
    expect(off.body.parameters.find((p: any) => p.key === 'network.dns.domain').value).toBe('region.example');
    await t.api('PUT', '/api/v1/settings/profiles', { priorityProfiles: true });
  });

  it('refuses assignments to unknown targets, removes assignments and deletes profiles', async () => {
    const p = await profile('Temporary', { 'network.dns.domain': 'temp.example' });
    const missing = await assign(p, [
      { type: 'device', id: device },
      { type: 'folder', id: 999999 },
    ]);
    expect(missing.status).toBe(404);
    const none = await t.api('GET', `/api/v1/devices/${device}/assigned-objects`);
    expect(none.body.items.map((a: any) => a.id)).not.toContain(p);
    await assign(p, [{ type: 'device', id: device }]);
    expect((await t.api('GET', `/api/v1/devices/${device}/assigned-objects`)).body.items.map((a: any) => a.id)).toContain(p);
    expect((await t.api('DELETE', `/api/v1/profiles/${p}/assignments`, { targets: [{ type: 'device', id: device }] })).body).toEqual({
      removed: 1,
      devices: 1,
    });
    expect((await t.api('DELETE', `/api/v1/profiles/${p}`)).status).toBe(204);
    expect((await t.api('GET', `/api/v1/profiles/${p}`)).body.error.code).toBe('PROFILE_NOT_FOUND');
  });
});
