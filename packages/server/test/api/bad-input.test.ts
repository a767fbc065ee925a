import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, errorStatus } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * A corpus of hostile input against every route in the OpenAPI document, anonymous and logged
 * in: nothing may answer 5xx, every error carries `{ error: { code, message } }` with a known
 * code, text the databases cannot store is refused naming its field, and nothing is written.
 */

type Json = any;
interface Case {
  label: string;
  method: string;
  url: string;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** For a NUL/surrogate case: the field the 400 must name (when the caller may use the route). */
  unsafeField?: string;
  /** Must be refused whoever asks; these run first, and must leave the database as it was. */
  mustFail?: boolean;
}

const CODES = new Set<string>(Object.values(ErrorCode));
const NUL = 'a\u0000b';
const SURROGATES = ['a\ud800b', '\udc00'];
const RAW = '\u0001RAW:';
/** Numbers JSON.stringify cannot write (or would round): spliced in as raw text. */
const raw = (text: string) => `${RAW}${text}`;
const toJson = (v: unknown) => JSON.stringify(v).replace(/"\\u0001RAW:([^"]*)"/g, '$1');
const BAD_VALUES: unknown[] = [
  1e308,
  -1,
  0,
  1.5,
  raw('99999999999999999999'),
  raw('-99999999999999999999'),
  raw('1e400'),
  'abc',
  null,
  true,
  {},
  [],
  [null],
  'x'.repeat(70_000),
];
const BAD_IDS = [
  '99999999999999999999',
  '9007199254740992',
  '1e308',
  '-1',
  '0',
  '1.5',
  'abc',
  '%00',
  '%ZZ',
  '%ED%A0%80',
  '%F0',
  'a'.repeat(300),
  '__proto__',
];
const BAD_QUERY_VALUES = ['99999999999999999999', '9999999999999999', '1e308', '-1', '1.5', 'abc', '', 'x'.repeat(5000), 'root%00'];
const UNSAFE_QUERY_VALUES = ['%00', 'a%00b', '%ZZ', '%ED%A0%80', '%C0%80', '%FF'];

/** A plausible value of a JSON schema (the corpus then spoils one part of it at a time). */
function sample(s: Json): unknown {
  if (!s || typeof s !== 'object') return 'x';
  if ('const' in s) return s.const;
  if (s.enum) return s.enum[0];
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return sample(alts.find((a: Json) => a.type !== 'null' && !a.enum) ?? alts[0]);
  if (s.allOf) return Object.assign({}, ...s.allOf.map(sample));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) o[k] = sample(v);
      if (!s.properties && (s.patternProperties || s.additionalProperties)) o['Key.x'] = 'x';
      return o;
    }
    case 'array':
      return [sample(s.items)];
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      if (s.format === 'date-time') return '2030-01-01T00:00:00Z';
      if (s.format === 'date') return '2030-01-01';
      if (s.pattern?.includes('[0-9A-Fa-f]')) return '02AABBCCDDEE';
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    default:
      return 'x';
  }
}

/** Paths of every leaf (and map key) of a sampled value, e.g. ['targets', 0, 'id']. */
function leaves(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(v)) return v.length ? v.flatMap((x, i) => leaves(x, [...at, i])) : [at];
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    return keys.length ? keys.flatMap((k) => leaves((v as Record<string, unknown>)[k], [...at, k])) : [at];
  }
  return [at];
}

function withValue(base: unknown, path: Array<string | number>, value: unknown): unknown {
  if (!path.length) return value;
  const copy: any = Array.isArray(base) ? [...base] : { ...(base as object) };
  copy[path[0]!] = withValue(copy[path[0]!], path.slice(1), value);
  return copy;
}

function renameKey(base: unknown, path: Array<string | number>, key: string): unknown {
  if (path.length === 1) {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(base as object)) copy[k === path[0] ? key : k] = v;
    return copy;
  }
  const copy: any = Array.isArray(base) ? [...base] : { ...(base as object) };
  copy[path[0]!] = renameKey(copy[path[0]!], path.slice(1), key);
  return copy;
}

