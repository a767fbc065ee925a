import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const PW = 'a long enough password 1';
const DAY = 86_400_000;

describe.each(DIALECTS)('audit log (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const entries = async (query: string) => {
    const r = await t.api('GET', `/api/v1/audit-log?${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.items as any[];
  };
  const login = (username: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  /** Every stored entry as raw text: what must never contain a secret. */
  const everything = async () => JSON.stringify(await t.database.db.selectFrom('audit_log').selectAll().execute());
  const countEntries = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('records the login the test app made: who, from where, how', async () => {
    const [e] = await entries('action=auth.login');
    expect(e).toMatchObject({
      action: 'auth.login',
      actorName: 'admin',
      via: 'session',
      tokenId: null,
      address: '127.0.0.1',
      objectType: 'admin',
      objectName: 'admin',
      result: 'success',
    });
    expect(e.actorId).toBe(e.objectId);
  });

  it('a device update writes one entry with what changed, in its transaction; a failed update writes none', async () => {
    const created = await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0101', name: 'kiosk-1' });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    const before = await countEntries();
    const updated = await t.api('PATCH', `/api/v1/devices/${id}`, { name: 'kiosk-one', comment: 'new' });
    expect(updated.status).toBe(200);
    expect(await countEntries()).toBe(before + 1);
    const [e] = await entries(`objectType=device&objectId=${id}&action=device.update`);
    expect(e).toMatchObject({
      action: 'device.update',
      actorName: 'admin',
      via: 'session',
      objectType: 'device',
      objectId: id,
      objectName: 'kiosk-one',
      before: { name: 'kiosk-1', comment: null },
      after: { name: 'kiosk-one', comment: 'new' },
    });

    // Refused before any write: nothing recorded.
    expect((await t.api('PATCH', '/api/v1/devices/999999', { name: 'x' })).status).toBe(404);
    expect((await t.api('PATCH', `/api/v1/devices/${id}`, { folderId: 999999 })).status).toBe(404);
    expect(await countEntries()).toBe(before + 1);

    // A change that fails after recording rolls its entry back with it.
    await expect(
      t.database.db.transaction().execute(async (trx) => {
        await trx.updateTable('devices').set({ name: 'rolled-back' }).where('id', '=', id).execute();
        await t.audit.record(trx, {
          by: { actor: null, address: null },
          action: 'device.update',
          object: { type: 'device', id, name: 'rolled-back' },
        });
        throw new Error('fails after the entry');
      }),
    ).rejects.toThrow('fails after the entry');
    expect(await countEntries()).toBe(before + 1);
    expect((await t.api('GET', `/api/v1/devices/${id}`)).body.name).toBe('kiosk-one');
  });

  it('records create, move and delete of devices and folder changes', async () => {
    const folder = await t.api('POST', '/api/v1/device-folders', { name: 'Audit folder' });
    const d = await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0102' });
    expect((await t.api('POST', '/api/v1/devices/move', { deviceIds: [d.body.id], folderId: folder.body.id })).status).toBe(200);
    expect((await t.api('DELETE', `/api/v1/devices/${d.body.id}`)).status).toBe(204);
    const history = await entries(`objectType=device&objectId=${d.body.id}`);
    expect(history.map((e) => e.action)).toEqual(['device.delete', 'device.move', 'device.create']);
    expect(history[1]).toMatchObject({ before: { folderId: null }, after: { folderId: folder.body.id } });
    expect(history[0].before).toMatchObject({ mac: '02AABBCC0102', folderId: folder.body.id });
    const [f] = await entries(`objectType=device-folder&objectId=${folder.body.id}`);
    expect(f).toMatchObject({ action: 'device-folder.create', after: { name: 'Audit folder', parentId: null } });
  });

  it('records profile folders, profile imports and commands sent (one entry per request)', async () => {
    const folder = (await t.api('POST', '/api/v1/profile-folders', { name: 'Audited' })).body.id as number;
    expect((await t.api('PATCH', `/api/v1/profile-folders/${folder}`, { name: 'Audited 2' })).status).toBe(200);
    expect((await t.api('DELETE', `/api/v1/profile-folders/${folder}`)).status).toBe(204);
    const folderEntries = await entries(`objectType=profile-folder&objectId=${folder}`);
    expect(folderEntries.map((e) => e.action).sort()).toEqual(['profile-folder.create', 'profile-folder.delete', 'profile-folder.update']);
    expect(folderEntries.find((e) => e.action === 'profile-folder.update')).toMatchObject({
      before: { name: 'Audited' },
      after: { name: 'Audited 2' },
    });

    const original = (await t.api('POST', '/api/v1/profiles', { name: 'To export', type: 'standard' })).body.id as number;
    const file = await t.app.inject({
      method: 'GET',
      url: `/api/v1/profiles/export?ids=${original}`,
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(file.statusCode).toBe(200);
    const imported = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles/import',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/plain' },
      payload: file.body,
    });
    expect(imported.statusCode, imported.body).toBe(201);
    const [imp] = await entries('action=profile.import');
    expect(imp.after.profiles).toEqual([{ id: imported.json().created[0].id, name: 'To export', folderPath: [] }]);

    const devices = [];
    for (const mac of ['02AABBCC0901', '02AABBCC0902']) devices.push((await t.api('POST', '/api/v1/devices', { mac })).body.id as number);
    const before = await countEntries();
    const sent = await t.api('POST', '/api/v1/devices/commands', {
      command: 'send-message',
      text: 'Maintenance at 18:00',
      deviceIds: devices,
    });
    expect(sent.status).toBe(201);
    expect(await countEntries()).toBe(before + 1);
    const [cmd] = await entries('action=command.send');
    expect(cmd).toMatchObject({
      objectType: 'device',
      after: { command: 'send-message', text: 'Maintenance at 18:00', devices: 2, deviceIds: devices, refused: 0 },
    });
  });

  it('records a failed login with the name tried and never the password; logins and logouts', async () => {
    const guess = 'Guess-Of-The-Password-42';
    expect((await login('admin', guess)).statusCode).toBe(401);
    expect((await login('nobody-here', guess)).statusCode).toBe(401);
    const failed = await entries('action=auth.login-failed');
    expect(failed[0]).toMatchObject({
      actorId: null,
      address: '127.0.0.1',
      objectType: 'admin',
      objectId: null,
      objectName: 'nobody-here',
      result: 'failure',
      after: { reason: 'unknown-user' },
    });
    expect(failed[1]).toMatchObject({ objectName: 'admin', result: 'failure', after: { reason: 'wrong-password' } });
    expect(failed[1].objectId).toBeGreaterThan(0);
    expect(await everything()).not.toContain(guess);

    const session = (await login('admin', 'correct horse battery staple')).json().token as string;
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${session}` } });
    expect(out.statusCode).toBe(200);
    expect((await entries('action=auth.logout'))[0]).toMatchObject({ actorName: 'admin', via: 'session', result: 'success' });
  });

  it('masks secrets: passwords, API tokens and rights changes of accounts', async () => {
    const alice = await t.api('POST', '/api/v1/admins', { username: 'alice', password: PW, superuser: false });
    expect(alice.status).toBe(201);
    const token = await t.api('POST', `/api/v1/admins/${alice.body.id}/tokens`, { name: 'deploy' });
    expect(token.status).toBe(201);
    expect((await t.api('POST', `/api/v1/admins/${alice.body.id}/password`, { password: `${PW} changed` })).status).toBe(200);
    expect((await t.api('PATCH', `/api/v1/admins/${alice.body.id}`, { generalRights: ['loggingAndAudit'] })).status).toBe(200);

    const history = await entries(`objectType=admin&objectId=${alice.body.id}`);
    expect(history.map((e) => e.action)).toEqual(['admin.update', 'admin.password-reset', 'admin.create']);
    expect(history[0]).toMatchObject({ before: { generalRights: [] }, after: { generalRights: ['loggingAndAudit'] } });
    expect(history[2].after).toMatchObject({ username: 'alice', superuser: false });
    const [created] = await entries(`action=api-token.create&objectId=${token.body.id}`);
    expect(created).toMatchObject({ objectType: 'api-token', objectName: 'alice: deploy', after: { name: 'deploy', status: 'active' } });

    const stored = await everything();
    expect(stored).not.toContain(PW);
    expect(stored).not.toContain(token.body.token);

    // The token acts as alice: its entries say so.
    const asToken = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit-log?limit=1',
      headers: { authorization: `Bearer ${token.body.token}` },
    });
    expect(asToken.statusCode).toBe(200);
    expect((await t.api('PUT', '/api/v1/settings/password-policy', { minLength: 14, reuseCount: 3 })).status).toBe(200);
    const [policy] = await entries('action=settings.update&objectType=settings');
    expect(policy).toMatchObject({ objectName: 'password-policy', after: { minLength: 14, reuseCount: 3 } });
    expect((await t.api('PUT', '/api/v1/settings/password-policy', { minLength: 12, reuseCount: 5 })).status).toBe(200);
  });

  it('needs the loggingAndAudit right (superusers always); API tokens are named in the entries they cause', async () => {
    await t.api('POST', '/api/v1/admins', { username: 'bob', password: PW, superuser: false, generalRights: ['mail'] });
    const carol = await t.api('POST', '/api/v1/admins', {
      username: 'carol',
      password: PW,
      superuser: false,
      generalRights: ['loggingAndAudit'],
    });
    const bob = (await login('bob', PW)).json().token as string;
    const refused = await t.app.inject({ method: 'GET', url: '/api/v1/audit-log', headers: { authorization: `Bearer ${bob}` } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe(ErrorCode.Forbidden);
    const csv = await t.app.inject({ method: 'GET', url: '/api/v1/audit-log.csv', headers: { authorization: `Bearer ${bob}` } });
    expect(csv.statusCode).toBe(403);

    const token = await t.api('POST', `/api/v1/admins/${carol.body.id}/tokens`, { name: 'auditor' });
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/settings/audit-log',
      headers: { authorization: `Bearer ${token.body.token}` },
      payload: { retentionDays: 400 },
    });
    expect(put.statusCode).toBe(200);
    const [e] = await entries('action=settings.update&objectType=settings');
    expect(e).toMatchObject({
      actorId: carol.body.id,
      actorName: 'carol',
      via: 'token',
      tokenId: token.body.id,
      objectName: 'audit-log',
      before: { retentionDays: 365 },
      after: { retentionDays: 400 },
    });
    expect((await t.api('PUT', '/api/v1/settings/audit-log', { retentionDays: 365 })).status).toBe(200);
  });

  it('filters by time, actor, object and action, and pages newest first by cursor', async () => {
    const start = t.clock.now();
    t.clock.advance(60_000);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = await t.api('POST', '/api/v1/devices', { mac: `02AABBCC02${String(i).padStart(2, '0')}`, name: `page-${i}` });
      ids.push(d.body.id);
      t.clock.advance(1000);
    }
    const from = new Date(start + 60_000).toISOString();
    const all = await entries(`action=device.create&from=${from}`);
    expect(all.map((e) => e.objectId)).toEqual([...ids].reverse());
    const to = new Date(start + 62_000).toISOString();
    expect((await entries(`action=device.create&from=${from}&to=${to}`)).map((e) => e.objectId)).toEqual([ids[1], ids[0]]);
    const me = (await t.api('GET', '/api/v1/auth/me')).body.user.id as number;
    expect((await entries(`actorId=${me}&action=device.create&from=${from}`)).length).toBe(5);
    expect(await entries(`actorId=999999&action=device.create`)).toEqual([]);
    expect((await entries(`objectType=device&objectId=${ids[2]}`)).map((e) => e.objectName)).toEqual(['page-2']);

    // Pages of two: every entry once, in order, across equal timestamps too.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const r = await t.api('GET', `/api/v1/audit-log?action=device.create&from=${from}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((e: any) => e.objectId));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const bad = await t.api('GET', '/api/v1/audit-log?cursor=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe(ErrorCode.InvalidCursor);
    expect((await t.api('GET', '/api/v1/audit-log?from=yesterday')).status).toBe(400);
  });

  it('exports CSV with the same filters, formulas defused', async () => {
    const d = await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0301', name: '=HYPERLINK("http://evil")' });
    expect(d.status).toBe(201);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/audit-log.csv?objectType=device&objectId=${d.body.id}`,
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('audit-log.csv');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,actor_id,actor_name,via,token_id,address,action,object_type,object_id,object_name,result,before,after');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,device.create,device,${d.body.id},"'=HYPERLINK(""http://evil"")",success,,`);
    expect(res.body).not.toMatch(/,=HYPERLINK/);
    const badFilter = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit-log.csv?to=not-a-time',
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(badFilter.statusCode).toBe(400);
  });

  it('purges entries older than the retention, in batches', async () => {
    const old = t.clock.now();
    await t.database.db.transaction().execute((trx) =>
      t.audit.recordMany(
        trx,
        Array.from({ length: 2_100 }, (_, i) => ({
          by: { actor: null, address: null },
          action: 'test.old',
          object: { type: 'test', id: i + 1 },
        })),
      ),
    );
    expect((await t.api('PUT', '/api/v1/settings/audit-log', { retentionDays: 2 })).status).toBe(200);
    t.clock.advance(2 * DAY + 1);
    // The session has expired meanwhile.
    t.token = (await login('admin', 'correct horse battery staple')).json().token;
    await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0401', name: 'recent' });
    // (The audit-purge singleton of this app may get there first: either way the old entries go.)
    await t.audit.purge();
    expect(await entries('action=test.old')).toEqual([]);
    const left = await t.database.db.selectFrom('audit_log').select('at').execute();
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((r) => Number(r.at) > old)).toBe(true);
    expect((await entries('action=device.create&limit=1'))[0].objectName).toBe('recent');
    expect((await t.api('GET', '/api/v1/settings/audit-log')).body).toEqual({ retentionDays: 2 });
    // The purge is a singleton task of the cluster.
    expect(t.singletons.held()).toContain('audit-purge');
  });
});
