import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attribute, Change, Client } from 'ldapts';
import { ErrorCode } from '@openums/protocol';
import { createLogger } from '../../src/lib/logger.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { CAPTURE_ENV } from '../log-secrets/registry.js';
import { DIALECTS, createTestDb } from '../helpers/db.js';
import {
  BASE_DN,
  READER_DN,
  READER_PASSWORD,
  ROOT_DN,
  ROOT_PASSWORD,
  startSlapd,
  userPassword,
  type RunningSlapd,
} from '../helpers/slapd.js';

/**
 * LDAP domains against a real OpenLDAP (test/helpers/slapd.ts): settings, test connection with
 * its error codes (plain, LDAPS, StartTLS, wrong CA, wrong host name), search and import, and
 * logins as user@DOMAIN / DOMAIN\user with nested groups, on both databases.
 */
// One directory per database run: the tests change it (members, a deleted user).
let slapd: RunningSlapd;

const person = (uid: string) => `uid=${uid},ou=people,${BASE_DN}`;
const group = (cn: string) => `cn=${cn},ou=groups,${BASE_DN}`;

/** Changes the directory as its administrator would. */
async function asRoot(fn: (c: Client) => Promise<void>): Promise<void> {
  const c = new Client({ url: `ldap://127.0.0.1:${slapd.port}` });
  try {
    await c.bind(ROOT_DN, ROOT_PASSWORD);
    await fn(c);
  } finally {
    await c.unbind();
  }
}

