import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { channelServer } from '../helpers/channel-server.js';
import { DIALECTS } from '../helpers/db.js';
import { DefaultFolderRulesRepository } from '../../src/modules/default-folder-rules/default-folder-rules.repository.js';
import { DefaultFolderRulesService } from '../../src/modules/default-folder-rules/default-folder-rules.service.js';
import { enroll, sysinfo, TestDevice } from '../helpers/device.js';

const PW = 'a long enough password 1';
const name = (value: string) => ({ field: 'name', op: 'eq', value });
const tag = (value: string) => ({ field: 'structureTag', op: 'eq', value });

describe.each(DIALECTS)('default folder rules API (%s)', (dialect) => {
  let t: TestApp;
  const f: Record<string, number> = {};
  const ok = <T extends { status: number; body: any }>(r: T): T => {
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r;
  };
  const folder = async (n: string, parentId: number | null = null) =>
    ok(await t.api('POST', '/api/v1/device-folders', { name: n, parentId })).body.id as number;
  const newRule = async (body: Record<string, unknown>) => ok(await t.api('POST', '/api/v1/default-folder-rules', body)).body;
  const clear = async () => {
    for (const r of (await t.api('GET', '/api/v1/default-folder-rules')).body.items.filter((x: any) => x.parentId === null))
      ok(await t.api('DELETE', `/api/v1/default-folder-rules/${r.id}`));
  };
  const test = async (device: Record<string, unknown>, at?: string) =>
    ok(await t.api('POST', '/api/v1/default-folder-rules/test', { device, ...(at ? { at } : {}) })).body;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    for (const n of ['A', 'A1', 'A1a', 'A3', 'B1', 'C', 'Subnets']) f[n] = await folder(n);
    f.A1sub = await folder('Below A1', f.A1!);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('keeps an ordered tree: create, reorder, move below another rule, refuse cycles, delete with the rules below', async () => {
    const a = await newRule({ name: 'A', criteria: name('a'), target: { mode: 'folder', folderId: f.A } });
    const b = await newRule({ name: 'B', criteria: name('b'), target: { mode: 'none' } });
    const c = await newRule({ name: 'C', criteria: name('c'), target: { mode: 'folder', folderId: f.C }, position: 0 });
    const a1 = await newRule({ name: 'A1', parentId: a.id, criteria: name('a1'), target: { mode: 'folder', folderId: f.A1 } });
    expect(a1).toMatchObject({ parentId: a.id, position: 0, overridesExistingFolder: false, applyAtBoot: false, leaveInSubfolder: false });
    expect(c).toMatchObject({ parentId: null, position: 0 });
    const order = async () => (await t.api('GET', '/api/v1/default-folder-rules')).body.items.map((r: any) => `${r.name}@${r.position}`);
    expect(await order()).toEqual(['C@0', 'A@1', 'A1@0', 'B@2']);
    ok(await t.api('PATCH', `/api/v1/default-folder-rules/${b.id}`, { position: 0 }));
    expect(await order()).toEqual(['B@0', 'C@1', 'A@2', 'A1@0']);
    ok(await t.api('PATCH', `/api/v1/default-folder-rules/${b.id}`, { parentId: a1.id }));
    expect(await order()).toEqual(['C@0', 'A@1', 'A1@0', 'B@0']);

    const cycle = await t.api('PATCH', `/api/v1/default-folder-rules/${a.id}`, { parentId: b.id });
    expect(cycle.status).toBe(409);
    expect(cycle.body.error).toMatchObject({ code: 'DEFAULT_FOLDER_RULE_CYCLE', details: { field: 'body.parentId' } });
    expect((await t.api('PATCH', `/api/v1/default-folder-rules/${a.id}`, { parentId: a.id })).status).toBe(409);
    expect(await order()).toEqual(['C@0', 'A@1', 'A1@0', 'B@0']);

    ok(await t.api('DELETE', `/api/v1/default-folder-rules/${a.id}`));
    expect(await order()).toEqual(['C@0']);
    expect((await t.api('GET', `/api/v1/default-folder-rules/${a1.id}`)).status).toBe(404);
    const audit = ok(await t.api('GET', '/api/v1/audit-log?action=default-folder-rule.delete')).body.items;
    expect(audit.length).toBeGreaterThan(0);
    await clear();
  });

  it('refuses bad input naming the field, and saves nothing', async () => {
    const before = (await t.api('GET', '/api/v1/default-folder-rules')).body.items.length;
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ name: 'x', criteria: name('x'), target: { mode: 'folder', folderId: 999_999 } }, 404, 'FOLDER_NOT_FOUND', 'body.target.folderId'],
      [{ name: 'x', criteria: name('x'), target: { mode: 'folder' } }, 400, 'VALIDATION_FAILED', 'body.target.folderId'],
      [
        { name: 'x', criteria: name('x'), target: { mode: 'perSubnet', folderId: f.Subnets } },
        400,
        'VALIDATION_FAILED',
        'body.target.prefixLength',
      ],
      [
        { name: 'x', criteria: { field: 'nope', op: 'eq', value: 'x' }, target: { mode: 'none' } },
        400,
        'VIEW_CRITERIA_INVALID',
        'body.criteria.field',
      ],
      [
        { name: 'x', criteria: { and: [name('x'), { field: 'lastIp', op: 'inCidr', value: '10.0.0.0/33' }] }, target: { mode: 'none' } },
        400,
        'VIEW_CRITERIA_INVALID',
        'body.criteria.and.1.value',
      ],
      [
        { name: 'x', criteria: { field: 'folderId', op: 'eq', value: f.A }, target: { mode: 'none' } },
        400,
        'VIEW_CRITERIA_INVALID',
        'body.criteria.field',
      ],
      [
        { name: 'x', criteria: name('x'), target: { mode: 'none' }, parentId: 999_999 },
        404,
        'DEFAULT_FOLDER_RULE_NOT_FOUND',
        'body.parentId',
      ],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await t.api('POST', '/api/v1/default-folder-rules', body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.code).toBe(code);
      expect(r.body.error.details.field).toBe(field);
      expect(r.body.error.message).toContain(field.replace(/^body\./, ''));
    }
    const schema = await t.api('POST', '/api/v1/default-folder-rules', { name: 'x', criteria: name('x'), target: { mode: 'somewhere' } });
    expect(schema.status).toBe(400);
    expect(schema.body.error.message).toMatch(/target\/mode|target\.mode/);
    expect((await t.api('GET', '/api/v1/default-folder-rules')).body.items.length).toBe(before);
    expect((await t.api('POST', '/api/v1/default-folder-rules/test', {})).status).toBe(400);
  });

  it('evaluates as the reference describes, and the test box shows the path (new start, rule above, rules without target)', async () => {
    const a = await newRule({ name: 'A', criteria: tag('de'), target: { mode: 'folder', folderId: f.A } });
    const a1 = await newRule({
      name: 'A1',
      parentId: a.id,
      criteria: { field: 'site', op: 'eq', value: 'aug' },
      target: { mode: 'folder', folderId: f.A1 },
    });
    await newRule({
      name: 'A1a',
      parentId: a1.id,
      criteria: { field: 'department', op: 'eq', value: 'it' },
      target: { mode: 'folder', folderId: f.A1a },
    });
    const a2 = await newRule({
      name: 'A2',
      parentId: a.id,
      criteria: { field: 'site', op: 'startsWith', value: 'k' },
      target: { mode: 'none' },
    });
    await newRule({
      name: 'A2x',
      parentId: a2.id,
      criteria: { field: 'department', op: 'eq', value: 'hr' },
      target: { mode: 'folder', folderId: f.B1 },
    });
    await newRule({
      name: 'A3',
      parentId: a.id,
      criteria: { field: 'site', op: 'contains', value: 'a' },
      target: { mode: 'folder', folderId: f.A3 },
    });
    await newRule({
      name: 'C',
      criteria: { field: 'lastIp', op: 'inCidr', value: '10.0.0.0/8' },
      target: { mode: 'folder', folderId: f.C },
    });

    const where = async (d: Record<string, unknown>) => {
      const r = await test(d);
      return `${r.decidingRule?.name ?? '-'}:${r.path.map((p: any) => p.name).join('>')}:${r.targetPath ?? '-'}`;
    };
    expect(await where({ structureTag: 'DE', lastIp: '10.1.1.1' })).toBe('A:A:A');
    expect(await where({ structureTag: 'de', site: 'aug' })).toBe('A1:A>A1:A1');
    // The new start: A1 matched and has a target, so its child A1a is checked and wins.
    expect(await where({ structureTag: 'de', site: 'aug', department: 'IT' })).toBe('A1a:A>A1>A1a:A1a');
    // A1 is the new start even though its later sibling A3 ('aug' contains 'a') matches too.
    expect(await where({ structureTag: 'de', site: 'aug', department: 'hr' })).toBe('A1:A>A1:A1');
    // A2 has no target: its children are checked…
    expect(await where({ structureTag: 'de', site: 'kar', department: 'hr' })).toBe('A2x:A>A2>A2x:B1');
    // …and when none decides, the search goes on with its next sibling, else the rule above.
    expect(await where({ structureTag: 'de', site: 'kam' })).toBe('A3:A>A3:A3');
    expect(await where({ structureTag: 'de', site: 'koln' })).toBe('A:A:A');
    expect(await where({ structureTag: 'fr', lastIp: '10.1.1.1' })).toBe('C:C:C');
    expect(await where({ structureTag: 'fr', lastIp: '11.1.1.1' })).toBe('-::-');

    // Options decide whether a device already in a folder moves.
    expect(await test({ structureTag: 'DE', folderId: f.C })).toMatchObject({ moves: false, reason: /override/ });
    expect(await test({ structureTag: 'DE' }, 'boot')).toMatchObject({ moves: false, reason: /boot/ });
    await clear();
  });

  it('refuses to delete a folder a rule places devices in, until the rule is changed', async () => {
    const target = await folder('Rule target');
    const rule = await newRule({
      name: 'keeps its folder',
      criteria: name('x'),
      target: { mode: 'perSubnet', folderId: target, prefixLength: 16 },
    });
    const refused = await t.api('DELETE', `/api/v1/device-folders/${target}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'FOLDER_HAS_DEFAULT_RULES', details: { field: 'params.id', ruleIds: [rule.id] } });
    expect(refused.body.error.message).toContain('keeps its folder');
    ok(await t.api('PATCH', `/api/v1/default-folder-rules/${rule.id}`, { target: { mode: 'none' } }));
    expect((await t.api('DELETE', `/api/v1/device-folders/${target}`)).status).toBe(204);
    await clear();
  });

  it('another process sees a rule change through the version stamp once its cached copy is a second old', async () => {
    let now = 1_000_000;
    const other = new DefaultFolderRulesService(new DefaultFolderRulesRepository(t.database.db), { now: () => now }, t.audit);
    expect((await other.ruleSet()).count).toBe(0);
    await newRule({ name: 'seen later', criteria: name('x'), target: { mode: 'folder', folderId: f.C } });
    expect((await other.ruleSet()).count).toBe(0);
    now += 1001;
    const seen = await other.ruleSet();
    expect(seen.count).toBe(1);
    expect(seen.existingFolders?.has(f.C!)).toBe(true);
    await clear();
    now += 1001;
    expect((await other.ruleSet()).count).toBe(0);
  });

  it('takes device attributes and the structure tag as criteria, as views do (stored devices included)', async () => {
    ok(
      await t.api('POST', '/api/v1/device-attributes', {
        identifier: 'location',
        name: 'Location',
        type: 'range',
        range: ['Augsburg', 'Bremen'],
      }),
    );
    const bad = await t.api('POST', '/api/v1/default-folder-rules', {
      name: 'x',
      criteria: { field: 'attribute:location', op: 'eq', value: 'Paris' },
      target: { mode: 'none' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('body.criteria.value');
    await newRule({
      name: 'Augsburg by attribute',
      criteria: {
        and: [
          { field: 'attribute:location', op: 'eq', value: 'Augsburg' },
          { field: 'structureTag', op: 'startsWith', value: 'de' },
        ],
      },
      target: { mode: 'folder', folderId: f.A1 },
    });
    expect(await test({ structureTag: 'DE-1', attributes: { location: 'Augsburg' } })).toMatchObject({
      decidingRule: { name: 'Augsburg by attribute' },
      moves: true,
    });
    expect(await test({ structureTag: 'DE-1', attributes: { location: 'Bremen' } })).toMatchObject({ decidingRule: null });
    const id = ok(await t.api('POST', '/api/v1/devices', { mac: '02AABBCCE0A1' })).body.id;
    await t.database.db.updateTable('devices').set({ structure_tag: 'de-2' }).where('id', '=', id).execute();
    ok(await t.api('PUT', `/api/v1/devices/${id}/attributes`, { values: { location: 'Augsburg' } }));
    const preview = ok(await t.api('POST', '/api/v1/default-folder-rules/apply', { deviceIds: [id] })).body;
    expect(preview).toMatchObject({ dryRun: true, items: [{ toFolderId: f.A1, moves: true }] });
    await clear();
  });

  it('creates one folder per subnet on demand; apply with dryRun changes nothing, then moves through the move path', async () => {
    const rule = await newRule({
      name: 'Per subnet',
      criteria: { field: 'lastIp', op: 'inCidr', value: '10.0.0.0/8' },
      target: { mode: 'perSubnet', folderId: f.Subnets, prefixLength: 24 },
      overridesExistingFolder: true,
    });
    expect(rule.target).toEqual({ mode: 'perSubnet', folderId: f.Subnets, prefixLength: 24 });
    expect(await test({ lastIp: '10.7.8.9' })).toMatchObject({ createsFolder: '10.7.8.0', targetPath: 'Subnets / 10.7.8.0', moves: true });

    const ids: number[] = [];
    for (const [mac, ip] of [
      ['02AABBCCE001', '10.7.8.9'],
      ['02AABBCCE002', '10.7.8.10'],
      ['02AABBCCE003', '10.9.0.1'],
      ['02AABBCCE004', '192.168.1.1'],
    ] as const) {
      const id = ok(await t.api('POST', '/api/v1/devices', { mac, folderId: f.A })).body.id as number;
      await t.database.db.updateTable('devices').set({ last_ip: ip }).where('id', '=', id).execute();
      ids.push(id);
    }
    const folderCount = async () => (await t.api('GET', '/api/v1/device-folders?limit=1000')).body.items.length;
    const foldersBefore = await folderCount();
    const preview = ok(await t.api('POST', '/api/v1/default-folder-rules/apply', { deviceIds: ids, dryRun: true })).body;
    expect(preview).toMatchObject({ dryRun: true, moved: 0 });
    expect(preview.items.map((i: any) => [i.fromPath, i.toPath, i.moves])).toEqual([
      ['A', 'Subnets / 10.7.8.0', true],
      ['A', 'Subnets / 10.7.8.0', true],
      ['A', 'Subnets / 10.9.0.0', true],
      ['A', null, false],
    ]);
    expect(await folderCount()).toBe(foldersBefore);
    for (const id of ids) expect((await t.api('GET', `/api/v1/devices/${id}`)).body.folderId).toBe(f.A);

    const done = ok(await t.api('POST', '/api/v1/default-folder-rules/apply', { deviceIds: ids, dryRun: false })).body;
    expect(done.moved).toBe(3);
    expect(await folderCount()).toBe(foldersBefore + 2);
    const sub = (await t.api('GET', `/api/v1/device-folders?parentId=${f.Subnets}`)).body.items.map((x: any) => x.name);
    expect(sub).toEqual(['10.7.8.0', '10.9.0.0']);
    const at = await Promise.all(ids.map(async (id) => (await t.api('GET', `/api/v1/devices/${id}`)).body.folderId));
    expect(at[0]).toBe(at[1]);
    expect(at[0]).toBe(done.items[0].toFolderId);
    expect(at[3]).toBe(f.A);
    // Moved like an administrator's move: audited per device, configuration marked.
    const moves = ok(await t.api('GET', `/api/v1/audit-log?action=device.move`)).body.items;
    expect(moves.filter((m: any) => ids.includes(m.objectId)).length).toBe(3);
    // The next device of a known subnet reuses its folder.
    expect(await test({ lastIp: '10.7.8.200' })).toMatchObject({ createsFolder: null, targetFolderId: at[0] });

    const missing = await t.api('POST', '/api/v1/default-folder-rules/apply', { deviceIds: [999_999], dryRun: true });
    expect(missing.status).toBe(404);
    expect(missing.body.error.details.field).toBe('body.deviceIds');
    await clear();
  });

  it('needs the defaultFolderRules right, and write on the target folder to save a rule', async () => {
    const carol = ok(await t.api('POST', '/api/v1/admins', { username: 'carol', password: PW, superuser: false })).body.id;
    const token = ok(await t.api('POST', `/api/v1/admins/${carol}/tokens`, { name: 'tests' })).body.token;
    const as = async (method: string, url: string, body?: unknown) => {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(body ? { payload: body as object } : {}),
      });
      return { status: res.statusCode, body: res.json() };
    };
    expect((await as('GET', '/api/v1/default-folder-rules')).status).toBe(403);
    ok(await t.api('PATCH', `/api/v1/admins/${carol}`, { generalRights: ['defaultFolderRules'] }));
    expect((await as('GET', '/api/v1/default-folder-rules')).status).toBe(200);
    const noWrite = await as('POST', '/api/v1/default-folder-rules', {
      name: 'x',
      criteria: name('x'),
      target: { mode: 'folder', folderId: f.C },
    });
    expect([403, 404]).toContain(noWrite.status);
    expect(noWrite.body.error.details.field).toBe('body.target.folderId');
    expect((await as('POST', '/api/v1/default-folder-rules', { name: 'x', criteria: name('x'), target: { mode: 'none' } })).status).toBe(
      201,
    );
    // Testing a stored device needs read on it (hidden: answered as missing).
    const hidden = ok(await t.api('POST', '/api/v1/devices', { mac: '02AABBCCE0F1', folderId: f.C })).body.id;
    const peek = await as('POST', '/api/v1/default-folder-rules/test', { deviceId: hidden });
    expect(peek.status).toBe(404);
    expect(peek.body.error.details.field).toBe('body.deviceId');
    expect(ok(await t.api('POST', '/api/v1/default-folder-rules/test', { deviceId: hidden })).body).toMatchObject({ moves: false });
    await clear();
  });
});

describe.each(DIALECTS)('default folder rules at registration and boot (%s)', (dialect) => {
  const s = channelServer(dialect);
  const ok = <T extends { status: number; body: any }>(r: T): T => {
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r;
  };
  const folderOf = async (id: number) => (await s.api('GET', `/api/v1/devices/${id}`)).body.folderId as number | null;
  const deviceId = (certPem: string) => Number(/CN=device-(\d+)/.exec(new X509Certificate(certPem).subject)![1]);

  it('places at enrollment: rule vs enrollment key folder vs automatic registration folder; per-subnet folders on demand', async () => {
    const folder = async (n: string) => ok(await s.api('POST', '/api/v1/device-folders', { name: n })).body.id as number;
    const keyFolder = await folder('Key folder');
    const auto = await folder('Auto');
    const local = await folder('Local');
    const nets = await folder('Nets');
    // Enrollments here come from 127.0.0.1.
    const rule = ok(
      await s.api('POST', '/api/v1/default-folder-rules', {
        name: 'loopback',
        criteria: { field: 'lastIp', op: 'inCidr', value: '127.0.0.0/8' },
        target: { mode: 'folder', folderId: local },
      }),
    ).body;
    const enrollWith = async (body: Record<string, unknown> | null) => {
      const mac = s.nextMac();
      const key = body ? (await s.newKey(body))[0]!.secret : null;
      const e = await enroll(s.t, key, { unitId: mac, mac });
      expect(e.status, e.body).toBe(200);
      return deviceId(e.certPem!);
    };
    // A key without a folder: the rule places the device.
    expect(await folderOf(await enrollWith({ type: 'mass' }))).toBe(local);
    // A key with a folder: an existing membership, kept unless the rule overrides it.
    expect(await folderOf(await enrollWith({ type: 'mass', folderId: keyFolder }))).toBe(keyFolder);
    ok(await s.api('PATCH', `/api/v1/default-folder-rules/${rule.id}`, { overridesExistingFolder: true }));
    expect(await folderOf(await enrollWith({ type: 'mass', folderId: keyFolder }))).toBe(local);
    // Automatic registration's folder is only the fallback: the rule wins even without override.
    ok(await s.api('PATCH', `/api/v1/default-folder-rules/${rule.id}`, { overridesExistingFolder: false }));
    ok(await s.api('PUT', '/api/v1/settings/enrollment', { autoRegistration: true, autoRegistrationFolderId: auto }));
    expect(await folderOf(await enrollWith(null))).toBe(local);
    ok(
      await s.api('PATCH', `/api/v1/default-folder-rules/${rule.id}`, { criteria: { field: 'lastIp', op: 'inCidr', value: '10.0.0.0/8' } }),
    );
    expect(await folderOf(await enrollWith(null))).toBe(auto);
    ok(await s.api('PUT', '/api/v1/settings/enrollment', { autoRegistration: false, autoRegistrationFolderId: null }));

    // One folder per subnet, created at the first enrollment from it and reused after.
    ok(
      await s.api('PATCH', `/api/v1/default-folder-rules/${rule.id}`, {
        criteria: { field: 'lastIp', op: 'inCidr', value: '127.0.0.0/8' },
        target: { mode: 'perSubnet', folderId: nets, prefixLength: 24 },
      }),
    );
    const first = await folderOf(await enrollWith({ type: 'mass' }));
    const second = await folderOf(await enrollWith({ type: 'mass' }));
    const sub = (await s.api('GET', `/api/v1/device-folders?parentId=${nets}`)).body.items;
    expect(sub.map((x: any) => x.name)).toEqual(['127.0.0.0']);
    expect(first).toBe(sub[0].id);
    expect(second).toBe(sub[0].id);
    ok(await s.api('DELETE', `/api/v1/default-folder-rules/${rule.id}`));
  });

  it('completes registration at the first contact (structure tag) and applies boot rules at each new boot only', async () => {
    const folder = async (n: string) => ok(await s.api('POST', '/api/v1/device-folders', { name: n })).body.id as number;
    const aug = await folder('Augsburg');
    const elsewhere = await folder('Elsewhere');
    const rule = ok(
      await s.api('POST', '/api/v1/default-folder-rules', {
        name: 'tag DE-AUG',
        criteria: { field: 'structureTag', op: 'eq', value: 'DE-AUG' },
        target: { mode: 'folder', folderId: aug },
      }),
    ).body;
    const [key] = await s.newKey({ type: 'mass' });
    const mac = s.nextMac();
    const e = await enroll(s.t, key!.secret, { unitId: mac, mac });
    const id = deviceId(e.certPem!);
    expect(await folderOf(id)).toBeNull();
    const boot1 = Date.now() - 60_000;
    const hello = async (bootTime: number) => {
      const dev = (await TestDevice.connect(s.t, e)) as TestDevice;
      dev.hello(mac, sysinfo({ bootTime, structureTag: 'DE-AUG' }));
      await dev.next((m) => m.t === 'welcome');
      return dev;
    };
    let dev = await hello(boot1);
    await s.waitFor(async () => (await folderOf(id)) === aug);
    dev.close();

    // A device enrolled with a key that has a folder: at its first contact the key's folder is a membership the rule does not override.
    const keyFolder = await folder('Key folder 2');
    const [folderKey] = await s.newKey({ type: 'mass', folderId: keyFolder });
    const mac2 = s.nextMac();
    const e2 = await enroll(s.t, folderKey!.secret, { unitId: mac2, mac: mac2 });
    const id2 = deviceId(e2.certPem!);
    const dev2 = (await TestDevice.connect(s.t, e2)) as TestDevice;
    dev2.hello(mac2, sysinfo({ bootTime: boot1, structureTag: 'DE-AUG' }));
    await dev2.next((m) => m.t === 'welcome');
    await s.waitFor(async () => {
      const r = await s.api('POST', '/api/v1/default-folder-rules/test', { deviceId: id2 });
      return r.body.decidingRule?.name === 'tag DE-AUG';
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(await folderOf(id2)).toBe(keyFolder);
    dev2.close();

    // An administrator moves it; a reconnect without a reboot leaves it, as does a boot while the rule is not applied at boot.
    ok(await s.api('POST', '/api/v1/devices/move', { deviceIds: [id], folderId: elsewhere }));
    dev = await hello(boot1);
    await new Promise((r) => setTimeout(r, 800));
    expect(await folderOf(id)).toBe(elsewhere);
    dev.close();
    dev = await hello(Date.now());
    await new Promise((r) => setTimeout(r, 800));
    expect(await folderOf(id)).toBe(elsewhere);
    dev.close();

    ok(await s.api('PATCH', `/api/v1/default-folder-rules/${rule.id}`, { applyAtBoot: true, overridesExistingFolder: true }));
    dev = await hello(boot1);
    await new Promise((r) => setTimeout(r, 800));
    expect(await folderOf(id)).toBe(elsewhere);
    dev.close();
    dev = await hello(Date.now() + 1000);
    await s.waitFor(async () => (await folderOf(id)) === aug);
    // Moved through the administrator's path: the configuration was marked for delivery.
    const history = (await s.api('GET', `/api/v1/audit-log?action=device.move`)).body.items.filter((m: any) => m.objectId === id);
    expect(history[0]).toMatchObject({ after: { folderId: aug }, actorId: null });
    dev.close();
    ok(await s.api('DELETE', `/api/v1/default-folder-rules/${rule.id}`));
  });
});
