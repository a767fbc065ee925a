import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@openums/protocol';
import { SavedViewsRepository } from '../../src/modules/views/saved-views.repository.js';
import { SavedViewsService } from '../../src/modules/views/saved-views.service.js';
import { ViewActionsRepository } from '../../src/modules/views/view-actions.repository.js';
import { ViewActionsService } from '../../src/modules/views/view-actions.service.js';
import { ViewDevices } from '../../src/modules/views/view-devices.js';
import { SYSTEM_CONTEXT } from '../../src/modules/audit/audit-context.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Acting on a saved view (issue 12, docs/views.md): commands and profile assignments reach the
 * view's devices as they are at the call, only those the administrator may browse, with per
 * device refusals (command right, assign) and skips (already assigned, version mismatch); the
 * device limit and paging of the walk; bad input changes nothing.
 */

type Json = any;
const PW = 'a long enough password 1';
const AUGSBURG = { field: 'site', op: 'eq', value: 'Augsburg' };

describe.each(DIALECTS)('views: commands and profile assignment on a view (%s)', (dialect) => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  let ann: { id: number; token: string };
  let viewId = 0;
  const profile: Record<string, number> = {};

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
  const commandRows = async () =>
    (await t.database.db.selectFrom('commands').select(['device_id', 'command']).orderBy('device_id').execute()).map((r) => [
      Number(r.device_id),
      r.command,
    ]);
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

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    for (const name of ['Augsburg', 'Berlin', 'Hidden']) ids[name] = (await ok('POST', '/api/v1/device-folders', { name })).id;
    const devices: Array<[string, string, string, string]> = [
      ['aug-1', 'Augsburg', 'Augsburg', '12.3.1'],
      ['aug-2', 'Augsburg', 'Augsburg', '11.4.200'],
      ['aug-3', 'Berlin', 'Augsburg', '12.1'],
      ['aug-4', 'Augsburg', 'Augsburg', '12.5'],
      ['ber-1', 'Berlin', 'Berlin', '12.5'],
      ['hid-1', 'Hidden', 'Augsburg', '12.5'],
    ];
    let n = 1;
    for (const [name, folder, site, version] of devices) {
      const mac = `02AE000000${String(n++).padStart(2, '0')}`;
      ids[name] = (await ok('POST', '/api/v1/devices', { mac, name, folderId: ids[folder] })).id;
      await ok('PATCH', `/api/v1/devices/${ids[name]}`, { site });
      await t.database.db.updateTable('devices').set({ version }).where('id', '=', ids[name]!).execute();
    }
    viewId = (await ok('POST', '/api/v1/views', { name: 'Augsburg', criteria: AUGSBURG })).id;
    const annId = (await ok('POST', '/api/v1/admins', { username: 'ann', password: PW, superuser: false })).id as number;
    ann = { id: annId, token: (await ok('POST', `/api/v1/admins/${annId}/tokens`, { name: 'views' })).token };
    const grant = (rights: Record<string, 'allow'>) => ({ entries: [{ principal: { type: 'admin', id: annId }, rights }] });
    await ok('PUT', `/api/v1/views/${viewId}/access`, grant({ browse: 'allow', read: 'allow' }));
    await ok(
      'PUT',
      `/api/v1/device-folders/${ids.Augsburg}/access`,
      grant({ browse: 'allow', read: 'allow', powerControl: 'allow', assign: 'allow' }),
    );
    await ok('PUT', `/api/v1/device-folders/${ids.Berlin}/access`, grant({ browse: 'allow', read: 'allow' }));
    for (const name of ['Kiosk', 'Secret']) profile[name] = (await ok('POST', '/api/v1/profiles', { name, type: 'standard' })).id;
    await ok('PUT', `/api/v1/profiles/${profile.Kiosk}/access`, grant({ browse: 'allow', read: 'allow' }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('sends a command to the devices of the view ann may browse; those without the right are refused', async () => {
    const r = await as(ann.token, 'POST', `/api/v1/views/${viewId}/commands`, { command: 'reboot' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.commands.map((c: Json) => c.deviceId).sort()).toEqual([ids['aug-1'], ids['aug-2'], ids['aug-4']].sort());
    expect(r.body.commands.every((c: Json) => c.state === 'queued')).toBe(true);
    expect(r.body.refused).toEqual([
      { deviceId: ids['aug-3'], code: ErrorCode.Forbidden, message: expect.stringContaining('powerControl') },
    ]);
    expect(await commandRows()).toEqual([ids['aug-1'], ids['aug-2'], ids['aug-4']].sort((a, b) => a! - b!).map((id) => [id, 'reboot']));
    const audit = await ok('GET', '/api/v1/audit-log?action=view.command');
    expect(audit.items[0]).toMatchObject({ objectType: 'view', objectId: viewId, after: { command: 'reboot', devices: 3, refused: 1 } });
    expect((await ok('GET', '/api/v1/audit-log?action=command.send')).items).toHaveLength(1);
  });

  it('sends a view command once for one Idempotency-Key, replaying the first answer', async () => {
    const before = (await commandRows()).length;
    const send = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/views/${viewId}/commands`,
        headers: { authorization: `Bearer ${ann.token}`, 'idempotency-key': 'view-cmd-1' },
        payload: { command: 'reboot', expiresInSeconds: 600 },
      });
    const first = await send();
    expect(first.statusCode, first.body).toBe(201);
    const again = await send();
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await commandRows()).length).toBe(before + 3);
  });

  it('refuses bad commands naming the field and a view ann may not read; nothing is created', async () => {
    const before = await commandRows();
    for (const [body, field] of [
      [{ command: 'explode' }, 'command'],
      [{ command: 'send-message' }, 'body.text'],
      [{ command: 'reboot', text: 'hi' }, 'body.text'],
      [{ command: 'reboot', deviceIds: [1] }, 'deviceIds'],
      [{ command: 'reboot', expiresInSeconds: 1 }, 'expiresInSeconds'],
    ] as const) {
      const r = await as(t.token, 'POST', `/api/v1/views/${viewId}/commands`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(`${r.body.error.details?.field ?? ''} ${r.body.error.message}`).toContain(field);
    }
    const hidden = (await ok('POST', '/api/v1/views', { name: 'not for ann', criteria: AUGSBURG })).id;
    const h = await as(ann.token, 'POST', `/api/v1/views/${hidden}/commands`, { command: 'reboot' });
    expect(h.status).toBe(404);
    expect(h.body.error.code).toBe(ErrorCode.ViewNotFound);
    expect(await commandRows()).toEqual(before);
  });

  it('assigns profiles per device: assigned, skipped (already, version mismatch) or refused; settings are marked for delivery', async () => {
    await ok('POST', `/api/v1/profiles/${profile.Kiosk}/assignments`, { targets: [{ type: 'device', id: ids['aug-1'] }] });
    const r = await as(ann.token, 'POST', `/api/v1/views/${viewId}/assign-profiles`, { profileIds: [profile.Kiosk], apply: 'now' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const byDevice = Object.fromEntries(r.body.items.map((i: Json) => [i.deviceId, i]));
    expect(Object.keys(byDevice).map(Number).sort()).toEqual([ids['aug-1'], ids['aug-2'], ids['aug-3'], ids['aug-4']].sort());
    const p = profile.Kiosk;
    expect(byDevice[ids['aug-1']!]).toEqual({ deviceId: ids['aug-1'], profileId: p, result: 'skipped', reason: 'already assigned' });
    expect(byDevice[ids['aug-2']!]).toMatchObject({ result: 'skipped', reason: expect.stringMatching(/^version mismatch: .*11\.4\.200/) });
    expect(byDevice[ids['aug-3']!]).toMatchObject({ result: 'refused', reason: expect.stringContaining('assign right') });
    expect(byDevice[ids['aug-4']!]).toEqual({ deviceId: ids['aug-4'], profileId: p, result: 'assigned' });
    expect(r.body).toMatchObject({ assigned: 1, skipped: 2, refused: 1 });
    expect(await directAssignments(p!)).toEqual([ids['aug-1'], ids['aug-4']].sort((a, b) => a! - b!));
    // The same path as an administrator's assignment: the device's settings wait for delivery.
    expect((await ok('GET', `/api/v1/devices/${ids['aug-4']}`)).configChanges).toBe('PENDING');
    const audit = await ok('GET', '/api/v1/audit-log?action=view.assign-profiles');
    expect(audit.items[0]).toMatchObject({
      objectId: viewId,
      after: { profileIds: [p], apply: 'now', assigned: 1, skipped: 2, refused: 1 },
    });
    expect((await ok('GET', `/api/v1/audit-log?action=profile.assign&objectId=${p}`)).items).toHaveLength(2);
  });

  it('refuses bad assignment bodies and profiles ann may not read, naming the field; nothing is assigned', async () => {
    const before = await directAssignments(profile.Secret!);
    for (const [body, field] of [
      [{ profileIds: [] }, 'profileIds'],
      [{ profileIds: [0] }, 'profileIds'],
      [{ profileIds: [profile.Secret, profile.Secret] }, 'profileIds'],
      [{ profileIds: [profile.Secret], apply: 'later' }, 'apply'],
      [{ profileIds: [profile.Secret], targets: [] }, 'body'],
    ] as const) {
      const r = await as(t.token, 'POST', `/api/v1/views/${viewId}/assign-profiles`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(`${r.body.error.details?.field ?? ''} ${r.body.error.message}`).toContain(field);
    }
    const missing = await as(t.token, 'POST', `/api/v1/views/${viewId}/assign-profiles`, { profileIds: [999_999] });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe(ErrorCode.ProfileNotFound);
    const secret = await as(ann.token, 'POST', `/api/v1/views/${viewId}/assign-profiles`, { profileIds: [profile.Kiosk, profile.Secret] });
    expect(secret.status).toBe(404);
    expect(secret.body.error.code).toBe(ErrorCode.ProfileNotFound);
    expect(secret.body.error.details.field).toBe('body.profileIds');
    expect(await directAssignments(profile.Secret!)).toEqual(before);
  });

  it('walks the view in pages and refuses more devices than the limit before doing anything', async () => {
    const db = t.database.db;
    const saved = new SavedViewsService(new SavedViewsRepository(db), t.clock, t.audit);
    const service = (maxDevices: number) =>
      new ViewActionsService({
        saved,
        // Pages of 2: the five matching devices take three pages.
        devices: new ViewDevices(db, t.database.dialect, t.clock, 2),
        repo: new ViewActionsRepository(db),
        commands: t.commands,
        profiles: {
          requireProfile: () => Promise.reject(new Error('not used')),
          assign: () => Promise.reject(new Error('not used')),
        },
        mailer: { send: () => Promise.reject(new Error('not used')), sendToRecipients: () => Promise.reject(new Error('not used')) },
        audit: t.audit,
        maxDevices,
      });
    const all = async (list: number[]) => ({ allowed: list, refused: [], unknown: [] });
    const before = await commandRows();
    await expect(service(4).sendCommand(SYSTEM_CONTEXT, viewId, { command: 'refresh-sysinfo' }, null, all, null)).rejects.toMatchObject({
      code: ErrorCode.ViewTooManyDevices,
    });
    expect(await commandRows()).toEqual(before);
    const sent = await service(5).sendCommand(SYSTEM_CONTEXT, viewId, { command: 'refresh-sysinfo' }, null, all, null);
    const expected = ['aug-1', 'aug-2', 'aug-3', 'aug-4', 'hid-1'].map((n) => ids[n]!).sort((a, b) => a - b);
    expect(sent.commands.map((c) => c.deviceId)).toEqual(expected);

    const ex = await service(5).exportView(viewId, 'csv', ['name'], 'query.columns', null);
    let text = '';
    for await (const chunk of ex.stream) text += String(chunk);
    expect(text).toBe('name\naug-1\naug-2\naug-3\naug-4\nhid-1\n');
  });
});
