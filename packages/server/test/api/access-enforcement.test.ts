import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, EVENTS_PATH } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Object rights enforced on every route (issue 11 item 4, ADR 0006):
 * 1. every registered route is walked; none may answer (status < 400) without an access decision;
 * 2. a restricted administrator walks every read route, with every query that selects another
 *    part of the tree, and finds nothing of it — names outside their part all contain "SECRET";
 * 3. bulk commands answer per device; SSE events are filtered; rights changes apply at once.
 */

type Json = any;
const PW = 'a long enough password 1';

/** The routes that must refuse an administrator without any right, with no object or id. */
const OPEN_TO_EVERY_ADMIN = new Set([
  'GET /api/v1/auth/me',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/password',
  'GET /api/v1/settings/password-policy',
  'GET /api/v1/server',
  'GET /api/v1/servers',
  'GET /api/v1/cluster-settings',
  'GET /api/v1/settings/profiles',
  // The naming convention (prefix, digits, switches; no secrets): the web app shows it beside new devices.
  'GET /api/v1/settings/naming',
  // Device attribute definitions (names and types, no device data).
  'GET /api/v1/device-attributes',
  'GET /api/v1/device-attributes/{id}',
  // Lists and counts answer, filtered to nothing.
  'GET /api/v1/devices',
  'GET /api/v1/devices/summary',
  'GET /api/v1/device-folders',
  'GET /api/v1/profiles',
  'GET /api/v1/profile-folders',
  'GET /api/v1/views',
  'GET /api/v1/view-folders',
  // Everyone's own notification centre (conditions of the installation, no object data).
  'GET /api/v1/notifications',
  'GET /api/v1/notifications/count',
  'GET /api/v1/notifications/preferences',
  'PUT /api/v1/notifications/preferences',
  'POST /api/v1/notifications/read-all',
  // A read mark of one's own (when the walk meets a notification that exists).
  'POST /api/v1/notifications/{id}/read',
  // Quick search: every group empty.
  'GET /api/v1/search',
  // Own tokens (the walk uses the caller's own id there).
  'GET /api/v1/admins/{id}/tokens',
  'POST /api/v1/admins/{id}/tokens',
]);

function sample(s: Json): unknown {
  if (!s || typeof s !== 'object') return 'x';
  if ('const' in s) return s.const;
  if (s.enum) return s.enum[0];
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return sample(alts.find((a: Json) => a.type !== 'null' && !a.enum) ?? alts[0]);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) if ((s.required ?? []).includes(k)) o[k] = sample(v);
      return o;
    }
    case 'array':
      return s.minItems ? [sample(s.items)] : [];
    case 'integer':
    case 'number':
      return Math.max(1, s.minimum ?? 1);
    case 'boolean':
      return false;
    default:
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
  }
}

