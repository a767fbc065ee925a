import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { parse } from 'csv-parse/sync';
import { ErrorCode } from '@openums/protocol';
import { adminTasksModule } from '../../src/modules/admin-tasks/admin-tasks.routes.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Administrative tasks on a saved view (issue 13 item 3), both databases: assigning profiles to
 * the view's devices and exporting it (mailed through a real SMTP server, or written into a
 * directory with retention) — through the view actions' own service, with the rights of the
 * task's creator at run time; a view or profile deleted later ends a run as "target gone"; bad
 * options are refused when saved, naming the field, and nothing is saved. Also: the module uses
 * the notification centre's one service.
 */

type Json = any;
const PW = 'a long enough password 1';
const DAY = 86_400_000;

describe.each(DIALECTS)('administrative tasks on views (%s)', (dialect) => {
  let t: TestApp;
  let smtp: SMTPServer;
  const received: Array<{ to: string[]; raw: string }> = [];
  const ids: Record<string, number> = {};
  const profile: Record<string, number> = {};
  let tom: { id: number; token: string };
  let viewId = 0;
  let dir = '';

  const as = async (token: string, method: string, url: string, body?: unknown) => {
    const r = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: r.statusCode, body: (r.body ? r.json() : null) as Json };
  };
  const ok = async (m: string, u: string, b?: unknown) => {
    const r = await t.api(m, u, b);
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body as Json;
  };
  const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
  const task = (options: unknown) => ({ name: 'View task', options, schedule: { startAt: at(DAY) }, enabled: true });
  const runOnce = async (id: number) => {
    expect((await t.api('POST', `/api/v1/admin-tasks/${id}/run`)).status).toBe(202);
    for (let i = 0; i < 300; i++) {
      const r = (await ok('GET', `/api/v1/admin-tasks/${id}/runs`)).items[0];
      if (r && r.state !== 'running') return r as { state: string; message: string };
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('the run did not finish');
  };
  const directAssignments = async (profileId: number) =>
    (
      await t.database.db
        .selectFrom('profile_assignments')
        .select('target_id')
        .where('profile_id', '=', profileId)
        .where('target_type', '=', 'device')
        .orderBy('target_id')
        .execute()
    ).map((r) => Number(r.target_id));
  const taskCount = async () => (await ok('GET', '/api/v1/admin-tasks')).items.length as number;

  beforeAll(async () => {
    smtp = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));

    t = await buildTestApp(dialect);
    dir = mkdtempSync(join(t.testDb.dataDir, 'exports-'));
    for (const name of ['Augsburg', 'Berlin', 'Hidden']) ids[name] = (await ok('POST', '/api/v1/device-folders', { name })).id;
    const devices: Array<[string, string, string]> = [
      ['aug-1', 'Augsburg', 'Augsburg'],
      ['aug-2', 'Augsburg', 'Augsburg'],
      ['aug-3', 'Berlin', 'Augsburg'],
      ['ber-1', 'Berlin', 'Berlin'],
      ['hid-1', 'Hidden', 'Augsburg'],
    ];
    let n = 1;
    for (const [name, folder, site] of devices) {
      const mac = `02AF000000${String(n++).padStart(2, '0')}`;
      ids[name] = (await ok('POST', '/api/v1/devices', { mac, name, folderId: ids[folder] })).id;
      await ok('PATCH', `/api/v1/devices/${ids[name]}`, { site });
    }
    viewId = (await ok('POST', '/api/v1/views', { name: 'Augsburg devices', criteria: { field: 'site', op: 'eq', value: 'Augsburg' } })).id;
    for (const name of ['Kiosk', 'Secret', 'Gone']) profile[name] = (await ok('POST', '/api/v1/profiles', { name, type: 'standard' })).id;
    // tom: administrative tasks, the view, Augsburg with assign, Berlin without, Hidden not at all.
    const tomId = (
      await ok('POST', '/api/v1/admins', { username: 'tom', password: PW, superuser: false, generalRights: ['globalSettings'] })
    ).id as number;
    tom = { id: tomId, token: (await ok('POST', `/api/v1/admins/${tomId}/tokens`, { name: 'tasks' })).token };
    const grant = (rights: Record<string, 'allow'>) => ({ entries: [{ principal: { type: 'admin', id: tomId }, rights }] });
    await ok('PUT', `/api/v1/views/${viewId}/access`, grant({ browse: 'allow', read: 'allow' }));
    await ok('PUT', `/api/v1/device-folders/${ids.Augsburg}/access`, grant({ browse: 'allow', read: 'allow', assign: 'allow' }));
    await ok('PUT', `/api/v1/device-folders/${ids.Berlin}/access`, grant({ browse: 'allow', read: 'allow' }));
    await ok('PUT', `/api/v1/profiles/${profile.Kiosk}/access`, grant({ browse: 'allow', read: 'allow' }));
    await ok('PUT', '/api/v1/settings/mail', {
      host: '127.0.0.1',
      port: (smtp.server.address() as AddressInfo).port,
      security: 'none',
      sender: 'ums@example.test',
      recipients: ['admins@example.test'],
      verify: false,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('refuses bad view tasks naming the field (missing or unreadable view and profiles, columns, directory, format, address); nothing saved', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const assign = { type: 'assignProfilesToView', viewId, profileIds: [profile.Kiosk] };
    const exp = { type: 'exportView', viewId, format: 'csv', to: { directory: dir } };
    const refused: Array<[string, unknown, number, string]> = [
      [t.token, { ...assign, viewId: 987_654 }, 404, 'body.options.viewId'],
      [t.token, { ...assign, profileIds: [profile.Kiosk, 987_654] }, 404, 'body.options.profileIds'],
      [t.token, { ...exp, viewId: 987_654 }, 404, 'body.options.viewId'],
      [t.token, { ...exp, columns: ['name', 'bogus'] }, 400, 'body.options.columns'],
      [t.token, { ...exp, columns: ['attribute:nothing'] }, 400, 'body.options.columns'],
      [t.token, { ...exp, to: { directory: '/nonexistent/openums-exports' } }, 400, 'body.options.to.directory'],
      [t.token, { ...exp, to: { directory: file } }, 400, 'body.options.to.directory'],
      // tom may not see the profile Secret: answered as missing.
      [tom.token, { ...assign, profileIds: [profile.Secret] }, 404, 'body.options.profileIds'],
    ];
    for (const [token, options, status, field] of refused) {
      const r = await as(token, 'POST', '/api/v1/admin-tasks', task(options));
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.details?.field, JSON.stringify(r.body)).toBe(field);
      if (status === 404) expect([ErrorCode.ViewNotFound, ErrorCode.ProfileNotFound]).toContain(r.body.error.code);
    }
    // Schema failures: the issue names the field.
    const schema: Array<[unknown, string]> = [
      [{ ...exp, format: 'pdf' }, 'body.options.format'],
      [{ ...exp, to: { mail: ['not an address'] } }, 'body.options.to.mail.0'],
      [{ ...exp, to: { mail: [] } }, 'body.options.to.mail'],
      [{ ...exp, to: { directory: 'relative/dir' } }, 'body.options.to.directory'],
      [{ ...assign, profileIds: [] }, 'body.options.profileIds'],
      [{ ...assign, apply: 'later' }, 'body.options.apply'],
    ];
    for (const [options, field] of schema) {
      const r = await t.api('POST', '/api/v1/admin-tasks', task(options));
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.details.issues.map((i: { field: string }) => i.field)).toContain(field);
    }
    expect(await taskCount()).toBe(0);
    // A change is checked the same way and leaves the task as it was.
    const saved = await ok('POST', '/api/v1/admin-tasks', task(assign));
    const bad = await t.api('PATCH', `/api/v1/admin-tasks/${saved.id}`, { options: { ...assign, viewId: 987_654 } });
    expect(bad.status).toBe(404);
    expect(bad.body.error.details.field).toBe('body.options.viewId');
    expect((await ok('GET', `/api/v1/admin-tasks/${saved.id}`)).options.viewId).toBe(viewId);
    await ok('DELETE', `/api/v1/admin-tasks/${saved.id}`);
  });

  it("assigns profiles to the view's devices with the creator's rights; the run counts assigned, skipped, refused", async () => {
    const created = await as(tom.token, 'POST', '/api/v1/admin-tasks', {
      ...task({ type: 'assignProfilesToView', viewId, profileIds: [profile.Kiosk] }),
      name: 'Kiosk for Augsburg',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ type: 'assignProfilesToView', createdBy: 'tom' });
    // tom browses aug-1, aug-2 (assign) and aug-3 (no assign); hid-1 is not his.
    const first = await runOnce(created.body.id);
    expect(first.state, first.message).toBe('succeeded');
    expect(first.message).toBe(`2 assigned, 0 skipped, 1 refused (device × profile); view "Augsburg devices", profile(s) ${profile.Kiosk}`);
    expect(await directAssignments(profile.Kiosk!)).toEqual([ids['aug-1'], ids['aug-2']].sort((a, b) => a! - b!));
    const again = await runOnce(created.body.id);
    expect(again.message).toContain('0 assigned, 2 skipped, 1 refused');
    // The same assignment path as the view action: audited as one.
    const audit = await ok('GET', '/api/v1/audit-log?action=view.assign-profiles');
    expect(audit.items[0]).toMatchObject({ objectType: 'view', objectId: viewId, after: { assigned: 0, skipped: 2, refused: 1 } });
    expect((await ok('GET', `/api/v1/admin-tasks/${created.body.id}`)).lastState).toBe('succeeded');

    // A superuser's task reaches every device of the view.
    const su = await ok('POST', '/api/v1/admin-tasks', task({ type: 'assignProfilesToView', viewId, profileIds: [profile.Kiosk] }));
    expect((await runOnce(su.id)).message).toContain('2 assigned, 2 skipped, 0 refused');
    expect(await directAssignments(profile.Kiosk!)).toEqual(
      [ids['aug-1'], ids['aug-2'], ids['aug-3'], ids['hid-1']].sort((a, b) => a! - b!),
    );

    // A disabled creator: the run fails saying so, nothing is assigned.
    const samId = (
      await ok('POST', '/api/v1/admins', { username: 'sam', password: PW, superuser: false, generalRights: ['globalSettings'] })
    ).id as number;
    const sam = (await ok('POST', `/api/v1/admins/${samId}/tokens`, { name: 'tasks' })).token as string;
    await ok('PUT', `/api/v1/views/${viewId}/access`, {
      entries: [tom.id, samId].map((id) => ({ principal: { type: 'admin', id }, rights: { browse: 'allow', read: 'allow' } })),
    });
    await ok('PUT', `/api/v1/profiles/${profile.Kiosk}/access`, {
      entries: [tom.id, samId].map((id) => ({ principal: { type: 'admin', id }, rights: { browse: 'allow', read: 'allow' } })),
    });
    const bySam = await as(sam, 'POST', '/api/v1/admin-tasks', task({ type: 'assignProfilesToView', viewId, profileIds: [profile.Kiosk] }));
    expect(bySam.status, JSON.stringify(bySam.body)).toBe(201);
    await ok('PATCH', `/api/v1/admins/${samId}`, { disabled: true });
    const before = await directAssignments(profile.Kiosk!);
    const disabled = await runOnce(bySam.body.id);
    expect(disabled.state).toBe('failed');
    expect(disabled.message).toMatch(/creator no longer exists or is disabled/);
    expect(await directAssignments(profile.Kiosk!)).toEqual(before);
    for (const id of [created.body.id, su.id, bySam.body.id]) await ok('DELETE', `/api/v1/admin-tasks/${id}`);
  });

  it('records "target gone" when the profile or the view was deleted after the task was saved; no 5xx', async () => {
    const spare = (await ok('POST', '/api/v1/views', { name: 'Spare', criteria: { field: 'site', op: 'eq', value: 'Berlin' } })).id;
    const onProfile = await ok('POST', '/api/v1/admin-tasks', task({ type: 'assignProfilesToView', viewId, profileIds: [profile.Gone] }));
    const onView = await ok(
      'POST',
      '/api/v1/admin-tasks',
      task({ type: 'exportView', viewId: spare, format: 'json', to: { directory: dir } }),
    );
    await ok('DELETE', `/api/v1/profiles/${profile.Gone}`);
    await ok('DELETE', `/api/v1/views/${spare}`);
    for (const [id, what] of [
      [onProfile.id, `Profile ${profile.Gone}`],
      [onView.id, `View ${spare}`],
    ] as const) {
      const run = await runOnce(id);
      expect(run.state).toBe('failed');
      expect(run.message).toBe(`target gone: ${what} does not exist`);
      const got = await t.api('GET', `/api/v1/admin-tasks/${id}`);
      expect(got.status).toBe(200);
      expect(got.body.lastState).toBe('failed');
      await ok('DELETE', `/api/v1/admin-tasks/${id}`);
    }
    expect(readdirSync(dir).filter((f) => f.includes('Spare'))).toEqual([]);
  });

  it('exports the view into a directory, named by view and time, keeping the newest N; only what the creator may browse', async () => {
    const out = mkdtempSync(join(t.testDb.dataDir, 'view-export-'));
    const created = await as(tom.token, 'POST', '/api/v1/admin-tasks', {
      ...task({ type: 'exportView', viewId, format: 'csv', columns: ['name', 'site'], to: { directory: out, keep: 2 } }),
      name: 'Augsburg list',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as number;
    for (let i = 0; i < 3; i++) {
      const run = await runOnce(id);
      expect(run.state, run.message).toBe('succeeded');
      expect(run.message).toMatch(/^exported 3 device\(s\) of view "Augsburg devices" to .*_task\d+\.csv \(\d+ bytes\)/);
      t.clock.advance(60_000);
    }
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    for (const f of files)
      expect(f).toMatch(new RegExp(`^Augsburg_devices_\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z_task${id}\\.csv$`));
    // The newest two stayed (the first run's file is gone).
    expect(files[0]).toContain(new Date(t.clock.now() - 120_000).toISOString().replace(/[:.]/g, '-'));
    expect(parse(readFileSync(join(out, files[1]!), 'utf8'))).toEqual([
      ['name', 'site'],
      ['aug-1', 'Augsburg'],
      ['aug-2', 'Augsburg'],
      ['aug-3', 'Augsburg'],
    ]);
    // A directory that went away fails the run with its reason.
    rmSync(out, { recursive: true });
    const gone = await runOnce(id);
    expect(gone.state).toBe('failed');
    expect(gone.message).toBe(`${out} is not a writable directory (ENOENT)`);
    await ok('DELETE', `/api/v1/admin-tasks/${id}`);
  });

  it('mails the export through the mail settings (real SMTP server)', async () => {
    received.length = 0;
    const created = await ok(
      'POST',
      '/api/v1/admin-tasks',
      task({ type: 'exportView', viewId, format: 'json', columns: ['name'], to: { mail: ['ops@example.test', 'lead@example.test'] } }),
    );
    const run = await runOnce(created.id);
    expect(run.state, run.message).toBe('succeeded');
    expect(run.message).toMatch(/^mailed 4 device\(s\) of view "Augsburg devices" \(Augsburg_devices\.json, \d+ bytes\) to /);
    expect(run.message).toContain('ops@example.test');
    expect(received).toHaveLength(1);
    expect(received[0]!.to.sort()).toEqual(['lead@example.test', 'ops@example.test']);
    expect(received[0]!.raw).toMatch(/filename="?Augsburg_devices\.json/);
    await ok('DELETE', `/api/v1/admin-tasks/${created.id}`);
  });

  it('never answers 5xx to spoiled view-task options, and names the field of unsafe text', async () => {
    const bodies = [
      task({ type: 'assignProfilesToView', viewId, profileIds: [profile.Kiosk], apply: 'now' }),
      task({ type: 'exportView', viewId, format: 'xlsx', columns: ['name'], to: { mail: ['a@example.test'] } }),
      task({ type: 'exportView', viewId, format: 'csv', to: { directory: dir, keep: 1 } }),
    ];
    const leaves = (v: unknown, path: Array<string | number> = []): Array<Array<string | number>> =>
      Array.isArray(v)
        ? v.flatMap((x, i) => leaves(x, [...path, i]))
        : v && typeof v === 'object'
          ? Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]))
          : [path];
    const withValue = (base: any, path: Array<string | number>, value: unknown): any => {
      if (!path.length) return value;
      const copy: any = Array.isArray(base) ? [...base] : { ...base };
      copy[path[0]!] = withValue(copy[path[0]!], path.slice(1), value);
      return copy;
    };
    const BAD = [null, -1, 0, 1.5, 2 ** 53, '', 'x'.repeat(5000), [], {}, true, '../../etc', '/proc/self', '__proto__'];
    const existing = (await ok('POST', '/api/v1/admin-tasks', bodies[0])).id as number;
    for (const body of bodies) {
      for (const leaf of leaves(body.options).map((p) => ['options', ...p])) {
        for (const v of BAD) {
          for (const [m, url, b] of [
            ['POST', '/api/v1/admin-tasks', withValue(body, leaf, v)],
            ['PATCH', `/api/v1/admin-tasks/${existing}`, { options: withValue(body, leaf, v).options }],
          ] as const) {
            const r = await t.api(m, url, b);
            expect(r.status, `${m} ${leaf.join('.')}=${JSON.stringify(v)?.slice(0, 20)}: ${JSON.stringify(r.body)}`).toBeLessThan(500);
          }
        }
        const r = await t.api('POST', '/api/v1/admin-tasks', withValue(body, leaf, 'a\u0000b'));
        expect(r.status).toBe(400);
        expect(r.body.error.details.field).toBe(`body.${leaf.join('.')}`);
      }
    }
    // Only the fixture task and those the spoiled values left valid (e.g. another id) exist; none is a 5xx.
    for (const item of (await ok('GET', '/api/v1/admin-tasks')).items) await ok('DELETE', `/api/v1/admin-tasks/${item.id}`);
  }, 120_000);

  it("the module reminds through the notification centre's service it is given (one instance)", async () => {
    const calls: unknown[] = [];
    const module = adminTasksModule({
      database: t.database,
      databaseUrl: t.testDb.databaseUrl,
      clock: t.clock,
      devices: { deleteDevices: async () => [] },
      mailer: () => {
        throw new Error('not used');
      },
      audit: { record: async () => undefined },
      singletons: { add: () => undefined },
      log: null,
      notifications: { sync: async (kind, conditions) => void calls.push([kind, conditions.length]) },
      profiles: {} as never,
      commands: { sendCommand: async () => ({}) as never },
      rights: { forRequest: () => ({}) as never },
    });
    await module.service.reminders();
    expect(calls).toEqual([['missingAdminTask', dialect === 'sqlite' ? 1 : 0]]);
  });
});
