import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEFAULTS } from '../../src/config/schema.js';
import { AuthRepository } from '../../src/modules/auth/auth.repository.js';
import { hashPassword } from '../../src/modules/auth/password.js';
import { DIALECTS } from '../helpers/db.js';
import { ADMIN_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.js';

const URL_ = '/api/v1/cluster-settings';

describe.each(DIALECTS)('cluster settings (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  it('starts with neither address set', async () => {
    const r = await t.api('GET', URL_);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ clusterAddress: null, enrollmentAddress: null });
  });

  it('stores both addresses, in every accepted form, and clears one with null', async () => {
    for (const body of [
      { clusterAddress: 'ums.example.com', enrollmentAddress: 'devices.example.com:8443' },
      { clusterAddress: 'https://ums.example.com', enrollmentAddress: 'https://10.0.0.5:443/' },
      { clusterAddress: '[2001:db8::1]:8443', enrollmentAddress: 'https://[::1]' },
      { clusterAddress: 'lb-01.internal.example.com:65535', enrollmentAddress: null },
    ]) {
      const put = await t.api('PUT', URL_, body);
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body).toEqual(body);
      expect((await t.api('GET', URL_)).body).toEqual(body);
    }
  });

  it('refuses a bad address with 400 naming the field, and changes nothing', async () => {
    const before = { clusterAddress: 'ums.example.com:8443', enrollmentAddress: 'enroll.example.com' };
    expect((await t.api('PUT', URL_, before)).status).toBe(200);
    const bad: [Record<string, unknown>, string][] = [
      [{ ...before, clusterAddress: 'http://ums.example.com' }, 'body.clusterAddress'],
      [{ ...before, enrollmentAddress: 'https://ums.example.com/path' }, 'body.enrollmentAddress'],
      [{ ...before, enrollmentAddress: 'ums.example.com:70000' }, 'body.enrollmentAddress'],
      [{ ...before, clusterAddress: 'has space.example.com' }, 'body.clusterAddress'],
      [{ ...before, clusterAddress: '' }, 'body.clusterAddress'],
      [{ ...before, clusterAddress: `${'a'.repeat(63)}.`.repeat(4) + 'com' }, 'body.clusterAddress'],
      [{ ...before, clusterAddress: `${'a'.repeat(64)}.com` }, 'body.clusterAddress'],
      [{ ...before, enrollmentAddress: 42 }, 'body.enrollmentAddress'],
      [{ clusterAddress: 'ums.example.com' }, 'body.enrollmentAddress'],
      [{ ...before, publicAddress: 'x.example.com' }, 'body.publicAddress'],
    ];
    for (const [body, field] of bad) {
      const r = await t.api('PUT', URL_, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details.issues.map((i: { field: string }) => i.field)).toContain(field);
    }
    expect((await t.api('GET', URL_)).body).toEqual(before);
  });

  it('lets a viewer read the addresses but not change them', async () => {
    const auth = new AuthRepository(t.database.db);
    await auth.createUser({
      username: 'viewer',
      passwordHash: await hashPassword('viewer password 1'),
      role: 'viewer',
      now: t.clock.now(),
    });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'viewer', password: 'viewer password 1' },
    });
    const headers = { authorization: `Bearer ${login.json().token as string}` };
    const before = (await t.api('GET', URL_)).body;

    const read = await t.app.inject({ method: 'GET', url: URL_, headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(before);
    const write = await t.app.inject({
      method: 'PUT',
      url: URL_,
      headers,
      payload: { clusterAddress: 'evil.example.com', enrollmentAddress: null },
    });
    expect(write.statusCode).toBe(403);
    expect(write.json().error.code).toBe('FORBIDDEN');
    expect((await t.api('GET', URL_)).body).toEqual(before);

    const anonymous = await t.app.inject({ method: 'GET', url: URL_ });
    expect(anonymous.statusCode).toBe(401);
  });

  it('is shared by another server on the same database and survives a restart', async () => {
    const saved = { clusterAddress: 'https://ums.example.com:8443', enrollmentAddress: 'enroll.example.com:9443' };
    expect((await t.api('PUT', URL_, saved)).status).toBe(200);

    const database = t.testDb.open();
    const config = { ...DEFAULTS, dataDir: t.testDb.dataDir, databaseUrl: t.testDb.databaseUrl, webRoot: null };
    const other = await buildApp({ config, database, serverId: 'other-server', adminPassword: ADMIN_PASSWORD });
    try {
      await other.prepare();
      const login = await other.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const r = await other.app.inject({ method: 'GET', url: URL_, headers: { authorization: `Bearer ${login.json().token as string}` } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual(saved);
    } finally {
      await other.app.close();
      await database.close();
    }
  });
});
