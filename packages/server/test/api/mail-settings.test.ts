import 'reflect-metadata';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { ErrorCode, MAIL_PASSWORD_MASK } from '@openums/protocol';
import { createCa, issueServerCert, type KeyAndCert } from '../../src/tls/pki.js';
import { Mailer, type SmtpSettings } from '../../src/modules/mail/mailer.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { registerSecret } from '../log-secrets/registry.js';

/**
 * Mail settings against real SMTP servers started here (the `smtp-server` package): plain,
 * STARTTLS and implicit TLS with a test CA, AUTH PLAIN and LOGIN, wrong password, wrong CA, wrong
 * host name, unreachable and silent servers; every message is checked as received. Bad input
 * changes nothing, and the password never appears in an answer. Issue 12 item 3.
 */

const USER = 'ums-mailer';
const PASSWORD = 'smtp secret 7f3a9c1e';
const WRONG_PASSWORD = 'not the smtp secret 11';
registerSecret('smtp-password', PASSWORD);
registerSecret('smtp-password', WRONG_PASSWORD);

interface Received {
  server: string;
  from: string;
  to: string[];
  user: string | null;
  secure: boolean;
  headers: Record<string, string>;
  body: string;
}

const received: Received[] = [];

/** Headers (unfolded, names lower-case) and body of a raw message: enough to check what arrived. */
function parseMessage(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.slice(split + 4) };
}

