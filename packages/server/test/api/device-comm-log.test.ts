import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communicationLog } from '../../src/app-comm-log.js';
import type { BusMessage, ClusterBus } from '../../src/cluster/bus.js';
import { SettingsRepository } from '../../src/db/settings.repository.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const PW = 'a long enough password 1';
const DAY_MS = 86_400_000;

/** A bus that records what is published (the other processes would be woken with it). */
function recordingBus(): ClusterBus & { sent: BusMessage[] } {
  const sent: BusMessage[] = [];
  return {
    sent,
    transport: 'ipc',
    publish: (m) => void sent.push(m),
    subscribe: () => () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    healthy: () => true,
  };
}

/**
 * The device communication log's REST API (input, rights, settings) and its storage rules (cap
 * per device, retention, orphans, masking and cutting, wake-ups of other processes) on both
 * databases. The channel itself is covered by device-comm-log-channel.test.ts.
 */
describe.each(DIALECTS)('device communication log (%s)', (dialect) => {
  let t: TestApp;
  let device: number, other: number;
  let reader: string, nobody: string;

  const ok = <T extends { status: number; body: any }>(r: T): T => {
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r;
  };
  const as = async (token: string, method: string, url: string, body?: unknown) => {
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  /** A second composition on the same database: "another process", with a small cap for the test. */
  /** Its own clock: moving it days ahead does not expire the test's session. */
  const clock = { t: 0, now: () => clock.t };
  const second = (opts: { maxEntries?: number; pruneEvery?: number } = {}) => {
    const bus = recordingBus();
    const log = communicationLog(
      { db: t.database.db, settings: new SettingsRepository(t.database.db), bus, clock, audit: t.audit, log: null },
      { flushMs: 60_000, ...opts },
    );
    return { ...log, bus };
  };
  const rows = async (deviceId: number) =>
    Number(
      (
        await (t.database.db as any)
          .selectFrom('device_comm_log')
          .select((eb: any) => eb.fn.countAll().as('n'))
          .where('device_id', '=', deviceId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const folder = ok(await t.api('POST', '/api/v1/device-folders', { name: 'Logged' })).body.id;
    device = ok(await t.api('POST', '/api/v1/devices', { mac: '02CC00000001', name: 'logged-1', folderId: folder })).body.id;
    other = ok(await t.api('POST', '/api/v1/devices', { mac: '02CC00000002', name: 'logged-2' })).body.id;
    const account = async (username: string) => {
      const id = ok(await t.api('POST', '/api/v1/admins', { username, password: PW, superuser: false })).body.id as number;
      return { id, token: ok(await t.api('POST', `/api/v1/admins/${id}/tokens`, { name: 'tests' })).body.token as string };
    };
    const r = await account('reader');
    reader = r.token;
    nobody = (await account('nobody')).token;
    ok(
      await t.api('PUT', `/api/v1/device-folders/${folder}/access`, {
        entries: [{ principal: { type: 'admin', id: r.id }, rights: { browse: 'allow', read: 'allow' } }],
      }),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses bad input naming the field, and unknown devices as missing', async () => {
    for (const [body, field] of [
      [{ enabled: 'yes', payload: true }, 'body.enabled'],
      [{ enabled: true, payload: 1 }, 'body.payload'],
      [{ enabled: true, payload: false, extra: 1 }, 'body.extra'],
      [{ enabled: true }, 'body.payload'],
    ] as const) {
      const r = await t.api('PUT', `/api/v1/devices/${device}/comm-log`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details.issues[0].field).toBe(field);
      expect(r.body.error.message).toContain(field.split('.')[1]);
    }
    for (const q of ['limit=0', 'limit=1001', 'limit=x', 'cursor=', 'other=1']) {
      const r = await t.api('GET', `/api/v1/devices/${device}/comm-log?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('VALIDATION_FAILED');
    }
    const badCursor = await t.api('GET', `/api/v1/devices/${device}/comm-log?cursor=bm90LWEtY3Vyc29y`);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.code).toBe('INVALID_CURSOR');
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { enabled: true, payload: false }],
      ['DELETE', undefined],
    ] as const) {
      const r = await t.api(method, '/api/v1/devices/987654/comm-log', body);
      expect(r.status, method).toBe(404);
      expect(r.body.error).toMatchObject({ code: 'DEVICE_NOT_FOUND', details: { field: 'params.id' } });
    }
    expect((await t.api('PUT', '/api/v1/settings/device-comm-log', { retentionDays: 0 })).status).toBe(400);
    expect((await t.api('PUT', '/api/v1/settings/device-comm-log', { retentionDays: 366 })).status).toBe(400);
    // Nothing was switched on.
    expect(ok(await t.api('GET', `/api/v1/devices/${device}/comm-log`)).body).toMatchObject({ enabled: false, items: [] });
  });

  it('reads with read on the device; switches and clears with write; hides devices without any right', async () => {
    expect((await as(reader, 'GET', `/api/v1/devices/${device}/comm-log`)).status).toBe(200);
    const put = await as(reader, 'PUT', `/api/v1/devices/${device}/comm-log`, { enabled: true, payload: true });
    expect(put.status).toBe(403);
    expect(put.body.error.message).toContain('write');
    expect((await as(reader, 'DELETE', `/api/v1/devices/${device}/comm-log`)).status).toBe(403);
    expect((await as(reader, 'GET', `/api/v1/devices/${other}/comm-log`)).body.error.code).toBe('DEVICE_NOT_FOUND');
    expect((await as(nobody, 'GET', `/api/v1/devices/${device}/comm-log`)).status).toBe(404);
    expect((await as(reader, 'GET', '/api/v1/settings/device-comm-log')).status).toBe(403);
  });

  it('keeps the retention setting (default 7 days), audited', async () => {
    expect(ok(await t.api('GET', '/api/v1/settings/device-comm-log')).body).toEqual({ retentionDays: 7 });
    expect(ok(await t.api('PUT', '/api/v1/settings/device-comm-log', { retentionDays: 3 })).body).toEqual({ retentionDays: 3 });
    expect(ok(await t.api('GET', '/api/v1/settings/device-comm-log')).body).toEqual({ retentionDays: 3 });
    const audit = ok(await t.api('GET', '/api/v1/audit-log?action=settings.update&objectType=settings')).body.items;
    expect(audit[0]).toMatchObject({ objectName: 'device-comm-log', before: { retentionDays: 7 }, after: { retentionDays: 3 } });
  });

  it('keeps the newest entries per device, purges past the retention and of deleted devices, masks and cuts payloads', async () => {
    clock.t = t.clock.now();
    const p = second({ maxEntries: 5, pruneEvery: 1 });
    const by = { actor: null, address: null };
    // Off: nothing is queued at all.
    p.tap.record(device, 'in', 'heartbeat', 20, { t: 'heartbeat' });
    await p.tap.flush();
    expect(await rows(device)).toBe(0);

    expect(await p.service.setSwitch(device, { enabled: true, payload: true }, by)).toMatchObject({ enabled: true, payload: true });
    expect(p.bus.sent).toEqual([{ t: 'comm-log', deviceIds: [device] }]);
    for (let i = 1; i <= 12; i++) p.tap.record(device, 'in', 'heartbeat', 30, { t: 'heartbeat', uptime: i });
    p.tap.record(device, 'out', 'settings', 99, {
      t: 'settings',
      hash: 'a'.repeat(64),
      settings: { 'security.admin_password': 'pw-1', 'sessions.rdp[profile:1:0].password': 'pw-2', 'user.name': 'ann' },
      nested: [{ apiKey: 'k', PIN: '1234', credentials: { user: 'u' }, tokenCount: 3, hotkey: 'F1' }],
      note: 'oat_0123456789ab_abcdefghijklmnopqrstuvwxyz',
    });
    p.tap.record(device, 'in', 'settings-report', 30_000, { t: 'settings-report', settings: { 'x.y': 'z'.repeat(20_000) } });
    await p.tap.flush();
    // The cap: the newest 5.
    expect(await rows(device)).toBe(5);
    const page = await p.service.listEntries(device, { limit: 10 });
    expect(page.items.map((e) => e.type)).toEqual(['settings-report', 'settings', 'heartbeat', 'heartbeat', 'heartbeat']);
    expect(page.items.slice(2).map((e) => JSON.parse(e.payload!).uptime)).toEqual([12, 11, 10]);
    const masked = JSON.parse(page.items[1]!.payload!);
    expect(masked).toEqual({
      t: 'settings',
      hash: '***',
      settings: { 'security.admin_password': '***', 'sessions.rdp[profile:1:0].password': '***', 'user.name': 'ann' },
      nested: [{ apiKey: '***', PIN: '***', credentials: '***', tokenCount: '***', hotkey: 'F1' }],
      note: '***',
    });
    const cut = page.items[0]!;
    expect(cut.truncated).toBe(true);
    expect(cut.payload!.length).toBe(8192);
    expect(cut.size).toBe(30_000);

    // The app's own process hears of the switch through the bus and follows it.
    const app = second();
    expect(app.tap.on.has(device)).toBe(false);
    await app.service.reloadSwitches((p.bus.sent[0] as { deviceIds: number[] }).deviceIds);
    expect(app.tap.on.get(device)).toBe(true);
    // A process starting later reads every switch from the database.
    const later = second();
    await later.service.reloadAllSwitches();
    expect([...later.tap.on]).toEqual([[device, true]]);
    await p.service.setSwitch(device, { enabled: false, payload: false }, by);
    await app.service.reloadSwitches([device]);
    expect(app.tap.on.has(device)).toBe(false);

    // Retention: 3 days (set above); entries of 4 days ago go, today's stay.
    await p.service.setSwitch(other, { enabled: true, payload: false }, by);
    p.tap.record(other, 'in', 'hello', 500, { t: 'hello' });
    await p.tap.flush();
    clock.t += 4 * DAY_MS;
    p.tap.record(other, 'in', 'heartbeat', 20, { t: 'heartbeat' });
    await p.tap.flush();
    expect(await p.service.purge()).toBe(6);
    expect(await rows(device)).toBe(0);
    expect((await p.service.listEntries(other, {})).items.map((e) => [e.type, e.payload])).toEqual([['heartbeat', undefined]]);
    // A deleted device's entries are purged too (they have no foreign key: a batch never fails on them).
    ok(await t.api('DELETE', `/api/v1/devices/${other}`));
    // Its switch went with it (foreign key, cascade).
    expect(
      await (t.database.db as any).selectFrom('device_comm_log_switches').selectAll().where('device_id', '=', other).execute(),
    ).toEqual([]);
    p.tap.record(other, 'in', 'heartbeat', 20, { t: 'heartbeat' });
    await p.tap.flush();
    expect(await rows(other)).toBe(2);
    expect(await p.service.purge()).toBe(2);
    expect(await rows(other)).toBe(0);
    await p.tap.stop();
    await app.tap.stop();
  });
});
