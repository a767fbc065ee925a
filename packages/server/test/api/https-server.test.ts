import { connect, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { loadConfig } from '../../src/config/load.js';
import { startServer, StartupError, type RunningServer } from '../../src/server.js';
import { DataDirLockedError } from '../../src/lib/data-dir.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { captureEnv } from '../log-secrets/registry.js';

const BIN = new URL('../../bin/openums.js', import.meta.url).pathname;

function get(port: number, path: string, ca: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; protocol: string | null; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', servername: 'localhost', port, path, ca, headers, agent: false }, (res) => {
      const protocol = (res.socket as TLSSocket).getProtocol();
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, protocol, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(DIALECTS)('openums server over real HTTPS (%s)', (dialect) => {
  let testDb: TestDb;
  let dataDir: string;
  let server: RunningServer;
  let port: number;
  let ca: string;
  const config = () =>
    loadConfig({ env: captureEnv(), flags: { dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', databaseUrl: testDb.databaseUrl } });

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    dataDir = testDb.dataDir;
    server = await startServer(config(), { adminPassword: 'https-test-password' });
    port = (server.built.app.server.address() as { port: number }).port;
    ca = readFileSync(join(dataDir, 'tls/web-ca.crt'), 'utf8');
  });
  afterAll(async () => {
    await server?.stop();
    await testDb.drop();
  });

  it('serves TLS 1.3 with a certificate for localhost, 127.0.0.1 and ::1 signed by the web CA', async () => {
    const r = await get(port, '/ums/check-status', ca);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'ok' });
    expect(r.protocol).toBe('TLSv1.3');
    const cert = new X509Certificate(readFileSync(join(dataDir, 'tls/web.crt')));
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toMatch(/IP Address:0:0:0:0:0:0:0:1|IP Address:::1/);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);
    expect(statSync(join(dataDir, 'tls/web-ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'tls/web.key')).mode & 0o777).toBe(0o600);
  });

  it('refuses TLS 1.2 clients by default', async () => {
    const err = await new Promise<Error | null>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', maxVersion: 'TLSv1.2' }, () => {
        s.end();
        resolve(null);
      });
      s.on('error', resolve);
    });
    expect(err).not.toBeNull();
  });

  it('lets anyone download the CA certificate to trust or pin it', async () => {
    const r = await get(port, '/ca.crt', ca);
    expect(r.status).toBe(200);
    expect(r.body).toBe(ca);
    expect(String(r.headers['x-certificate-fingerprint'])).toMatch(/^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('refuses a second server on the same data directory and on the same port', async () => {
    await expect(startServer(config(), {})).rejects.toBeInstanceOf(DataDirLockedError);
    const other = mkdtempSync(join(tmpdir(), 'openums-https2-'));
    const clash = loadConfig({
      env: captureEnv(),
      flags: { dataDir: other, port, host: '127.0.0.1', logLevel: 'silent', databaseUrl: testDb.databaseUrl, bindRetrySeconds: 1 },
    });
    const err = await startServer(clash, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toMatch(new RegExp(`Port ${port} .*already in use`));
    // The failed start released its own data directory.
    expect(() => statSync(join(other, 'server.lock'))).toThrow();
    rmSync(other, { recursive: true, force: true });
  });

  it('keeps identity, certificates and data across a restart', async () => {
    const login = await fetchJson(port, ca, 'POST', '/api/v1/auth/login', { username: 'admin', password: 'https-test-password' });
    const token = login.token as string;
    const before = await fetchJson(port, ca, 'GET', '/api/v1/server', undefined, token);
    await fetchJson(port, ca, 'POST', '/api/v1/devices', { mac: '00:E0:C5:AA:BB:CC', name: 'survivor' }, token);
    const certBefore = readFileSync(join(dataDir, 'tls/web.crt'), 'utf8');

    await server.stop();
    server = await startServer(config(), { adminPassword: 'ignored-after-first-start' });
    port = (server.built.app.server.address() as { port: number }).port;

    expect(readFileSync(join(dataDir, 'tls/web-ca.crt'), 'utf8')).toBe(ca);
    expect(readFileSync(join(dataDir, 'tls/web.crt'), 'utf8')).toBe(certBefore);
    const relogin = await fetchJson(port, ca, 'POST', '/api/v1/auth/login', { username: 'admin', password: 'https-test-password' });
    const after = await fetchJson(port, ca, 'GET', '/api/v1/server', undefined, relogin.token as string);
    expect(after).toEqual(before);
    const list = await fetchJson(port, ca, 'GET', '/api/v1/devices?q=survivor', undefined, relogin.token as string);
    expect(list.items).toHaveLength(1);
  });
});

describe('restart while the old process still holds the port', () => {
  it('retries binding until the port is free', async () => {
    const port = await freePort();
    const holder = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    setTimeout(() => holder.close(), 1_000);
    const dataDir = mkdtempSync(join(tmpdir(), 'openums-bind-'));
    const started = Date.now();
    const server = await startServer(
      loadConfig({ env: captureEnv(), flags: { dataDir, port, host: '127.0.0.1', logLevel: 'silent', bindRetrySeconds: 10 } }),
      {},
    );
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect((server.built.app.server.address() as { port: number }).port).toBe(port);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('openums CLI', () => {
  it('stops with a message naming a bad setting', () => {
    const r = spawnSync(process.execPath, [BIN, 'server', '--port', 'abc', '--data-dir', mkdtempSync(join(tmpdir(), 'openums-cli-'))], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('setting "port"');
    const unknown = spawnSync(process.execPath, [BIN, 'server', '--bogus'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/bogus/);
  });

  it('generates, prints once and stores the first administrator password, then shuts down on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openums-cli-'));
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const env = { ...process.env };
    delete env.OPENUMS_ADMIN_PASSWORD;
    const child = spawn(process.execPath, [BIN, 'server', '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1'], { env });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    await waitFor(() => /Password: (\S+)/.test(out), 20_000);
    const password = /Password: (\S+)/.exec(out)![1]!;
    const file = join(dataDir, 'initial-admin-password');
    expect(readFileSync(file, 'utf8').trim()).toBe(password);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await waitFor(() => out.includes('OpenUMS ready'), 20_000);
    expect(out.split(password).length - 1).toBe(1); // printed once; the JSON log never has it
    const ca = readFileSync(join(dataDir, 'tls/web-ca.crt'), 'utf8');
    const login = await fetchJson(port, ca, 'POST', '/api/v1/auth/login', { username: 'admin', password });
    expect(login.token).toBeTruthy();

    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(() => statSync(join(dataDir, 'server.lock'))).toThrow();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

async function fetchJson(port: number, ca: string, method: string, path: string, body?: unknown, token?: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path,
        method,
        ca,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text ? JSON.parse(text) : null));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitFor(cond: () => boolean, ms: number) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