async function startSmtp(name: string, options: SMTPServerOptions): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    logger: false,
    ...options,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const env = session.envelope;
        received.push({
          server: name,
          from: env.mailFrom ? env.mailFrom.address : '',
          to: env.rcptTo.map((r) => r.address),
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
          ...parseMessage(Buffer.concat(chunks).toString('utf8')),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Refused handshakes (the wrong-CA cases) are errors of the client's making: expected here.
  server.on('error', () => undefined);
  return { server, port: (server.server.address() as AddressInfo).port };
}

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

let ca: KeyAndCert;
let otherCa: KeyAndCert;
let plain: { server: SMTPServer; port: number };
let starttls: { server: SMTPServer; port: number };
let implicitTls: { server: SMTPServer; port: number };
/** Accepts connections and never says a word. */
let silent: Server;
let silentPort = 0;

beforeAll(async () => {
  ca = await createCa('OpenUMS mail test CA');
  otherCa = await createCa('Another CA');
  // Issued for `localhost` only: connecting to 127.0.0.1 fails the host-name check.
  const cert = await issueServerCert({ ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: [], days: 30 });
  const tls = { key: cert.keyPem, cert: cert.certPem };
  plain = await startSmtp('plain', { disabledCommands: ['STARTTLS'], allowInsecureAuth: true, authOptional: true });
  starttls = await startSmtp('starttls', { ...tls, authMethods: ['PLAIN'] });
  implicitTls = await startSmtp('tls', { ...tls, secure: true, authMethods: ['LOGIN'] });
  silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await Promise.all([plain, starttls, implicitTls].map((s) => s && new Promise<void>((r) => s.server.close(() => r()))));
  silent?.close();
});

const lastTo = (address: string) => [...received].reverse().find((m) => m.to.includes(address));

describe.each(DIALECTS)('mail settings (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const put = (body: Record<string, unknown>) => t.api('PUT', '/api/v1/settings/mail', body);
  const sendTest = (to?: string) => t.api('POST', '/api/v1/settings/mail/test', to ? { to } : {});
  const plainBody = () => ({
    host: '127.0.0.1',
    port: plain.port,
    security: 'none',
    user: USER,
    password: PASSWORD,
    sender: 'ums@example.test',
    recipients: ['admins@example.test', 'ops@example.test'],
  });
  const startTlsBody = () => ({ ...plainBody(), host: 'localhost', port: starttls.port, security: 'starttls', caCertificate: ca.certPem });
  const tlsBody = () => ({ ...plainBody(), host: 'localhost', port: implicitTls.port, security: 'tls', caCertificate: ca.certPem });
  const expectUnchanged = async (before: unknown) => expect((await t.api('GET', '/api/v1/settings/mail')).body).toEqual(before);

  it('starts unconfigured; a test message then is MAIL_NOT_CONFIGURED', async () => {
    const res = await t.api('GET', '/api/v1/settings/mail');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ host: null, password: null, recipients: [], verifyHostName: true });
    const test = await sendTest('someone@example.test');
    expect(test.status).toBe(409);
    expect(test.body.error.code).toBe(ErrorCode.MailNotConfigured);
  });

  it('saves plain SMTP with AUTH; the password is sealed, masked and not audited', async () => {
    const res = await put(plainBody());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      host: '127.0.0.1',
      port: plain.port,
      security: 'none',
      user: USER,
      password: MAIL_PASSWORD_MASK,
      sender: 'ums@example.test',
      recipients: ['admins@example.test', 'ops@example.test'],
      caCertificate: null,
      verifyHostName: true,
    });
    const get = await t.api('GET', '/api/v1/settings/mail');
    expect(get.body).toEqual(res.body);
    expect(JSON.stringify(get.body)).not.toContain(PASSWORD);
    const row = await t.database.db.selectFrom('settings').select('value').where('key', '=', 'mail').executeTakeFirstOrThrow();
    expect(row.value).not.toContain(PASSWORD);
    expect(JSON.parse(row.value).passwordSealed).toMatch(/^v1:/);
    const audit = await t.api('GET', '/api/v1/audit-log?limit=10');
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).not.toContain(PASSWORD);
    const entry = audit.body.items.find((e: { action: string; objectName?: string }) => e.action === 'settings.update');
    expect(entry).toMatchObject({ objectType: 'settings', objectName: 'mail', before: { host: null }, after: { host: '127.0.0.1' } });
    // A new password shows as changed (or masked by the audit log's masker), never as itself.
    expect(['changed', '***', '********']).toContain(entry.after.password);
  });

  it('sends the test message to the configured recipients, or to the address given', async () => {
    const res = await sendTest();
    expect(res.status).toBe(200);
    expect(res.body.accepted.sort()).toEqual(['admins@example.test', 'ops@example.test']);
    const m = lastTo('admins@example.test')!;
    expect(m).toMatchObject({ server: 'plain', from: 'ums@example.test', user: USER, secure: false });
    expect(m.to.sort()).toEqual(['admins@example.test', 'ops@example.test']);
    expect(m.headers.subject).toBe('OpenUMS test message');
    expect(m.headers.from).toContain('ums@example.test');
    expect(m.headers['message-id']).toBe(res.body.messageId);
    expect(m.body).toContain('This is a test message from OpenUMS');

    const one = await sendTest(`${dialect}-single@example.test`);
    expect(one.status).toBe(200);
    expect(lastTo(`${dialect}-single@example.test`)!.to).toEqual([`${dialect}-single@example.test`]);
  });

  it('STARTTLS with the CA (AUTH PLAIN) and implicit TLS (AUTH LOGIN)', async () => {
    for (const [body, server, to] of [
      [startTlsBody(), 'starttls', `${dialect}-starttls@example.test`],
      [tlsBody(), 'tls', `${dialect}-tls@example.test`],
    ] as const) {
      const res = await put(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.caCertificate).toBe(ca.certPem);
      const test = await sendTest(to);
      expect(test.status, JSON.stringify(test.body)).toBe(200);
      expect(lastTo(to)).toMatchObject({ server, secure: true, user: USER });
    }
  });

  it('the mask keeps the stored password; null removes it', async () => {
    const current = (await t.api('GET', '/api/v1/settings/mail')).body;
    expect(current.password).toBe(MAIL_PASSWORD_MASK);
    // Round trip: what GET answered goes back unchanged (the server is tried with the kept password).
    const again = await put({ ...current });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect((await sendTest(`${dialect}-kept@example.test`)).status).toBe(200);
    expect(lastTo(`${dialect}-kept@example.test`)!.user).toBe(USER);

    // Stored without a password (not verified), the server refuses the login.
    const removed = await put({ ...tlsBody(), password: null, verify: false });
    expect(removed.status).toBe(200);
    expect(removed.body.password).toBeNull();
    const refused = await sendTest();
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe(ErrorCode.MailAuthFailed);
    // The mask where no password is stored is refused.
    const mask = await put({ ...tlsBody(), password: MAIL_PASSWORD_MASK });
    expect(mask.status).toBe(400);
    expect(mask.body.error.details.field).toBe('body.password');
    expect((await put(tlsBody())).status).toBe(200);
  });

  it('refuses a wrong password, CA or host name with a stable code and changes nothing', async () => {
    const before = (await t.api('GET', '/api/v1/settings/mail')).body;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...startTlsBody(), password: WRONG_PASSWORD }, ErrorCode.MailAuthFailed],
      [{ ...tlsBody(), password: WRONG_PASSWORD }, ErrorCode.MailAuthFailed],
      [{ ...startTlsBody(), caCertificate: otherCa.certPem }, ErrorCode.MailCertificateInvalid],
      [{ ...tlsBody(), caCertificate: null }, ErrorCode.MailCertificateInvalid],
      [{ ...tlsBody(), host: '127.0.0.1' }, ErrorCode.MailCertificateInvalid],
      [{ ...startTlsBody(), host: '127.0.0.1' }, ErrorCode.MailCertificateInvalid],
      // STARTTLS required, but the plain server does not offer it.
      [{ ...plainBody(), security: 'starttls' }, ErrorCode.MailConnectionFailed],
      // TLS spoken to a plain server.
      [{ ...plainBody(), security: 'tls' }, ErrorCode.MailConnectionFailed],
    ];
    for (const [body, code] of cases) {
      const res = await put(body);
      expect(res.status, `${JSON.stringify({ ...body, caCertificate: '…' })}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).not.toContain(WRONG_PASSWORD);
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    }
    await expectUnchanged(before);
    // Without the host-name check, the certificate for `localhost` is accepted at 127.0.0.1.
    const unchecked = await put({ ...tlsBody(), host: '127.0.0.1', verifyHostName: false });
    expect(unchecked.status, JSON.stringify(unchecked.body)).toBe(200);
    expect(unchecked.body.verifyHostName).toBe(false);
    expect((await sendTest(`${dialect}-nohostcheck@example.test`)).status).toBe(200);
    expect((await put(tlsBody())).status).toBe(200);
  });

  it('reports an unreachable server within a few seconds and changes nothing', async () => {
    const before = (await t.api('GET', '/api/v1/settings/mail')).body;
    for (const body of [
      { ...plainBody(), port: await closedPort() },
      { ...plainBody(), host: 'no-such-host.invalid' },
      { ...plainBody(), port: silentPort },
    ]) {
      const started = Date.now();
      const res = await put(body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.code).toBe(ErrorCode.MailConnectionFailed);
      expect(Date.now() - started).toBeLessThan(8_000);
    }
    await expectUnchanged(before);
  }, 30_000);

  it('refuses bad input and changes nothing', async () => {
    const before = (await t.api('GET', '/api/v1/settings/mail')).body;
    const bad: Array<Record<string, unknown>> = [
      { ...plainBody(), port: 0 },
      { ...plainBody(), port: 65_536 },
      { ...plainBody(), port: '25' },
      { ...plainBody(), security: 'ssl' },
      { ...plainBody(), host: 'bad host' },
      { ...plainBody(), host: '' },
      { ...plainBody(), sender: 'not an address' },
      { ...plainBody(), sender: null },
      { ...plainBody(), sender: 'a@b.test, c@d.test' },
      { ...plainBody(), recipients: ['ok@example.test', 'bad'] },
      { ...plainBody(), recipients: ['ok@example.test', 'ok@example.test'] },
      { ...plainBody(), recipients: ['x@y.test\r\nBcc: evil@example.test'] },
      { ...plainBody(), user: null, password: 'a password without a user' },
      { ...plainBody(), caCertificate: 'not a certificate' },
      { ...plainBody(), caCertificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' },
      { ...plainBody(), extra: true },
      { ...plainBody(), host: undefined },
    ];
    for (const body of bad) {
      const res = await put(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe(ErrorCode.ValidationFailed);
    }
    for (const to of ['bad', 'a@b.test\r\nBcc: x@y.test', 'x'.repeat(300)]) {
      const res = await sendTest(to);
      expect(res.status).toBe(400);
    }
    await expectUnchanged(before);
  });

  it('saves without a check when asked, and reports the failure when sending; host null turns mail off', async () => {
    const off = await put({ ...plainBody(), port: await closedPort(), verify: false });
    expect(off.status).toBe(200);
    const res = await sendTest();
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe(ErrorCode.MailConnectionFailed);
    expect(res.body.error.details).toMatchObject({ host: '127.0.0.1' });

    const none = await put({ host: null, security: 'none', sender: null });
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ host: null, user: null, password: null });
    expect((await sendTest('x@example.test')).body.error.code).toBe(ErrorCode.MailNotConfigured);
  });

  it('needs the general right mail: others are refused and see nothing', async () => {
    const tokenFor = async (username: string, generalRights: string[]) => {
      const admin = await t.api('POST', '/api/v1/admins', {
        username,
        password: 'a long enough password 1',
        superuser: false,
        generalRights,
      });
      expect(admin.status, JSON.stringify(admin.body)).toBe(201);
      return (await t.api('POST', `/api/v1/admins/${admin.body.id}/tokens`, { name: 'mail' })).body.token as string;
    };
    const as = (token: string, method: string, url: string, body?: object) =>
      t.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) });
    const mailer = await tokenFor(`mailer-${dialect}`, ['mail']);
    const other = await tokenFor(`other-${dialect}`, ['ldap', 'servers']);
    expect((await as(mailer, 'GET', '/api/v1/settings/mail')).statusCode).toBe(200);
    for (const [method, url, body] of [
      ['GET', '/api/v1/settings/mail', undefined],
      ['PUT', '/api/v1/settings/mail', plainBody()],
      ['POST', '/api/v1/settings/mail/test', {}],
    ] as const) {
      const res = await as(other, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.body).not.toContain('example.test');
    }
  });

  it('a test message without recipients needs an address', async () => {
    expect((await put({ ...plainBody(), recipients: [] })).status).toBe(200);
    const res = await sendTest();
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('body.to');
  });
});

describe('Mailer', () => {
  const settings = (over: Partial<SmtpSettings> = {}): SmtpSettings => ({
    host: '127.0.0.1',
    port: plain.port,
    security: 'none',
    user: USER,
    password: PASSWORD,
    sender: 'ums@example.test',
    recipients: ['admins@example.test'],
    caCertificate: null,
    verifyHostName: true,
    ...over,
  });

  it('sends attachments, and to the configured recipients', async () => {
    const mailer = new Mailer(async () => settings(), null);
    const sent = await mailer.send('export@example.test', 'Devices', 'The view, attached.', [
      { filename: 'devices.csv', content: 'name;mac\nthin-1;00E0C5000001\n', contentType: 'text/csv' },
    ]);
    expect(sent.accepted).toEqual(['export@example.test']);
    const m = lastTo('export@example.test')!;
    expect(m.headers.subject).toBe('Devices');
    expect(m.headers['content-type']).toMatch(/^multipart\/mixed/);
    expect(m.body).toContain('filename=devices.csv');
    expect(m.body).toContain(Buffer.from('name;mac\nthin-1;00E0C5000001\n').toString('base64').slice(0, 20));

    await mailer.sendToRecipients('Notice', 'Something happened.');
    expect(lastTo('admins@example.test')!.headers.subject).toBe('Notice');
  });

  it('is MAIL_NOT_CONFIGURED without settings, and honours its timeout on a silent server', async () => {
    await expect(new Mailer(async () => null, null).send('a@example.test', 's', 't')).rejects.toMatchObject({
      code: ErrorCode.MailNotConfigured,
    });
    const started = Date.now();
    const quick = new Mailer(async () => settings({ port: silentPort }), null, { connectTimeoutMs: 500 });
    await expect(quick.send('a@example.test', 's', 't')).rejects.toMatchObject({ code: ErrorCode.MailConnectionFailed });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
