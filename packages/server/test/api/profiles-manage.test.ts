import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const TIMEOUT = 'userinterface.screensaver.timeout';
const DOMAIN = 'network.dns.domain';
const RDP_PASSWORD = 'sessions.rdp[1].password';

describe.each(DIALECTS)('profile management: folders, copy, secrets, import/export, preview (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const importText = (text: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles/import',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/plain' },
      payload: text,
    });

  it('organises profiles in folders; lists by folder and name prefix; refuses cycles and non-empty deletes', async () => {
    const berlin = (await t.api('POST', '/api/v1/profile-folders', { name: 'Berlin' })).body;
    const office = (await t.api('POST', '/api/v1/profile-folders', { name: 'Office', parentId: berlin.id })).body;
    expect(office).toEqual({ id: office.id, name: 'Office', parentId: berlin.id });
    expect((await t.api('POST', '/api/v1/profile-folders', { name: 'Office', parentId: berlin.id })).body.error.code).toBe(
      'FOLDER_NAME_TAKEN',
    );
    expect((await t.api('PATCH', `/api/v1/profile-folders/${berlin.id}`, { parentId: office.id })).body.error.code).toBe('FOLDER_CYCLE');

    const p = (
      await t.api('POST', '/api/v1/profiles', { name: 'Kiosk Berlin', type: 'standard', folderId: office.id, settings: { [TIMEOUT]: 3 } })
    ).body;
    expect(p.folderId).toBe(office.id);
    await t.api('POST', '/api/v1/profiles', { name: 'Other', type: 'standard', settings: {} });
    expect((await t.api('GET', `/api/v1/profiles?folderId=${office.id}`)).body.items.map((x: any) => x.name)).toEqual(['Kiosk Berlin']);
    expect((await t.api('GET', '/api/v1/profiles?folderId=root')).body.items.map((x: any) => x.name)).toEqual(['Other']);
    expect((await t.api('GET', '/api/v1/profiles?q=kiosk')).body.items.map((x: any) => x.name)).toEqual(['Kiosk Berlin']);
    expect((await t.api('GET', '/api/v1/profiles?folderId=999999')).body.error.code).toBe('PROFILE_FOLDER_NOT_FOUND');

    const del = await t.api('DELETE', `/api/v1/profile-folders/${office.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('PROFILE_FOLDER_NOT_EMPTY');

    const copy = await t.api('POST', `/api/v1/profiles/${p.id}/copy`, { folderId: null });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Kiosk Berlin (copy)', folderId: null, settings: { [TIMEOUT]: 3 } });
    expect(copy.body.id).toBeGreaterThan(p.id);
    const renamed = await t.api('PATCH', `/api/v1/profiles/${copy.body.id}`, { name: 'Kiosk Hamburg', folderId: berlin.id });
    expect(renamed.body).toMatchObject({ name: 'Kiosk Hamburg', folderId: berlin.id });
  });

  it('masks secrets and keeps the stored secret when the mask is sent back', async () => {
    const p = (
      await t.api('POST', '/api/v1/profiles', {
        name: 'RDP',
        type: 'standard',
        settings: { [RDP_PASSWORD]: 's3cret', 'sessions.rdp[1].server': 'rdp.example' },
      })
    ).body;
    expect(p.settings[RDP_PASSWORD]).toBe('********');
    const patched = await t.api('PATCH', `/api/v1/profiles/${p.id}`, {
      settings: { ...p.settings, 'sessions.rdp[1].server': 'rdp2.example' },
    });
    expect(patched.status).toBe(200);
    const exported = await t.api('GET', `/api/v1/profiles/export?ids=${p.id}&includeSecrets=true`);
    expect(exported.status).toBe(200);
    expect(exported.body).toContain(`${RDP_PASSWORD} = "s3cret"`);
    expect(exported.body).toContain('sessions.rdp[1].server = "rdp2.example"');
    const fresh = (await t.api('POST', '/api/v1/profiles', { name: 'No secret', type: 'standard', settings: {} })).body;
    const bad = await t.api('PATCH', `/api/v1/profiles/${fresh.id}`, { settings: { [RDP_PASSWORD]: '********' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe(`settings.${RDP_PASSWORD}`);
  });

  it('round-trips profiles through export and import, with folders', async () => {
    const folder = (await t.api('POST', '/api/v1/profile-folders', { name: 'Export me' })).body;
    const a = (
      await t.api('POST', '/api/v1/profiles', {
        name: 'A',
        type: 'standard',
        folderId: folder.id,
        settings: { [TIMEOUT]: 7, [DOMAIN]: 'a.example', [RDP_PASSWORD]: 'x' },
      })
    ).body;
    const res = await t.api('GET', `/api/v1/profiles/export?ids=${a.id}`);
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.body).not.toContain('"x"');
    await t.api('DELETE', `/api/v1/profiles/${a.id}`);
    await t.api('DELETE', `/api/v1/profile-folders/${folder.id}`);
    const imported = await importText(res.body);
    expect(imported.statusCode, imported.body).toBe(201);
    const [created] = imported.json().created;
    expect(created).toMatchObject({ name: 'A', type: 'standard', basedOn: '12.1', settings: { [TIMEOUT]: 7, [DOMAIN]: 'a.example' } });
    const folders = (await t.api('GET', '/api/v1/profile-folders?limit=1000')).body.items;
    expect(folders.find((f: any) => f.id === created.folderId)).toMatchObject({ name: 'Export me', parentId: null });
  });

  it('refuses an import with errors, naming every line, and saves nothing', async () => {
    const before = (await t.api('GET', '/api/v1/profiles?limit=1000')).body.items.length;
    const r = await importText(
      [
        'openums-profiles 1',
        '[profile]',
        'name = Good',
        `${TIMEOUT} = 5`,
        '[profile]',
        'name = Bad',
        `${TIMEOUT} = 100000`,
        'basedOn = 11.0',
      ].join('\n'),
    );
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body.error.code).toBe('IMPORT_INVALID');
    expect(body.error.details.errors).toEqual([
      expect.objectContaining({ line: 5, field: 'basedOn', message: expect.stringContaining('OS 11.0') }),
      expect.objectContaining({ line: 7, field: TIMEOUT }),
    ]);
    expect((await t.api('GET', '/api/v1/profiles?limit=1000')).body.items.length).toBe(before);
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles/import',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(json.statusCode).toBe(415);
  });

  it('previews how many devices a change affects, with a sample diff, without saving', async () => {
    const folder = (await t.api('POST', '/api/v1/device-folders', { name: 'Preview' })).body.id;
    const devices: number[] = [];
    for (let i = 0; i < 3; i++)
      devices.push((await t.api('POST', '/api/v1/devices', { mac: `02:00:00:00:BB:0${i}`, name: `pv-${i}`, folderId: folder })).body.id);
    const p = (await t.api('POST', '/api/v1/profiles', { name: 'Preview', type: 'standard', settings: { [TIMEOUT]: 5 } })).body.id;
    // A stronger profile on one device already sets the timeout: that device does not change.
    const strong = (await t.api('POST', '/api/v1/profiles', { name: 'Direct', type: 'standard', settings: { [TIMEOUT]: 9 } })).body.id;
    await t.api('POST', `/api/v1/profiles/${strong}/assignments`, { targets: [{ type: 'device', id: devices[0] }] });

    const assign = await t.api('POST', `/api/v1/profiles/${p}/preview`, { assign: [{ type: 'folder', id: folder }] });
    expect(assign.body).toEqual({
      affectedDevices: 3,
      changedDevices: 2,
      sample: { deviceId: devices[1], deviceName: 'pv-1', changes: [{ key: TIMEOUT, before: null, after: 5 }] },
    });
    expect((await t.api('GET', `/api/v1/profiles/${p}/assignments`)).body.items).toEqual([]);

    await t.api('POST', `/api/v1/profiles/${p}/assignments`, { targets: [{ type: 'folder', id: folder }] });
    const edit = await t.api('POST', `/api/v1/profiles/${p}/preview`, { settings: { [TIMEOUT]: 6, [DOMAIN]: 'x.example' } });
    expect(edit.body.affectedDevices).toBe(3);
    expect(edit.body.changedDevices).toBe(3);
    expect(edit.body.sample.changes).toEqual([
      { key: DOMAIN, before: null, after: 'x.example' },
      ...(edit.body.sample.deviceId === devices[0] ? [] : [{ key: TIMEOUT, before: 5, after: 6 }]),
    ]);
    const remove = await t.api('POST', `/api/v1/profiles/${p}/preview`, { unassign: [{ type: 'folder', id: folder }] });
    expect(remove.body).toMatchObject({ affectedDevices: 3, changedDevices: 2 });
    const bad = await t.api('POST', `/api/v1/profiles/${p}/preview`, { settings: { [TIMEOUT]: -1 } });
    expect(bad.status).toBe(400);
    expect((await t.api('GET', `/api/v1/profiles/${p}`)).body.settings).toEqual({ [TIMEOUT]: 5 });
  });

  it("edits a device's own configuration, validated, with the lowest precedence", async () => {
    const d = (await t.api('POST', '/api/v1/devices', { mac: '02:00:00:00:CC:01', name: 'own' })).body.id;
    const bad = await t.api('PUT', `/api/v1/devices/${d}/settings`, { settings: { 'no.such.key': 1 } });
    expect(bad.status).toBe(400);
    const put = await t.api('PUT', `/api/v1/devices/${d}/settings`, { settings: { [DOMAIN]: 'own.example', [TIMEOUT]: 1 } });
    expect(put.body).toMatchObject({
      settings: { [DOMAIN]: 'own.example', [TIMEOUT]: 1 },
      configChanges: 'PENDING',
      revision: 1,
      apply: 'now',
    });
    const p = (await t.api('POST', '/api/v1/profiles', { name: 'Over', type: 'standard', settings: { [TIMEOUT]: 10 } })).body.id;
    await t.api('POST', `/api/v1/profiles/${p}/assignments`, { targets: [{ type: 'device', id: d }], apply: 'next-reboot' });
    const eff = (await t.api('GET', `/api/v1/devices/${d}/effective-configuration`)).body.parameters;
    expect(eff.find((x: any) => x.key === TIMEOUT)).toMatchObject({
      value: 10,
      source: { type: 'profile', id: p },
      overridden: [{ value: 1, source: { type: 'device' } }],
    });
    expect(eff.find((x: any) => x.key === DOMAIN)).toMatchObject({ value: 'own.example', source: { type: 'device' } });
    expect((await t.api('GET', `/api/v1/devices/${d}/settings`)).body).toMatchObject({ revision: 2, apply: 'next-reboot' });
    expect((await t.api('GET', `/api/v1/devices/${d}`)).body.configChanges).toBe('PENDING');
  });

  it('gives affected devices a new revision when a profile is deleted or the priority switch changes', async () => {
    const d = (await t.api('POST', '/api/v1/devices', { mac: '02:00:00:00:DD:01', name: 'rev' })).body.id;
    const p = (await t.api('POST', '/api/v1/profiles', { name: 'Doomed', type: 'standard', settings: { [TIMEOUT]: 4 } })).body.id;
    await t.api('POST', `/api/v1/profiles/${p}/assignments`, { targets: [{ type: 'device', id: d }] });
    const r1 = (await t.api('GET', `/api/v1/devices/${d}/settings`)).body.revision;
    // A rename changes nothing a device sees: no new revision.
    await t.api('PATCH', `/api/v1/profiles/${p}`, { name: 'Doomed (renamed)' });
    expect((await t.api('GET', `/api/v1/devices/${d}/settings`)).body.revision).toBe(r1);
    expect((await t.api('DELETE', `/api/v1/profiles/${p}?apply=next-reboot`)).status).toBe(204);
    expect((await t.api('GET', `/api/v1/devices/${d}/settings`)).body).toMatchObject({
      revision: r1 + 1,
      apply: 'next-reboot',
      configChanges: 'PENDING',
    });
    expect((await t.api('GET', `/api/v1/devices/${d}/effective-configuration`)).body.parameters).toEqual([]);
    const before = (await t.api('GET', '/api/v1/settings/profiles')).body.priorityProfiles;
    await t.api('PUT', '/api/v1/settings/profiles', { priorityProfiles: !before });
    expect((await t.api('GET', `/api/v1/devices/${d}/settings`)).body.revision).toBe(r1 + 2);
    // The same value again changes nothing; switching back is a change.
    await t.api('PUT', '/api/v1/settings/profiles', { priorityProfiles: !before });
    expect((await t.api('GET', `/api/v1/devices/${d}/settings`)).body.revision).toBe(r1 + 2);
    await t.api('PUT', '/api/v1/settings/profiles', { priorityProfiles: before });
    expect((await t.api('GET', `/api/v1/devices/${d}/settings`)).body.revision).toBe(r1 + 3);
  });
});