describe.each(DIALECTS)('object rights on every route (%s)', (dialect) => {
  let t: TestApp;
  const decisions: Array<{ method: string; url: string; status: number; decision: string | null }> = [];
  const ids: Record<string, number> = {};
  let ann: { id: number; token: string };
  let nobody: { id: number; token: string };
  let doc: Json;

  const as = async (token: string, method: string, url: string, body?: unknown) => {
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    let parsed: Json = res.body;
    try {
      parsed = res.body ? res.json() : null;
    } catch {
      // text answers (CSV, export files) are checked as text
    }
    return { status: res.statusCode, body: parsed, text: res.body };
  };
  const ok = async (p: Promise<{ status: number; body: Json }>) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body;
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect, { onAccessDecision: (d) => decisions.push(d) });
    const su = (m: string, u: string, b?: unknown) => ok(t.api(m, u, b));
    // Ann's part: folder Team-A (with a sub-folder) and profile folder pf-a. Everything else is SECRET.
    ids.a = (await su('POST', '/api/v1/device-folders', { name: 'Team-A' })).id;
    ids.a1 = (await su('POST', '/api/v1/device-folders', { name: 'Team-A-sub', parentId: ids.a })).id;
    ids.b = (await su('POST', '/api/v1/device-folders', { name: 'SECRET-B' })).id;
    ids.b1 = (await su('POST', '/api/v1/device-folders', { name: 'SECRET-B-sub', parentId: ids.b })).id;
    ids.devA = (await su('POST', '/api/v1/devices', { mac: '02AA00000001', name: 'dev-a', folderId: ids.a })).id;
    ids.devA1 = (await su('POST', '/api/v1/devices', { mac: '02AA00000002', name: 'dev-a1', folderId: ids.a1 })).id;
    ids.devB = (await su('POST', '/api/v1/devices', { mac: '02AA00000003', name: 'SECRET-dev-b', folderId: ids.b })).id;
    ids.devB1 = (await su('POST', '/api/v1/devices', { mac: '02AA00000004', name: 'SECRET-dev-b1', folderId: ids.b1 })).id;
    ids.devTop = (await su('POST', '/api/v1/devices', { mac: '02AA00000005', name: 'SECRET-dev-top' })).id;
    ids.pfA = (await su('POST', '/api/v1/profile-folders', { name: 'pf-a' })).id;
    ids.pfB = (await su('POST', '/api/v1/profile-folders', { name: 'SECRET-pf-b' })).id;
    ids.profA = (await su('POST', '/api/v1/profiles', { name: 'prof-a', type: 'standard', folderId: ids.pfA })).id;
    ids.profB = (await su('POST', '/api/v1/profiles', { name: 'SECRET-prof-b', type: 'standard', folderId: ids.pfB })).id;
    ids.profTop = (await su('POST', '/api/v1/profiles', { name: 'SECRET-prof-top', type: 'standard' })).id;
    // prof-a is assigned to one of Ann's devices and to a secret one: she sees only hers.
    await su('POST', `/api/v1/profiles/${ids.profA}/assignments`, {
      targets: [
        { type: 'device', id: ids.devA },
        { type: 'device', id: ids.devB },
        { type: 'folder', id: ids.b1 },
      ],
    });
    ids.cmdB = (await su('POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [ids.devB] })).commands[0].id;
    ids.cmdA = (await su('POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [ids.devA] })).commands[0].id;

    const account = async (username: string) => {
      const id = (await su('POST', '/api/v1/admins', { username, password: PW, superuser: false })).id as number;
      const token = (await su('POST', `/api/v1/admins/${id}/tokens`, { name: 'walk' })).token as string;
      return { id, token };
    };
    ann = await account('ann');
    nobody = await account('nobody');
    // Ann's rights come through nested groups: team-a ⊂ helpdesk.
    const teamA = (await su('POST', '/api/v1/admin-groups', { name: 'team-a', members: [{ type: 'admin', id: ann.id }] })).id;
    const helpdesk = (await su('POST', '/api/v1/admin-groups', { name: 'helpdesk', members: [{ type: 'group', id: teamA }] })).id;
    await su('PUT', `/api/v1/device-folders/${ids.a}/access`, {
      entries: [{ principal: { type: 'group', id: helpdesk }, rights: { browse: 'allow', read: 'allow', powerControl: 'allow' } }],
    });
    await su('PUT', `/api/v1/profile-folders/${ids.pfA}/access`, {
      entries: [{ principal: { type: 'group', id: teamA }, rights: { browse: 'allow', read: 'allow' } }],
    });
    doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Every registered route except the static web files and HEAD twins, as "METHOD /path/{id}". */
  const registered = () => {
    const out = new Set<string>();
    for (const r of t.routes) {
      for (const m of [r.method].flat() as string[]) {
        if (m === 'HEAD' || r.url === '/*') continue;
        out.add(`${m} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
    return out;
  };
  const idFor = (path: string, param: string, own: number): number => {
    if (param === 'tokenId' || param === 'memberId') return 1;
    if (path.startsWith('/api/v1/admins/')) return own;
    if (path.startsWith('/api/v1/device-folders/')) return ids.a!;
    if (path.startsWith('/api/v1/devices/')) return ids.devA!;
    if (path.startsWith('/api/v1/commands/')) return ids.cmdA!;
    if (path.startsWith('/api/v1/profile-folders/')) return ids.pfA!;
    if (path.startsWith('/api/v1/profiles/')) return ids.profA!;
    return 1;
  };
  const fill = (path: string, own: number) =>
    path.replace(/\{(\w+)\}/g, (_m, p: string) => (p === 'type' ? 'admin' : String(idFor(path, p, own))));

  it('walks every registered route: none answers without an access decision, none gives a rightless administrator anything', async () => {
    const routes = registered();
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries<Json>(doc.paths))
      for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path}`);
    const accessOf = (method: string, path: string) =>
      (t.routes.find((r) => [r.method].flat().includes(method) && r.url.replace(/:(\w+)/g, '{$1}') === path)?.config as Json)?.access;
    // The walk is driven by the registered routes; each that is not public must also be documented (it gets input below).
    expect([...routes].filter((r) => !documented.has(r) && accessOf(...(r.split(' ') as [string, string])) !== 'public')).toEqual([]);

    const lastAudit = await t.database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirstOrThrow();
    let walked = 0;
    for (const route of [...routes].sort()) {
      const [method, path] = route.split(' ') as [string, string];
      const access = accessOf(method, path);
      if (access === 'public' || access === 'device' || path === EVENTS_PATH) continue;
      const op = doc.paths[path][method.toLowerCase()];
      const query = (op.parameters ?? []).filter((p: Json) => p.in === 'query' && p.required);
      const qs = query.length ? `?${query.map((p: Json) => `${p.name}=${encodeURIComponent(String(sample(p.schema)))}`).join('&')}` : '';
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const body = schema ? sample(schema) : method === 'GET' || method === 'DELETE' ? undefined : {};

      // The rightless administrator: refused, or (lists, own account) nothing of anyone's.
      const r = await as(nobody.token, method, fill(path, nobody.id) + qs, body);
      walked++;
      expect(r.status, `${route}: ${r.text}`).toBeLessThan(500);
      if (r.status < 400) {
        expect(OPEN_TO_EVERY_ADMIN.has(route), `${route} answered ${r.status} to an administrator without rights: ${r.text}`).toBe(true);
        expect(r.text, route).not.toMatch(/SECRET|dev-a|Team-A|prof-a|pf-a/);
      }
      // The superuser reads every route that only reads (its answers need a decision too).
      if (method === 'GET') {
        const s = await as(t.token, method, fill(path, 1) + qs);
        expect(s.status, `${route}: ${s.text}`).toBeLessThan(500);
      }
    }
    expect(walked).toBeGreaterThan(60);
    // Every answer below 400 carried a decision; and the walk reached the handlers.
    const undecided = decisions.filter((d) => d.status < 400 && d.decision === null).map((d) => `${d.method} ${d.url}`);
    expect(undecided).toEqual([]);
    expect(decisions.filter((d) => d.status < 400).length).toBeGreaterThan(40);
    // The rightless administrator changed nothing but its own account (every change is audited).
    const changes = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'object_type', 'object_id'])
      .where('id', '>', Number(lastAudit.id))
      .execute();
    expect(changes.map((c) => c.action)).toEqual(['api-token.create']);
  }, 120_000);

  it('shows a restricted administrator nothing outside their part of the tree, through any read route and query', async () => {
    const secretIds: Array<[string, number]> = [
      ['/api/v1/device-folders/{id}', ids.b!],
      ['/api/v1/device-folders/{id}', ids.b1!],
      ['/api/v1/devices/{id}', ids.devB!],
      ['/api/v1/devices/{id}', ids.devB1!],
      ['/api/v1/devices/{id}', ids.devTop!],
      ['/api/v1/commands/{id}', ids.cmdB!],
      ['/api/v1/profile-folders/{id}', ids.pfB!],
      ['/api/v1/profiles/{id}', ids.profB!],
      ['/api/v1/profiles/{id}', ids.profTop!],
    ];
    const queries = [
      '',
      `?folderId=${ids.b}`,
      `?folderId=${ids.b}&recursive=true`,
      `?folderId=${ids.a}&recursive=true`,
      '?folderId=root',
      '?recursive=true',
      `?parentId=${ids.b}`,
      '?parentId=root',
      `?folderId=${ids.pfB}`,
      '?q=SECRET',
      '?limit=1000',
    ];
    let checked = 0;
    for (const [path, ops] of Object.entries<Json>(doc.paths)) {
      if (!ops.get || path === EVENTS_PATH || !path.startsWith('/api/v1/')) continue;
      const withId = path.includes('{id}');
      const urls = withId
        ? secretIds.flatMap(([prefix, id]) => (path.startsWith(prefix.replace('/{id}', '/')) ? [path.replace('{id}', String(id))] : []))
        : queries.map((q) => path + q);
      for (const url of urls) {
        const r = await as(ann.token, 'GET', url);
        checked++;
        expect(r.status, `${url}: ${r.text}`).toBeLessThan(500);
        expect(r.text, url).not.toContain('SECRET');
        // 400: a required query parameter is missing, checked before anything is looked up.
        if (withId) expect([400, 403, 404], url).toContain(r.status);
      }
    }
    expect(checked).toBeGreaterThan(150);

    // What she may see, she sees: her folders, devices (also recursively), counts and profiles.
    const names = (r: { body: Json }) => (r.body.items as Array<{ name: string }>).map((i) => i.name).sort();
    expect(names(await as(ann.token, 'GET', '/api/v1/devices'))).toEqual(['dev-a', 'dev-a1']);
    expect(names(await as(ann.token, 'GET', `/api/v1/devices?folderId=${ids.a}&recursive=true`))).toEqual(['dev-a', 'dev-a1']);
    expect(names(await as(ann.token, 'GET', '/api/v1/device-folders'))).toEqual(['Team-A', 'Team-A-sub']);
    expect((await as(ann.token, 'GET', '/api/v1/devices/summary')).body).toEqual({ total: 2, online: 0 });
    expect((await as(nobody.token, 'GET', '/api/v1/devices/summary')).body).toEqual({ total: 0, online: 0 });
    expect(names(await as(ann.token, 'GET', '/api/v1/profiles'))).toEqual(['prof-a']);
    expect((await as(ann.token, 'GET', `/api/v1/profiles/${ids.profA}/assignments`)).body.items.map((i: Json) => i.name)).toEqual([
      'dev-a',
    ]);
    const folderA = await as(ann.token, 'GET', `/api/v1/device-folders/${ids.a}`);
    expect(folderA.body).toMatchObject({ childCount: 1, deviceCount: 1 });
    // She may read folder A's list, and learns the names on it without the right to list accounts.
    const onList = await as(ann.token, 'GET', `/api/v1/device-folders/${ids.a}/access/principals`);
    expect(onList.body).toEqual({ items: [{ type: 'group', id: expect.any(Number), name: 'helpdesk' }] });
    expect((await as(ann.token, 'GET', '/api/v1/admins')).status).toBe(403);
    expect((await as(nobody.token, 'GET', `/api/v1/device-folders/${ids.a}/access/principals`)).status).toBe(404);
    // Read without Write: she sees the device, may not rename it (403 naming the right).
    const rename = await as(ann.token, 'PATCH', `/api/v1/devices/${ids.devA}`, { name: 'renamed' });
    expect(rename.status).toBe(403);
    expect(rename.body.error.message).toContain('write');
    expect((await as(ann.token, 'PATCH', `/api/v1/devices/${ids.devB}`, { name: 'x' })).body.error.code).toBe(ErrorCode.DeviceNotFound);
  }, 120_000);

  it('answers a command per device: refused where a right is missing, unknown devices as missing', async () => {
    const folder = await as(ann.token, 'POST', '/api/v1/devices/commands', { command: 'reboot', folderId: ids.a, recursive: true });
    expect(folder.status, folder.text).toBe(201);
    expect(folder.body.commands.map((c: Json) => c.deviceId).sort()).toEqual([ids.devA, ids.devA1].sort());
    expect(folder.body.refused).toEqual([]);
    // No sendMessage right on her devices: every one refused, none created.
    const msg = await as(ann.token, 'POST', '/api/v1/devices/commands', {
      command: 'send-message',
      text: 'hi',
      folderId: ids.a,
      recursive: true,
    });
    expect(msg.status).toBe(201);
    expect(msg.body.commands).toEqual([]);
    expect(msg.body.refused.map((r: Json) => [r.deviceId, r.code])).toEqual(
      [ids.devA, ids.devA1].sort((x, y) => x! - y!).map((id) => [id, ErrorCode.Forbidden]),
    );
    expect(msg.body.refused[0].message).toContain('sendMessage');
    // A device she cannot see is missing, and then nothing is created at all.
    const mixed = await as(ann.token, 'POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [ids.devA, ids.devB] });
    expect(mixed.status).toBe(404);
    expect(mixed.body.error.code).toBe(ErrorCode.DeviceNotFound);
    expect(JSON.stringify(mixed.body)).not.toContain('SECRET');
    // Browse only on B: B's device becomes visible and is refused per device.
    await ok(
      t.api('PUT', `/api/v1/devices/${ids.devB}/access`, {
        entries: [{ principal: { type: 'admin', id: ann.id }, rights: { browse: 'allow' } }],
      }),
    );
    const refused = await as(ann.token, 'POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [ids.devA, ids.devB] });
    expect(refused.status).toBe(201);
    expect(refused.body.commands.map((c: Json) => c.deviceId)).toEqual([ids.devA]);
    expect(refused.body.refused.map((r: Json) => r.deviceId)).toEqual([ids.devB]);
    await ok(t.api('PUT', `/api/v1/devices/${ids.devB}/access`, { entries: [] }));
  });

  it('applies a change of rights, membership or a move on the very next request', async () => {
    const list = async () => (await as(ann.token, 'GET', '/api/v1/devices')).body.items.map((i: Json) => i.name).sort();
    expect(await list()).toEqual(['dev-a', 'dev-a1']);
    // A deny for her on the sub-folder wins over the group's allow above it.
    await ok(
      t.api('PUT', `/api/v1/device-folders/${ids.a1}/access`, {
        entries: [{ principal: { type: 'admin', id: ann.id }, rights: { browse: 'deny' } }],
      }),
    );
    expect(await list()).toEqual(['dev-a']);
    await ok(t.api('PUT', `/api/v1/device-folders/${ids.a1}/access`, { entries: [] }));
    expect(await list()).toEqual(['dev-a', 'dev-a1']);
    // Moving a secret device into her folder shows it; moving it out hides it again.
    await ok(t.api('POST', '/api/v1/devices/move', { deviceIds: [ids.devB1], folderId: ids.a }));
    expect(await list()).toEqual(['SECRET-dev-b1', 'dev-a', 'dev-a1']);
    await ok(t.api('POST', '/api/v1/devices/move', { deviceIds: [ids.devB1], folderId: ids.b1 }));
    expect(await list()).toEqual(['dev-a', 'dev-a1']);
    // Leaving the group takes the rights with it.
    const groups = (await t.api('GET', '/api/v1/admin-groups')).body.items as Array<{ id: number; name: string }>;
    const teamA = groups.find((g) => g.name === 'team-a')!.id;
    await ok(t.api('DELETE', `/api/v1/admin-groups/${teamA}/members/admin/${ann.id}`));
    expect(await list()).toEqual([]);
    await ok(t.api('POST', `/api/v1/admin-groups/${teamA}/members`, { members: [{ type: 'admin', id: ann.id }] }));
    expect(await list()).toEqual(['dev-a', 'dev-a1']);
  });

  it('lets an account manager grant no more than it holds', async () => {
    const su = (m: string, u: string, b?: unknown) => ok(t.api(m, u, b));
    const mgr = (await su('POST', '/api/v1/admins', {
      username: 'manager',
      password: PW,
      superuser: false,
      generalRights: ['accountsAndAccess', 'mail'],
    })) as { id: number };
    const token = (await su('POST', `/api/v1/admins/${mgr.id}/tokens`, { name: 'm' })).token as string;
    const refused = async (method: string, url: string, body: unknown, field: string) => {
      const r = await as(token, method, url, body);
      expect(r.status, `${method} ${url}: ${r.text}`).toBe(403);
      expect(r.body.error.details?.field).toBe(field);
    };
    await refused('POST', '/api/v1/admins', { username: 'boss', password: PW, superuser: true }, 'body.superuser');
    await refused(
      'POST',
      '/api/v1/admins',
      { username: 'srv', password: PW, superuser: false, generalRights: ['servers'] },
      'body.generalRights',
    );
    await refused('PATCH', `/api/v1/admins/${mgr.id}`, { generalRights: ['accountsAndAccess', 'mail', 'ldap'] }, 'body.generalRights');
    await refused('POST', `/api/v1/admins/1/password`, { password: 'another long password 1' }, 'body.superuser');
    const servers = (await su('POST', '/api/v1/admin-groups', { name: 'server-admins', generalRights: ['servers'] })).id as number;
    await refused('POST', `/api/v1/admin-groups/${servers}/members`, { members: [{ type: 'admin', id: mgr.id }] }, 'body.generalRights');
    // Within its own rights it may act.
    const made = await as(token, 'POST', '/api/v1/admins', { username: 'mailer', password: PW, superuser: false, generalRights: ['mail'] });
    expect(made.status, made.text).toBe(201);
    expect((await as(token, 'GET', '/api/v1/auth/me')).body.generalRights).toEqual(['accountsAndAccess', 'mail']);
  });

  it('streams only events of devices the administrator may browse', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const res = await fetch(`${address}${EVENTS_PATH}`, { headers: { authorization: `Bearer ${ann.token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    // One read in flight at a time: a read abandoned by a timeout still delivers its chunk here.
    let pending: ReturnType<typeof reader.read> | null = null;
    const readFor = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        pending ??= reader.read();
        const chunk = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), until - Date.now()))]);
        if (!chunk) break;
        pending = null;
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
    };
    await readFor(100);
    await ok(t.api('PATCH', `/api/v1/devices/${ids.devB}`, { comment: 'secret change' }));
    await ok(t.api('PATCH', `/api/v1/devices/${ids.devA}`, { comment: 'visible change' }));
    await readFor(1000);
    controller.abort();
    expect(text).toContain(`"deviceId":${ids.devA}`);
    expect(text).not.toContain(`"deviceId":${ids.devB}`);
  });
});