describe.each(DIALECTS)('LDAP domains (%s)', (dialect) => {
  let t: TestApp;
  const logLines: string[] = [];
  const domainBody = () => ({
    name: 'EXAMPLE',
    kind: 'ldap',
    hosts: ['127.0.0.1'],
    port: slapd.port,
    security: 'none',
    baseDn: BASE_DN,
    bindDn: READER_DN,
    bindPassword: READER_PASSWORD,
    upnSuffixes: ['example.test'],
    pageSize: 2,
  });
  let domainId = 0;

  beforeAll(async () => {
    slapd = await startSlapd();
    const destination = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    // Its own lines for the assertions below, and the suite's log-secret scan sees them too.
    const captureDir = process.env[CAPTURE_ENV] ?? null;
    t = await buildTestApp(dialect, { logger: createLogger('debug', { destination, pretty: false, captureDir }) });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    slapd?.stop();
  });

  const login = async (username: string, password: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
    return { status: res.statusCode, body: res.json(), text: res.body };
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

  it('creates, lists, changes and deletes domains; the bind password is sealed and never returned; bad input is refused', async () => {
    const missingBase = await t.api('POST', '/api/v1/ldap-domains', { ...domainBody(), baseDn: undefined });
    expect(missingBase.status).toBe(400);
    expect(missingBase.body.error.details.field).toBe('body.baseDn');
    for (const bad of [
      { security: 'ssl' },
      { hosts: [] },
      { hosts: ['bad host'] },
      { port: 70_000 },
      { caCertificate: 'not a certificate' },
      { userFilter: 'uid=*' },
      { namingAttribute: 'u id' },
      { name: 'a@b' },
      { pageSize: 0 },
    ]) {
      const r = await t.api('POST', '/api/v1/ldap-domains', { ...domainBody(), ...bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error.code).toBe(ErrorCode.ValidationFailed);
    }

    const created = await t.api('POST', '/api/v1/ldap-domains', domainBody());
    expect(created.status).toBe(201);
    domainId = created.body.id;
    expect(created.body).toMatchObject({
      name: 'EXAMPLE',
      kind: 'ldap',
      port: slapd.port,
      security: 'none',
      verifyHostName: true,
      bindDn: READER_DN,
      bindPasswordSet: true,
      namingAttribute: 'uid',
      groupAttribute: 'memberOf',
      memberAttribute: 'member',
      upnSuffixes: ['example.test'],
    });
    expect(JSON.stringify(created.body)).not.toContain(READER_PASSWORD);
    const row = await t.database.db.selectFrom('ldap_domains').selectAll().where('id', '=', domainId).executeTakeFirstOrThrow();
    expect(row.bind_password_sealed).toMatch(/^v1:/);
    expect(row.bind_password_sealed).not.toContain(READER_PASSWORD);

    const dup = await t.api('POST', '/api/v1/ldap-domains', { ...domainBody(), name: 'example' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe(ErrorCode.LdapDomainNameTaken);

    const ad = await t.api('POST', '/api/v1/ldap-domains', {
      name: 'corp.example',
      kind: 'ad',
      hosts: ['dc1.corp.example'],
      security: 'ldaps',
    });
    expect(ad.status).toBe(201);
    expect(ad.body).toMatchObject({
      baseDn: 'DC=corp,DC=example',
      port: 636,
      namingAttribute: 'sAMAccountName',
      bindDn: null,
      bindPasswordSet: false,
    });
    const patched = await t.api('PATCH', `/api/v1/ldap-domains/${ad.body.id}`, { security: 'starttls', verifyHostName: false });
    expect(patched.body).toMatchObject({ security: 'starttls', port: 389, verifyHostName: false });
    expect((await t.api('PATCH', `/api/v1/ldap-domains/${ad.body.id}`, { name: 'renamed' })).status).toBe(400);
    const list = await t.api('GET', '/api/v1/ldap-domains');
    expect(list.body.items.map((d: { name: string }) => d.name)).toEqual(['corp.example', 'EXAMPLE']);
    expect(JSON.stringify(list.body)).not.toContain(READER_PASSWORD);
    expect((await t.api('DELETE', `/api/v1/ldap-domains/${ad.body.id}`)).status).toBe(204);
    const gone = await t.api('GET', `/api/v1/ldap-domains/${ad.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe(ErrorCode.LdapDomainNotFound);
    // Every change is on record, in its own transaction, and no bind password in it.
    const audit = await t.api('GET', `/api/v1/audit-log?objectType=ldap-domain&limit=100`);
    const actions = (audit.body.items as Array<{ action: string; objectId: number }>)
      .filter((e) => e.objectId === ad.body.id)
      .map((e) => e.action);
    expect(actions.sort()).toEqual(['ldap-domain.create', 'ldap-domain.delete', 'ldap-domain.update']);
    expect(JSON.stringify(audit.body)).not.toContain(READER_PASSWORD);

    // The general right `ldap` opens these routes; an account without it gets 403.
    const pw = 'a long enough password 1';
    const plain = await t.api('POST', '/api/v1/admins', { username: 'no-ldap', password: pw, superuser: false });
    const withRight = await t.api('POST', '/api/v1/admins', {
      username: 'ldap-admin',
      password: pw,
      superuser: false,
      generalRights: ['ldap'],
    });
    expect(plain.status).toBe(201);
    expect(withRight.status).toBe(201);
    expect((await as((await login('no-ldap', pw)).body.token, 'GET', '/api/v1/ldap-domains')).status).toBe(403);
    expect((await as((await login('ldap-admin', pw)).body.token, 'GET', '/api/v1/ldap-domains')).status).toBe(200);
  }, 60_000);

  it('tests the connection: plain, LDAPS and StartTLS with the imported CA; clear codes for port, CA, host name and password', async () => {
    const test = (id: number) => t.api('POST', `/api/v1/ldap-domains/${id}/test`);
    const ok = await test(domainId);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toEqual({ ok: true, host: '127.0.0.1', security: 'none' });

    const make = async (name: string, over: Record<string, unknown>) => {
      const r = await t.api('POST', '/api/v1/ldap-domains', { ...domainBody(), upnSuffixes: [], name, ...over });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as number;
    };
    const ldaps = await make('tls1', { hosts: ['localhost'], security: 'ldaps', port: slapd.ldapsPort, caCertificate: slapd.caPem });
    expect((await test(ldaps)).body).toEqual({ ok: true, host: 'localhost', security: 'ldaps' });
    const starttls = await make('tls2', { hosts: ['localhost'], security: 'starttls', caCertificate: slapd.caPem });
    expect((await test(starttls)).body).toEqual({ ok: true, host: 'localhost', security: 'starttls' });

    // Nothing listens on port 1 (a second host that answers is used when the first does not).
    const closed = await make('closed', { port: 1 });
    const refused = await test(closed);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe(ErrorCode.LdapConnectionFailed);
    expect(refused.body.error.details).toMatchObject({ host: '127.0.0.1', reason: 'ECONNREFUSED' });

    const wrongCa = await make('tls3', { hosts: ['localhost'], security: 'ldaps', port: slapd.ldapsPort, caCertificate: slapd.otherCaPem });
    const caRefused = await test(wrongCa);
    expect(caRefused.status).toBe(422);
    expect(caRefused.body.error.code).toBe(ErrorCode.LdapCertificateInvalid);
    const startTlsWrongCa = await make('tls4', { hosts: ['localhost'], security: 'starttls', caCertificate: slapd.otherCaPem });
    expect((await test(startTlsWrongCa)).body.error.code).toBe(ErrorCode.LdapCertificateInvalid);

    // The certificate names localhost only: 127.0.0.1 is refused unless the name check is turned off.
    const byAddress = await make('tls5', { hosts: ['127.0.0.1'], security: 'ldaps', port: slapd.ldapsPort, caCertificate: slapd.caPem });
    const nameRefused = await test(byAddress);
    expect(nameRefused.body.error.code).toBe(ErrorCode.LdapCertificateInvalid);
    expect(nameRefused.body.error.details.reason).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    await t.api('PATCH', `/api/v1/ldap-domains/${byAddress}`, { verifyHostName: false });
    expect((await test(byAddress)).status).toBe(200);

    const badPassword = await make('badpw', { bindPassword: 'not the password' });
    const bindRefused = await test(badPassword);
    expect(bindRefused.status).toBe(422);
    expect(bindRefused.body.error.code).toBe(ErrorCode.LdapBindFailed);
    expect(JSON.stringify(bindRefused.body)).not.toContain('not the password');

    const twoHosts = await make('two', {
      hosts: ['127.0.0.1', 'localhost'],
      port: slapd.ldapsPort,
      security: 'ldaps',
      caCertificate: slapd.caPem,
    });
    expect((await test(twoHosts)).body).toEqual({ ok: true, host: 'localhost', security: 'ldaps' });
    for (const id of [ldaps, starttls, closed, wrongCa, startTlsWrongCa, byAddress, badPassword, twoHosts]) {
      expect((await t.api('DELETE', `/api/v1/ldap-domains/${id}`)).status).toBe(204);
    }
  }, 60_000);

  it('searches users and groups (paged below the page size) and imports them', async () => {
    const all = await t.api('GET', `/api/v1/ldap-domains/${domainId}/search`);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    // Page size 2: the search still returns every entry.
    expect(all.body.items.map((e: { name: string }) => e.name).sort()).toEqual([
      'alice',
      'bob',
      'carol',
      'dave',
      'helpdesk',
      'staff',
      'ums-admins',
    ]);
    expect(all.body.truncated).toBe(false);
    const users = await t.api('GET', `/api/v1/ldap-domains/${domainId}/search?q=ali&type=user`);
    expect(users.body.items).toEqual([{ type: 'user', dn: person('alice'), name: 'alice', displayName: 'Alice Archer', importedId: null }]);
    const limited = await t.api('GET', `/api/v1/ldap-domains/${domainId}/search?type=user&limit=3`);
    expect(limited.body.items).toHaveLength(3);
    expect(limited.body.truncated).toBe(true);
    // Filter characters in q are searched for, not interpreted.
    expect((await t.api('GET', `/api/v1/ldap-domains/${domainId}/search?q=${encodeURIComponent('*)(uid=*')}`)).body.items).toEqual([]);

    const imported = await t.api('POST', `/api/v1/ldap-domains/${domainId}/import`, {
      entries: [
        { type: 'group', dn: group('ums-admins') },
        { type: 'user', dn: person('bob') },
      ],
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.items).toMatchObject([
      { type: 'group', name: 'ums-admins', created: true },
      { type: 'user', name: 'bob', created: true },
    ]);
    const again = await t.api('POST', `/api/v1/ldap-domains/${domainId}/import`, { entries: [{ type: 'user', dn: person('bob') }] });
    expect(again.body.items[0]).toMatchObject({ id: imported.body.items[1].id, created: false });
    const bob = await t.api('GET', `/api/v1/admins/${imported.body.items[1].id}`);
    expect(bob.body).toMatchObject({ username: 'bob', domain: 'EXAMPLE', superuser: false });
    const missing = await t.api('POST', `/api/v1/ldap-domains/${domainId}/import`, { entries: [{ type: 'user', dn: person('nobody') }] });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe(ErrorCode.LdapEntryNotFound);
    const outside = await t.api('POST', `/api/v1/ldap-domains/${domainId}/import`, { entries: [{ type: 'user', dn: 'uid=x,dc=other' }] });
    expect(outside.body.error.code).toBe(ErrorCode.LdapEntryNotFound);
    const found = await t.api('GET', `/api/v1/ldap-domains/${domainId}/search?q=ums`);
    expect(found.body.items[0]).toMatchObject({ name: 'ums-admins', importedId: imported.body.items[0].id });

    // The imported group gets rights like any group.
    const rights = await t.api('PATCH', `/api/v1/admin-groups/${imported.body.items[0].id}`, { generalRights: ['ldap', 'mail'] });
    expect(rights.status).toBe(200);
  }, 60_000);

  it('logs in as user@DOMAIN and DOMAIN\\user; a nested group gives its rights; wrong passwords and strangers are refused', async () => {
    // alice is in helpdesk, which is in ums-admins (imported with rights): she may log in.
    for (const name of ['alice@EXAMPLE', 'alice@example.test', 'EXAMPLE\\alice', 'example\\alice']) {
      const r = await login(name, userPassword('alice'));
      expect(r.status, `${name}: ${r.text}`).toBe(200);
      const me = await as(r.body.token, 'GET', '/api/v1/auth/me');
      expect(me.body).toMatchObject({ user: { username: 'alice' }, superuser: false, generalRights: ['mail', 'ldap'] });
      expect((await as(r.body.token, 'GET', '/api/v1/ldap-domains')).status).toBe(200);
    }
    const alice = (await t.api('GET', '/api/v1/admins?limit=1000')).body.items.find((a: { username: string }) => a.username === 'alice');
    expect(alice).toMatchObject({ domain: 'EXAMPLE' });

    const wrong = await login('alice@EXAMPLE', 'wrong password');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe(ErrorCode.InvalidCredentials);
    // A local account with the same name is another account.
    expect((await login('alice', userPassword('alice'))).status).toBe(401);
    // bob is imported himself but in no imported group: he logs in without rights.
    const bob = await login('bob@EXAMPLE', userPassword('bob'));
    expect(bob.status).toBe(200);
    expect((await as(bob.body.token, 'GET', '/api/v1/auth/me')).body.generalRights).toEqual([]);
    // carol is neither imported nor in an imported group: refused after a correct password only.
    const carol = await login('carol@EXAMPLE', userPassword('carol'));
    expect(carol.status).toBe(403);
    expect(carol.body.error.code).toBe(ErrorCode.LdapNotImported);
    expect((await login('carol@EXAMPLE', 'wrong')).body.error.code).toBe(ErrorCode.InvalidCredentials);
    expect((await login('nobody@EXAMPLE', 'whatever')).body.error.code).toBe(ErrorCode.InvalidCredentials);
    // Filter characters in the name find nobody.
    expect((await login('*@EXAMPLE', userPassword('alice'))).body.error.code).toBe(ErrorCode.InvalidCredentials);
  }, 60_000);

  it('follows the directory at each login: group removal drops rights and access, a deleted or filtered-out user is refused', async () => {
    const first = await login('alice@EXAMPLE', userPassword('alice'));
    expect(first.status).toBe(200);
    // Out of helpdesk: alice came in through ums-admins only (her account was created at her
    // first login), so her next login is refused, and her open session loses the group's rights.
    await asRoot((c) =>
      c.modify(group('helpdesk'), [new Change({ operation: 'replace', modification: attr('member', [person('dave')]) })]),
    );
    const second = await login('alice@EXAMPLE', userPassword('alice'));
    expect(second.status).toBe(403);
    expect(second.body.error.code).toBe(ErrorCode.LdapNotImported);
    expect((await as(first.body.token, 'GET', '/api/v1/auth/me')).body.generalRights).toEqual([]);

    // dave is now nested in ums-admins; the domain's extra filter shuts out "disabled" entries.
    expect((await login('dave@EXAMPLE', userPassword('dave'))).status).toBe(200);
    await t.api('PATCH', `/api/v1/ldap-domains/${domainId}`, { userFilter: '(!(description=disabled))' });
    await asRoot((c) => c.modify(person('dave'), [new Change({ operation: 'add', modification: attr('description', ['disabled']) })]));
    expect((await login('dave@EXAMPLE', userPassword('dave'))).body.error.code).toBe(ErrorCode.InvalidCredentials);

    // Deleted from the directory: refused at the next login, though the account was imported.
    await asRoot((c) => c.del(person('bob')));
    const bob = await login('bob@EXAMPLE', userPassword('bob'));
    expect(bob.status).toBe(401);
    expect(bob.body.error.code).toBe(ErrorCode.InvalidCredentials);
  }, 60_000);

  it('counts failed directory logins towards the login block', async () => {
    // Earlier failures of this address are out of the window.
    t.clock.advance(10 * 60_000);
    for (let i = 0; i < 5; i++) expect((await login('eve@example.test', 'wrong')).status).toBe(401);
    const blocked = await login('eve@example.test', 'wrong');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe(ErrorCode.RateLimited);
  }, 60_000);

  it('never writes a bind password or a user password to a response or a log line', () => {
    const logs = logLines.join('');
    expect(logs).toContain('LDAP');
    for (const secret of [READER_PASSWORD, ...['alice', 'bob', 'carol', 'dave'].map(userPassword), 'not the password']) {
      expect(logs).not.toContain(secret);
    }
  });
});

const attr = (type: string, values: string[]) => new Attribute({ type, values });

describe.each(DIALECTS)('migration 20261206T1100-ldap-domains (%s)', (dialect) => {
  it('keeps existing accounts and groups as local ones (not imported, no directory link)', async () => {
    const testDb = await createTestDb(dialect);
    const db = testDb.open();
    try {
      await db.migrate('20261205T0900-admins');
      const raw = db.db as unknown as Kysely<any>;
      await raw.insertInto('users').values({ username: 'old', password_hash: 'x', role: 'viewer', created_at: 1, updated_at: 1 }).execute();
      await raw.insertInto('admin_groups').values({ name: 'old', general_rights: '[]', created_at: 1 }).execute();
      await db.migrate();
      const user = await db.db.selectFrom('users').selectAll().where('username', '=', 'old').executeTakeFirstOrThrow();
      expect(Number(user.directory_imported)).toBe(0);
      const g = await db.db.selectFrom('admin_groups').selectAll().executeTakeFirstOrThrow();
      expect(g).toMatchObject({ ldap_domain_id: null, directory_dn: null, directory_dn_key: null });
      // Local groups do not collide on the (domain, DN) index.
      await db.db.insertInto('admin_groups').values({ name: 'second', general_rights: '[]', created_at: 2 }).execute();
      expect(await db.db.selectFrom('ldap_domains').selectAll().execute()).toEqual([]);
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