const field = (part: string, path: Array<string | number>) => [part, ...path].join('.');

function corpus(doc: Json, ids: Record<string, number>): Case[] {
  const cases: Case[] = [];
  const idFor = (path: string) =>
    path.startsWith('/api/v1/device-folders/')
      ? ids.folder
      : path.startsWith('/api/v1/devices/')
        ? ids.device
        : path.startsWith('/api/v1/enrollment-keys/')
          ? ids.key
          : path.startsWith('/api/v1/commands/')
            ? ids.command
            : path.startsWith('/api/v1/profile-folders/')
              ? ids.profileFolder
              : path.startsWith('/api/v1/admins/')
                ? ids.admin
                : path.startsWith('/api/v1/admin-groups/')
                  ? ids.adminGroup
                  : path.startsWith('/api/v1/ldap-domains/')
                    ? ids.ldapDomain
                    : path.startsWith('/api/v1/job-folders/')
                      ? ids.jobFolder
                      : ids.profile;
  for (const [path, ops] of Object.entries<Json>(doc.paths)) {
    for (const [m, op] of Object.entries<Json>(ops)) {
      const method = m.toUpperCase();
      if (method === 'HEAD') continue;
      const params: Json[] = op.parameters ?? [];
      const route = (id: string) => path.replace('{id}', id);
      const query = params.filter((p) => p.in === 'query');
      const baseQuery = query.filter((p) => p.required).map((p) => `${p.name}=${encodeURIComponent(String(sample(p.schema)))}`);
      const qs = (extra: string[]) => {
        // A spoiled parameter replaces the valid one of the same name.
        const names = new Set(extra.map((e) => e.split(/[=[]/)[0]));
        const all = [...baseQuery.filter((b) => !names.has(b.split('=')[0])), ...extra];
        return all.length ? `?${all.join('&')}` : '';
      };
      const url = route(String(idFor(path)));
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const baseBody = schema ? sample(schema) : undefined;
      const body = baseBody === undefined ? {} : { body: toJson(baseBody), contentType: 'application/json' };
      const tag = `${method} ${path}`;
      // The events route is a stream that ignores its query: only refusals end it.
      const safe = method === 'GET' && path !== '/api/v1/events';
      // Device routes answer 401 to anyone without a device certificate before reading input.
      const checksInput = !path.endsWith('/simplereenroll');

      // Path ids: out of range, not numbers, bad escapes.
      if (path.includes('{id}')) {
        for (const bad of BAD_IDS)
          cases.push({ label: `${tag} id=${bad.slice(0, 30)}`, method, url: route(bad) + qs([]), ...body, mustFail: true });
        cases.push({
          label: `${tag} id=NUL`,
          method,
          url: route('1%00') + qs([]),
          ...body,
          ...(checksInput ? { unsafeField: 'params.id' } : {}),
          mustFail: true,
        });
      }
      // Query: every parameter, plus unknown and prototype names. Writes only get values that must
      // be refused whatever the route (a route without a query schema ignores other parameters).
      for (const name of [...query.map((p) => p.name as string), 'unknown', '__proto__', 'constructor']) {
        for (const v of UNSAFE_QUERY_VALUES) {
          const unsafeField = v.includes('%00') && checksInput ? `query.${name}` : undefined;
          cases.push({
            label: `${tag} ?${name}=${v}`,
            method,
            url: url + qs([`${name}=${v}`]),
            ...body,
            ...(unsafeField ? { unsafeField } : {}),
            mustFail: true,
          });
        }
        if (safe) {
          for (const v of BAD_QUERY_VALUES)
            cases.push({ label: `${tag} ?${name}=${v.slice(0, 30)}`, method, url: url + qs([`${name}=${v}`]) });
          cases.push({ label: `${tag} ?${name} twice`, method, url: url + qs([`${name}=1`, `${name}=2`]) });
          cases.push({ label: `${tag} ?${name}[a]`, method, url: url + qs([`${name}[a]=1`, `${name}[]=2`]) });
        }
      }
      if (!schema) continue;

      // Body: each leaf (and map key) spoiled in turn.
      for (const leaf of leaves(baseBody)) {
        for (const s of [NUL, ...SURROGATES]) {
          cases.push({
            label: `${tag} body.${leaf.join('.')}=${JSON.stringify(s)}`,
            method,
            url: url + qs([]),
            contentType: 'application/json',
            body: toJson(withValue(baseBody, leaf, s)),
            unsafeField: field('body', leaf),
            mustFail: true,
          });
        }
        for (const v of BAD_VALUES) {
          cases.push({
            label: `${tag} body.${leaf.join('.')}=${JSON.stringify(v)?.slice(0, 30)}`,
            method,
            url: url + qs([]),
            contentType: 'application/json',
            body: toJson(withValue(baseBody, leaf, v)),
          });
        }
        if (leaf.length) {
          const key = leaf[leaf.length - 1]!;
          if (typeof key === 'string') {
            cases.push({
              label: `${tag} key ${leaf.join('.')}+NUL`,
              method,
              url: url + qs([]),
              contentType: 'application/json',
              body: toJson(renameKey(baseBody, leaf, `${key}\u0000`)),
              unsafeField: field('body', [...leaf.slice(0, -1), `${key}\ufffd`]),
              mustFail: true,
            });
          }
        }
      }
      const objectBody = baseBody as Record<string, unknown>;
      const whole: Array<[string, string | Buffer]> = [
        ['null', 'null'],
        ['array', '[]'],
        ['number', '5'],
        ['string', '"s"'],
        ['empty', ''],
        ['invalid JSON', '{"a":'],
        ['trailing', '{} x'],
        ['__proto__', `{"__proto__":{"isAdmin":true},${toJson(objectBody).slice(1)}`],
        ['constructor', `{"constructor":{"prototype":{"isAdmin":true}},${toJson(objectBody).slice(1)}`],
        ['unknown field', toJson({ ...objectBody, unknownField: 1 })],
        ['deep nesting', `{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
        [
          'deep nesting in every field',
          toJson(Object.fromEntries(Object.keys(objectBody).map((k) => [k, raw(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)]))),
        ],
        ['huge array', `{"x":[${'1,'.repeat(300_000)}1]}`],
        [
          'huge array in every field',
          toJson(Object.fromEntries(Object.keys(objectBody).map((k) => [k, raw(`[${'99999999999999999999,'.repeat(20_000)}1]`)]))),
        ],
        [
          'invalid UTF-8',
          Buffer.concat([
            Buffer.from(toJson(objectBody).slice(0, -1) + ',"x":"a'),
            Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80]),
            Buffer.from('"}'),
          ]),
        ],
        ['too large', `{"x":"${'a'.repeat(1_100_000)}"}`],
      ];
      for (const [what, b] of whole)
        cases.push({ label: `${tag} body ${what}`, method, url: url + qs([]), contentType: 'application/json', body: b, mustFail: true });
      // (Copying a profile without a body is a valid request: it is not a "must fail" case.)
      cases.push({ label: `${tag} no body`, method, url: url + qs([]), mustFail: !path.endsWith('/copy') });
      cases.push({
        label: `${tag} text/plain`,
        method,
        url: url + qs([]),
        contentType: 'text/plain',
        body: toJson(baseBody),
        mustFail: true,
      });
      cases.push({
        label: `${tag} bad content-type`,
        method,
        url: url + qs([]),
        contentType: 'application/json; charset=latin1; x',
        body: toJson(baseBody),
      });
      cases.push({ label: `${tag} form`, method, url: url + qs([]), contentType: 'application/x-www-form-urlencoded', body: 'a=b' });
    }
  }

  // Text bodies and headers of the routes that do not take JSON.
  for (const est of [...new Set(Object.keys(doc.paths).filter((p) => p.endsWith('/simpleenroll') || p.endsWith('/simplereenroll')))]) {
    const info = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    cases.push({
      label: `POST ${est} NUL body`,
      method: 'POST',
      url: est,
      contentType: 'application/pkcs10',
      body: `MII${NUL}`,
      mustFail: true,
    });
    cases.push({
      label: `POST ${est} NUL in device info`,
      method: 'POST',
      url: est,
      contentType: 'application/pkcs10',
      body: 'MIIB',
      headers: { 'x-openums-device': info({ unitId: '02AABBCCDDEE', mac: '02AABBCCDDEE', hostname: NUL }) },
      mustFail: true,
    });
    cases.push({
      label: `POST ${est} surrogate in device info`,
      method: 'POST',
      url: est,
      contentType: 'application/pkcs10',
      body: 'MIIB',
      headers: { 'x-openums-device': info({ unitId: '02AABBCCDDEE', mac: '02AABBCCDDEE', product: '\ud800' }) },
      mustFail: true,
    });
    cases.push({
      label: `POST ${est} NUL in basic auth`,
      method: 'POST',
      url: est,
      contentType: 'application/pkcs10',
      body: 'MIIB',
      headers: { authorization: `Basic ${Buffer.from(`x:oek_${NUL}_${NUL}`).toString('base64')}` },
      mustFail: true,
    });
    cases.push({
      label: `POST ${est} invalid UTF-8`,
      method: 'POST',
      url: est,
      contentType: 'application/pkcs10',
      body: Buffer.from([0x4d, 0xff, 0xc0, 0x00]),
      mustFail: true,
    });
    cases.push({
      label: `POST ${est} bad info header`,
      method: 'POST',
      url: est,
      contentType: 'application/pkcs10',
      body: 'MIIB',
      headers: { 'x-openums-device': '%%%' },
      mustFail: true,
    });
  }
  const importUrl = '/api/v1/profiles/import';
  cases.push({
    label: 'import NUL',
    method: 'POST',
    url: importUrl,
    contentType: 'text/plain',
    body: `# openums profiles\n${NUL}\n`,
    unsafeField: 'body',
    mustFail: true,
  });
  cases.push({
    label: 'import invalid UTF-8',
    method: 'POST',
    url: importUrl,
    contentType: 'text/plain',
    body: Buffer.from([0xff, 0xfe, 0x00, 0x41]),
    mustFail: true,
  });
  cases.push({ label: 'import empty', method: 'POST', url: importUrl, contentType: 'text/plain', body: '' });
  cases.push({
    label: 'import JSON',
    method: 'POST',
    url: importUrl,
    contentType: 'application/json',
    body: '{"a":"\\u0000"}',
    unsafeField: 'body.a',
  });
  // Device import (CSV): a NUL, invalid UTF-8, a malformed line, an unknown format — nothing saved.
  const deviceImport = '/api/v1/devices/import?format=long';
  for (const [what, body] of [
    ['NUL', `/A;00E0C5AA0001;;;${NUL};;;;;;;`],
    ['invalid UTF-8', Buffer.concat([Buffer.from('/A;00E0C5AA0002;;;'), Buffer.from([0xff, 0xc0]), Buffer.from(';;;;;;;')])],
    ['malformed line', '/A;00E0C5AA0003;;;ok;;;;;;;\n/A;"unterminated;;;'],
    ['bad unit id', '/A;not-a-mac;;;x;;;;;;;'],
  ] as const) {
    cases.push({ label: `device import ${what}`, method: 'POST', url: deviceImport, contentType: 'text/csv', body, mustFail: true });
  }
  cases.push({
    label: 'device import bad format',
    method: 'POST',
    url: '/api/v1/devices/import?format=xml',
    contentType: 'text/csv',
    body: 'a',
    mustFail: true,
  });
  // Paths no route has, with bad escapes.
  for (const p of [
    '/api/v1/%ZZ',
    '/api/v1/devices/%ZZ/commands',
    '/%00',
    '/api/v1/nope?q=%00',
    `/api/v1/devices?q=${'a'.repeat(20_000)}`,
  ]) {
    cases.push({ label: `GET ${p.slice(0, 40)}`, method: 'GET', url: p });
  }
  return cases;
}

async function counts(t: TestApp): Promise<Record<string, number>> {
  const tables = [
    'device_folders',
    'devices',
    'enrollment_keys',
    'commands',
    'profiles',
    'profile_assignments',
    'profile_folders',
    'device_settings',
    'users',
    'admin_groups',
    'admin_group_members',
    'api_tokens',
    'ldap_domains',
    'access_entries',
  ] as const;
  const out: Record<string, number> = {};
  for (const table of tables) {
    const r = await t.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

describe.each(DIALECTS)('bad input on every route (%s)', (dialect) => {
  let t: TestApp;
  let cases: Case[];

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const folder = await t.api('POST', '/api/v1/device-folders', { name: 'Fixture' });
    const device = await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0001', folderId: folder.body.id });
    const key = await t.api('POST', '/api/v1/enrollment-keys', { type: 'mass' });
    const command = await t.api('POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [device.body.id] });
    const profileFolder = await t.api('POST', '/api/v1/profile-folders', { name: 'Fixture' });
    const profile = await t.api('POST', '/api/v1/profiles', { name: 'Fixture', type: 'standard' });
    // Not the corpus's own account: PATCH and password routes may change the fixture freely.
    const admin = await t.api('POST', '/api/v1/admins', { username: 'fixture', password: 'fixture password 1', superuser: false });
    const adminGroup = await t.api('POST', '/api/v1/admin-groups', { name: 'Fixture' });
    // A directory nobody listens for (port 1 refuses at once): test, search and import answer 422.
    const ldapDomain = await t.api('POST', '/api/v1/ldap-domains', {
      name: 'FIXTURE',
      kind: 'ldap',
      hosts: ['127.0.0.1'],
      port: 1,
      security: 'none',
      baseDn: 'dc=example,dc=test',
      bindDn: 'cn=reader,dc=example,dc=test',
      bindPassword: 'fixture bind password',
    });
    // A job folder with a sub-folder: PATCH and DELETE reach the cycle and not-empty checks.
    const jobFolder = await t.api('POST', '/api/v1/job-folders', { name: 'Fixture' });
    const jobSubFolder = await t.api('POST', '/api/v1/job-folders', { name: 'Fixture', parentId: jobFolder.body.id });
    for (const r of [folder, device, key, command, profileFolder, profile, admin, adminGroup, ldapDomain, jobFolder, jobSubFolder])
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    cases = corpus(doc, {
      folder: folder.body.id,
      device: device.body.id,
      key: key.body.keys[0].id,
      command: command.body.commands[0].id,
      profileFolder: profileFolder.body.id,
      profile: profile.body.id,
      admin: admin.body.id,
      adminGroup: adminGroup.body.id,
      ldapDomain: ldapDomain.body.id,
      jobFolder: jobFolder.body.id,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const run = async (c: Case, auth: boolean) => {
    const headers: Record<string, string> = { ...c.headers };
    if (auth) headers.authorization = `Bearer ${t.token}`;
    if (c.contentType) headers['content-type'] = c.contentType;
    // A stream that never ends (the events route) must not hang the corpus.
    const res = await Promise.race([
      t.app.inject({ method: c.method as 'GET', url: c.url, headers, ...(c.body !== undefined ? { payload: c.body } : {}) }),
      new Promise<null>((r) => setTimeout(() => r(null), 5_000)),
    ]);
    if (!res) return { problem: 'no answer within 5 s', status: 0, body: null as any };
    let body: any = null;
    try {
      body = res.body ? JSON.parse(res.body) : null;
    } catch {
      body = res.body.slice(0, 100);
    }
    let problem: string | null = null;
    if (res.statusCode >= 500) problem = `status ${res.statusCode}`;
    else if (res.statusCode >= 400) {
      const e = body?.error;
      if (!e || typeof e.code !== 'string' || typeof e.message !== 'string')
        problem = `no error envelope: ${JSON.stringify(body).slice(0, 200)}`;
      else if (!CODES.has(e.code)) problem = `unknown code ${e.code}`;
      else if (errorStatus[e.code as ErrorCode] !== res.statusCode) problem = `code ${e.code} with status ${res.statusCode}`;
    }
    return { problem, status: res.statusCode, body };
  };

  it('refuses a crafted cursor (NUL in a value, an id past the safe range, another shape) with 400 INVALID_CURSOR', async () => {
    await t.api('POST', '/api/v1/devices', { mac: '02AABBCC0002', name: 'second' });
    const first = await t.api('GET', '/api/v1/devices?limit=1&sort=name');
    expect(first.body.nextCursor).toBeTruthy();
    const real = JSON.parse(Buffer.from(first.body.nextCursor, 'base64url').toString('utf8'));
    const craft = (v: unknown) => Buffer.from(JSON.stringify({ ...real, v })).toString('base64url');
    for (const cursor of [
      craft(['a\u0000', 1]),
      craft(['\ud800', 1]),
      craft([real.v[0], 1e308]),
      craft([real.v[0], 2 ** 53]),
      craft([real.v[0], -1.5]),
      craft([real.v[0]]),
      craft('x'),
      Buffer.from('null').toString('base64url'),
      Buffer.from('{"s":').toString('base64url'),
      Buffer.from([0xff, 0x00]).toString('base64url'),
    ]) {
      const r = await t.api('GET', `/api/v1/devices?limit=1&sort=name&cursor=${cursor}`);
      expect(r.status, cursor).toBe(400);
      expect(r.body.error.code).toBe(ErrorCode.InvalidCursor);
    }
    expect((await t.api('GET', `/api/v1/devices?limit=1&sort=name&cursor=${first.body.nextCursor}`)).status).toBe(200);
  });

  for (const auth of [false, true]) {
    it(`${auth ? 'logged in' : 'anonymous'}: no 5xx, every error in the envelope, unsafe text refused by field, nothing written`, async () => {
      const problems: string[] = [];
      let unsafeChecked = 0;
      const runAll = async (list: Case[]) => {
        for (const c of list) {
          // Logging out would end the session the rest of the corpus runs with.
          if (auth && c.url.startsWith('/api/v1/auth/logout')) continue;
          const r = await run(c, auth);
          if (r.problem) problems.push(`${c.label}: ${r.problem}`);
          if (c.mustFail && r.status < 400) problems.push(`${c.label}: accepted (${r.status})`);
          if (c.unsafeField && (auth || r.status !== 401)) {
            unsafeChecked++;
            if (r.status !== 400 || r.body?.error?.code !== ErrorCode.ValidationFailed || r.body.error.details?.field !== c.unsafeField) {
              problems.push(`${c.label}: expected 400 naming ${c.unsafeField}, got ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
            }
          }
        }
      };
      const before = await counts(t);
      await runAll(cases.filter((c) => c.mustFail));
      expect(await counts(t)).toEqual(before);
      // Then values that are wrong for most fields but valid for some (null, true, {}): no 5xx.
      await runAll(cases.filter((c) => !c.mustFail));
      expect(problems, `${problems.length} problems:\n${problems.slice(0, 60).join('\n')}`).toEqual([]);
      expect(cases.length).toBeGreaterThan(1000);
      if (auth) expect(unsafeChecked).toBeGreaterThan(200);
      // The session survived the corpus: the logged-in run really was logged in.
      expect((await t.api('GET', '/api/v1/auth/me')).status).toBe(200);
    }, 240_000);
  }
});
