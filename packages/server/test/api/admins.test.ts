import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { ErrorCode } from '@openums/protocol';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS, createTestDb } from '../helpers/db.js';

const PW = 'a long enough password 1';

describe.each(DIALECTS)('administrators, groups and API tokens (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const as = async (token: string, method: string, url: string, body?: unknown) => {
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null, text: res.body };
  };
  const login = async (username: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  const count = async (table: 'users' | 'admin_groups' | 'admin_group_members' | 'api_tokens') =>
    Number(
      (
        await t.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('creates accounts with the password policy; user names are unique; /auth/me tells superuser and rights', async () => {
    const users = await count('users');
    const short = await t.api('POST', '/api/v1/admins', { username: 'alice', password: 'short', superuser: false });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe(ErrorCode.PasswordPolicy);
    expect(short.text ?? JSON.stringify(short.body)).not.toContain('short"');
    const unknownRight = await t.api('POST', '/api/v1/admins', {
      username: 'alice',
      password: PW,
      superuser: false,
      generalRights: ['root'],
    });
    expect(unknownRight.status).toBe(400);
    expect(await count('users')).toBe(users);

    const alice = await t.api('POST', '/api/v1/admins', { username: 'alice', password: PW, superuser: false, generalRights: ['mail'] });
    expect(alice.status).toBe(201);
    expect(alice.body).toMatchObject({ username: 'alice', domain: null, superuser: false, disabled: false, generalRights: ['mail'] });
    expect(JSON.stringify(alice.body)).not.toContain(PW);
    const again = await t.api('POST', '/api/v1/admins', { username: 'alice', password: PW, superuser: true });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe(ErrorCode.UsernameTaken);

    const session = (await login('alice', PW)).json().token as string;
    const me = await as(session, 'GET', '/api/v1/auth/me');
    expect(me.body).toMatchObject({ superuser: false, generalRights: ['mail'], via: 'session', user: { username: 'alice' } });
    expect((await t.api('GET', '/api/v1/auth/me')).body).toMatchObject({
      superuser: true,
      generalRights: expect.arrayContaining(['ldap']),
    });
    // No right to manage accounts yet; granting it takes effect on the next request.
    expect((await as(session, 'GET', '/api/v1/admins')).status).toBe(403);
    expect((await t.api('PATCH', `/api/v1/admins/${alice.body.id}`, { generalRights: ['accountsAndAccess'] })).status).toBe(200);
    expect((await as(session, 'GET', '/api/v1/admins')).status).toBe(200);
    const page = await t.api('GET', '/api/v1/admins?limit=1');
    expect(page.body.items).toHaveLength(1);
    const next = await t.api('GET', `/api/v1/admins?limit=10&cursor=${page.body.nextCursor}`);
    expect(next.body.items.map((a: { username: string }) => a.username)).toContain('alice');
  }, 60_000);

  it('keeps the last superuser and refuses to disable or delete oneself', async () => {
    const me = (await t.api('GET', '/api/v1/auth/me')).body.user.id as number;
    const demote = await t.api('PATCH', `/api/v1/admins/${me}`, { superuser: false });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe(ErrorCode.LastSuperuser);
    expect((await t.api('PATCH', `/api/v1/admins/${me}`, { disabled: true })).body.error.code).toBe(ErrorCode.OwnAccount);
    expect((await t.api('DELETE', `/api/v1/admins/${me}`)).body.error.code).toBe(ErrorCode.OwnAccount);
    const bob = await t.api('POST', '/api/v1/admins', { username: 'bob', password: PW, superuser: true });
    const bobSession = (await login('bob', PW)).json().token as string;
    // With bob a superuser, admin may stop being one; then bob is the last one and cannot be deleted by admin… nor demote himself.
    expect((await as(bobSession, 'PATCH', `/api/v1/admins/${me}`, { superuser: false })).status).toBe(200);
    const last = await as(bobSession, 'PATCH', `/api/v1/admins/${bob.body.id}`, { superuser: false });
    expect(last.body.error.code).toBe(ErrorCode.LastSuperuser);
    expect((await as(bobSession, 'PATCH', `/api/v1/admins/${me}`, { superuser: true })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/auth/me')).body.superuser).toBe(true);
    expect((await t.api('DELETE', `/api/v1/admins/${bob.body.id}`)).status).toBe(204);
    expect((await as(bobSession, 'GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await t.api('GET', `/api/v1/admins/${bob.body.id}`)).body.error.code).toBe(ErrorCode.AdminNotFound);
  }, 60_000);

  it("refuses a disabled account's sessions and tokens on the next request, and its login", async () => {
    const carol = await t.api('POST', '/api/v1/admins', { username: 'carol', password: PW, superuser: false });
    const session = (await login('carol', PW)).json().token as string;
    const token = (await t.api('POST', `/api/v1/admins/${carol.body.id}/tokens`, { name: 'ci' })).body.token as string;
    expect((await as(session, 'GET', '/api/v1/auth/me')).status).toBe(200);
    expect((await as(token, 'GET', '/api/v1/auth/me')).status).toBe(200);
    expect((await t.api('PATCH', `/api/v1/admins/${carol.body.id}`, { disabled: true })).body.disabled).toBe(true);
    for (const cred of [session, token]) {
      const r = await as(cred, 'GET', '/api/v1/auth/me');
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe(ErrorCode.AccountDisabled);
    }
    const refused = await login('carol', PW);
    expect(refused.json().error.code).toBe(ErrorCode.AccountDisabled);
    expect((await login('carol', 'wrong password here')).json().error.code).toBe(ErrorCode.InvalidCredentials);
    // Enabled again: old sessions stay ended, the token (an explicit credential) works again.
    await t.api('PATCH', `/api/v1/admins/${carol.body.id}`, { disabled: false });
    expect((await as(session, 'GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await as(token, 'GET', '/api/v1/auth/me')).status).toBe(200);
  }, 60_000);

  it('API tokens: shown once, stored hashed, last use recorded in batches, revocation and expiry with their codes', async () => {
    const dave = await t.api('POST', '/api/v1/admins', { username: 'dave', password: PW, superuser: false, generalRights: ['servers'] });
    const url = `/api/v1/admins/${dave.body.id}/tokens`;
    const past = await t.api('POST', url, { name: 'x', expiresAt: new Date(t.clock.now() - 1000).toISOString() });
    expect(past.status).toBe(400);
    const created = await t.api('POST', url, { name: 'backup job', expiresAt: new Date(t.clock.now() + 3_600_000).toISOString() });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect(token).toMatch(/^oat_[0-9a-f]{12}_/);
    const rows = await t.database.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token.slice(18));
    const me = await as(token, 'GET', '/api/v1/auth/me');
    expect(me.body).toMatchObject({ via: 'apiToken', superuser: false, generalRights: ['servers'], user: { username: 'dave' } });
    // A token is a bearer credential for the API: no CSRF header needed, rights of its account.
    expect((await as(token, 'GET', '/api/v1/admins')).status).toBe(403);
    const list = await t.api('GET', url);
    expect(list.body.items[0]).toMatchObject({ name: 'backup job', status: 'active', prefix: token.slice(0, 16) });
    expect(list.body.items[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(token.slice(18));

    t.clock.advance(3_600_001);
    const expired = await as(token, 'GET', '/api/v1/auth/me');
    expect([expired.status, expired.body.error.code]).toEqual([401, ErrorCode.TokenExpired]);

    const second = (await t.api('POST', url, { name: 'second' })).body;
    expect((await as(second.token, 'GET', '/api/v1/auth/me')).status).toBe(200);
    expect((await t.api('DELETE', `${url}/${second.id}`)).status).toBe(204);
    const revoked = await as(second.token, 'GET', '/api/v1/auth/me');
    expect([revoked.status, revoked.body.error.code]).toEqual([401, ErrorCode.TokenRevoked]);
    expect((await t.api('DELETE', `${url}/999999`)).body.error.code).toBe(ErrorCode.ApiTokenNotFound);
    const forged = `${second.token.slice(0, 17)}${'A'.repeat(43)}`;
    expect((await as(forged, 'GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await t.api('GET', url)).body.items.map((i: { status: string }) => i.status)).toEqual(['revoked', 'expired']);
  }, 60_000);

  it('groups: nested membership gives rights, loops are refused with GROUP_CYCLE, missing members with their codes', async () => {
    const erin = await t.api('POST', '/api/v1/admins', { username: 'erin', password: PW, superuser: false });
    const session = (await login('erin', PW)).json().token as string;
    const outer = await t.api('POST', '/api/v1/admin-groups', { name: 'Operators', generalRights: ['certificates'] });
    const inner = await t.api('POST', '/api/v1/admin-groups', {
      name: 'Night shift',
      generalRights: ['mail'],
      members: [{ type: 'admin', id: erin.body.id }],
    });
    expect(inner.status).toBe(201);
    expect(
      (await t.api('POST', `/api/v1/admin-groups/${outer.body.id}/members`, { members: [{ type: 'group', id: inner.body.id }] })).status,
    ).toBe(200);
    expect((await as(session, 'GET', '/api/v1/auth/me')).body.generalRights).toEqual(['certificates', 'mail']);

    const members = await count('admin_group_members');
    const loop = await t.api('POST', `/api/v1/admin-groups/${inner.body.id}/members`, { members: [{ type: 'group', id: outer.body.id }] });
    expect([loop.status, loop.body.error.code]).toEqual([409, ErrorCode.GroupCycle]);
    const self = await t.api('POST', `/api/v1/admin-groups/${inner.body.id}/members`, { members: [{ type: 'group', id: inner.body.id }] });
    expect(self.body.error.code).toBe(ErrorCode.GroupCycle);
    const missing = await t.api('POST', `/api/v1/admin-groups/${inner.body.id}/members`, {
      members: [
        { type: 'admin', id: 424242 },
        { type: 'group', id: outer.body.id },
      ],
    });
    expect(missing.body.error.code).toBe(ErrorCode.AdminNotFound);
    expect(
      (await t.api('POST', '/api/v1/admin-groups/424242/members', { members: [{ type: 'admin', id: erin.body.id }] })).body.error.code,
    ).toBe(ErrorCode.GroupNotFound);
    expect(await count('admin_group_members')).toBe(members);
    expect((await t.api('POST', '/api/v1/admin-groups', { name: 'Operators' })).body.error.code).toBe(ErrorCode.GroupNameTaken);

    // Removing the nesting removes the outer group's rights at once.
    const removed = await t.api('DELETE', `/api/v1/admin-groups/${outer.body.id}/members/group/${inner.body.id}`);
    expect(removed.body.members).toEqual([]);
    expect((await as(session, 'GET', '/api/v1/auth/me')).body.generalRights).toEqual(['mail']);
    expect((await t.api('DELETE', `/api/v1/admin-groups/${inner.body.id}`)).status).toBe(204);
    expect((await as(session, 'GET', '/api/v1/auth/me')).body.generalRights).toEqual([]);
    const deleted = await t.api('GET', `/api/v1/audit-log?action=admin-group.delete&objectId=${inner.body.id}`);
    expect(deleted.body.items).toHaveLength(1);
    expect((await t.api('GET', '/api/v1/admin-groups')).body.items.map((g: { name: string }) => g.name)).toEqual(['Operators']);
  }, 60_000);

  it('passwords: own change needs the old one, the last five are not reused, a reset ends the sessions', async () => {
    const frank = await t.api('POST', '/api/v1/admins', { username: 'frank', password: 'frank password 0', superuser: false });
    let session = (await login('frank', 'frank password 0')).json().token as string;
    const other = (await login('frank', 'frank password 0')).json().token as string;
    const wrong = await as(session, 'POST', '/api/v1/auth/password', { oldPassword: 'not it at all', newPassword: 'frank password 1' });
    expect([wrong.status, wrong.body.error.code]).toEqual([403, ErrorCode.WrongPassword]);
    const same = await as(session, 'POST', '/api/v1/auth/password', { oldPassword: 'frank password 0', newPassword: 'frank password 0' });
    expect(same.body.error.code).toBe(ErrorCode.PasswordPolicy);
    expect(JSON.stringify(same.body)).not.toContain('frank password');
    for (let i = 1; i <= 4; i++) {
      const r = await as(session, 'POST', '/api/v1/auth/password', {
        oldPassword: `frank password ${i - 1}`,
        newPassword: `frank password ${i}`,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    // The changing session stays, the other one ended.
    expect((await as(session, 'GET', '/api/v1/auth/me')).status).toBe(200);
    expect((await as(other, 'GET', '/api/v1/auth/me')).status).toBe(401);
    const reuse = await t.api('POST', `/api/v1/admins/${frank.body.id}/password`, { password: 'frank password 0' });
    expect(reuse.body.error.code).toBe(ErrorCode.PasswordPolicy);
    const fifthBack = await t.api('POST', `/api/v1/admins/${frank.body.id}/password`, { password: 'frank password 9' });
    expect(fifthBack.status).toBe(200);
    expect((await as(session, 'GET', '/api/v1/auth/me')).status).toBe(401);
    // Now 0 is six passwords back: allowed again. The minimum length follows the policy setting.
    expect((await t.api('PUT', '/api/v1/settings/password-policy', { minLength: 20, reuseCount: 5 })).status).toBe(200);
    expect((await t.api('POST', `/api/v1/admins/${frank.body.id}/password`, { password: 'frank password 0' })).body.error.code).toBe(
      ErrorCode.PasswordPolicy,
    );
    await t.api('PUT', '/api/v1/settings/password-policy', { minLength: 12, reuseCount: 5 });
    expect((await t.api('POST', `/api/v1/admins/${frank.body.id}/password`, { password: 'frank password 0' })).status).toBe(200);
    session = (await login('frank', 'frank password 0')).json().token as string;
    expect((await as(session, 'GET', '/api/v1/auth/me')).status).toBe(200);
    const history = await t.database.db.selectFrom('admin_password_history').selectAll().where('user_id', '=', frank.body.id).execute();
    expect(history.length).toBeLessThanOrEqual(4);
    expect(JSON.stringify(history)).not.toContain('frank password');
  }, 120_000);

  it('allows the same user name in different LDAP domains, but not twice in one', async () => {
    const db = t.database.db;
    const row = (domain: string | null) => ({ username: 'gina', domain, password_hash: 'x', role: 'viewer', created_at: 1, updated_at: 1 });
    await db.insertInto('users').values(row('corp.example')).execute();
    await db.insertInto('users').values(row('lab.example')).execute();
    await db.insertInto('users').values(row(null)).execute();
    await expect(db.insertInto('users').values(row('lab.example')).execute()).rejects.toThrow();
    await expect(db.insertInto('users').values(row(null)).execute()).rejects.toThrow();
    const taken = await t.api('POST', '/api/v1/admins', { username: 'gina', password: PW, superuser: false });
    expect(taken.body.error.code).toBe(ErrorCode.UsernameTaken);
  });
});

describe.each(DIALECTS)('migration 20261205T0900-admins (%s)', (dialect) => {
  it('keeps accounts and open sessions; the superuser role becomes the superuser flag', async () => {
    const testDb = await createTestDb(dialect);
    const handle = testDb.open();
    try {
      await handle.migrate('20261204T0900-server-tls-names');
      const raw = handle.db as unknown as Kysely<any>;
      const u = await raw
        .insertInto('users')
        .values({ username: 'admin', password_hash: 'h', role: 'superuser', created_at: 1, updated_at: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await raw
        .insertInto('users')
        .values({ username: 'view', password_hash: 'h', role: 'viewer', created_at: 1, updated_at: 1 })
        .execute();
      await raw
        .insertInto('sessions')
        .values({ token_hash: 't'.repeat(64), csrf_token_hash: 'c'.repeat(64), user_id: u.id, created_at: 1, expires_at: 2 })
        .execute();
      await handle.migrate();
      const users = await raw
        .selectFrom('users')
        .select(['username', 'superuser', 'disabled', 'domain', 'general_rights'])
        .orderBy('id')
        .execute();
      expect(users.map((x) => [x.username, Number(x.superuser), Number(x.disabled), x.domain, x.general_rights])).toEqual([
        ['admin', 1, 0, null, '[]'],
        ['view', 0, 0, null, '[]'],
      ]);
      expect(await raw.selectFrom('sessions').select('user_id').execute()).toHaveLength(1);
      // Foreign keys still hold (SQLite rebuilt the table): deleting the account removes its session.
      await raw.deleteFrom('users').where('id', '=', u.id).execute();
      expect(await raw.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
      if (dialect === 'sqlite') expect((await sql`pragma foreign_keys`.execute(raw)).rows).toEqual([{ foreign_keys: 1 }]);
    } finally {
      await handle.close();
      await testDb.drop();
    }
  });
});
