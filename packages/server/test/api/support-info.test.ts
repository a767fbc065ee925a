import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../log-secrets/registry.js';
import { ADMIN_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const MAIL_PASSWORD = 'support-archive-mail-secret-4b1d';
registerSecret('smtp-password', MAIL_PASSWORD);

/** "Save support information": the archive holds what support needs and not one secret. */
describe.each(DIALECTS)('support information archive (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t?.close());

  it('is a .tar.gz with versions, servers, configuration, settings, recent log and audit entries — and no secret', async () => {
    const mail = await t.api('PUT', '/api/v1/settings/mail', {
      host: 'smtp.example.test',
      security: 'starttls',
      user: 'ums',
      password: MAIL_PASSWORD,
      sender: 'ums@example.test',
      verify: false,
    });
    expect(mail.status, JSON.stringify(mail.body)).toBe(200);
    const keys = await t.api('POST', '/api/v1/enrollment-keys', { type: 'mass' });
    const enrollmentSecret: string = keys.body.keys[0].secret;

    const r = await t.app.inject({ method: 'GET', url: '/api/v1/support-info', headers: { authorization: `Bearer ${t.token}` } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/gzip');
    expect(String(r.headers['content-disposition'])).toMatch(/^attachment; filename="openums-support-[\d-]+\.tar\.gz"$/);
    const dir = mkdtempSync(join(t.testDb.dataDir, 'support-'));
    writeFileSync(join(dir, 'a.tar.gz'), r.rawPayload);
    const untar = spawnSync('tar', ['-xzf', 'a.tar.gz'], { cwd: dir, encoding: 'utf8' });
    expect(untar.status, untar.stderr).toBe(0);
    const files = readdirSync(dir)
      .filter((f) => f !== 'a.tar.gz')
      .sort();
    expect(files).toEqual([
      'README.txt',
      'audit-recent.jsonl',
      'config.json',
      'recent-log.jsonl',
      'servers.json',
      'settings.json',
      'versions.json',
    ]);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    expect(JSON.parse(read('versions.json'))).toMatchObject({ database: dialect, node: process.version });
    const settings = JSON.parse(read('settings.json'));
    expect(settings.mail).toMatchObject({ host: 'smtp.example.test', password: '********' });
    expect(settings.installation_id).toEqual(expect.any(String));
    expect(read('audit-recent.jsonl')).toContain('enrollment-key');

    const all = files.map(read).join('\n');
    const secretKey = readFileSync(join(t.testDb.dataDir, 'secret.key'), 'utf8').trim();
    for (const secret of [ADMIN_PASSWORD, MAIL_PASSWORD, enrollmentSecret, t.token, secretKey]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/PRIVATE KEY/);
    if (t.testDb.databaseUrl) {
      // Host, port and database stay; user and password do not.
      const url = new URL(t.testDb.databaseUrl);
      const shown = JSON.parse(read('config.json')).databaseUrl as string;
      expect(shown).toContain(`${url.host}${url.pathname}`);
      if (url.username) expect(shown).not.toContain(`${url.username}@`);
      if (url.password) expect(all).not.toContain(url.password);
    }
  });
});
