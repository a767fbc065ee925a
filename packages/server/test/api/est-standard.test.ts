import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDb, DIALECTS, type TestDb, testServerConfig } from '../helpers/db.js';
import { httpsCall, TestDevice, type Target } from '../helpers/device.js';

/**
 * EST as RFC 7030 clients speak it, with nothing but openssl and curl — the commands of
 * docs/devices.md ("Enrolling with openssl and curl"), run by a real shell. No OpenUMS headers.
 */
// Asynchronous: the server under test runs in this process and must keep answering curl.
const sh = (cwd: string, script: string, env: Record<string, string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn('sh', ['-euc', script], { cwd, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`shell failed (${code}): ${err}\n${out}\n${script}`))));
  });

describe.each(DIALECTS)('EST at /.well-known/est with openssl and curl (%s)', (dialect) => {
  let testDb: TestDb;
  let server: RunningServer;
  let t: Target;
  let token: string;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    const base = testServerConfig(testDb);
    server = await startServer(
      { ...base, clientCertForwarding: { enabled: true, header: 'X-SSL-CERT', trustedProxies: ['127.0.0.1'] } },
      { adminPassword: 'est-standard' },
    );
    t = {
      port: (server.built.app.server.address() as { port: number }).port,
      ca: readFileSync(join(testDb.dataDir, 'tls/web-ca.crt'), 'utf8'),
    };
    const login = await httpsCall(t, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'est-standard' }),
    });
    token = JSON.parse(login.body).token;
    const keyRes = await httpsCall(t, 'POST', '/api/v1/enrollment-keys', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'mass' }),
    });
    dir = join(testDb.dataDir, 'est-client');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ca.crt'), t.ca);
    env = { UMS: `https://127.0.0.1:${t.port}`, KEY: JSON.parse(keyRes.body).keys[0].secret };
  });
  afterAll(async () => {
    await server?.stop();
    await testDb?.drop();
  });

  it('serves cacerts, enrolls (CN = MAC, no x-openums-device header) and renews with curl; the certificates work on the device channel', async () => {
    const caPem = await sh(
      dir,
      'curl -sS --fail-with-body --cacert ca.crt "$UMS/.well-known/est/cacerts" | base64 -d | openssl pkcs7 -inform DER -print_certs',
      env,
    );
    expect(caPem).toContain('OpenUMS Device CA');

    await sh(
      dir,
      `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout device.key \\
         -subj "/CN=02:AB:CD:00:00:01" -outform DER | base64 > csr.b64
       curl -sS --fail-with-body --cacert ca.crt -H "Authorization: Bearer $KEY" -H 'Content-Type: application/pkcs10' \\
         --data-binary @csr.b64 "$UMS/.well-known/est/simpleenroll" | base64 -d > device.p7
       openssl pkcs7 -inform DER -in device.p7 -print_certs -out device.crt`,
      env,
    );
    const creds = { certPem: readFileSync(join(dir, 'device.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'device.key'), 'utf8') };
    const subject = await sh(dir, 'openssl x509 -in device.crt -noout -subject', {});
    const deviceId = Number(/CN ?= ?device-(\d+)/.exec(subject)?.[1]);
    expect(deviceId).toBeGreaterThan(0);
    const device = JSON.parse(
      (await httpsCall(t, 'GET', `/api/v1/devices/${deviceId}`, { headers: { authorization: `Bearer ${token}` } })).body,
    );
    expect(device).toMatchObject({ id: deviceId, unitId: '02ABCD000001', mac: '02ABCD000001' });

    const dev = (await TestDevice.connect(t, creds)) as TestDevice;
    dev.hello('02ABCD000001');
    expect((await dev.next((m) => m.t === 'welcome')).deviceId).toBe(deviceId);
    dev.close();

    // Renewal: mutual TLS with the current certificate proves the key; no proof header needed.
    await sh(
      dir,
      `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout new.key \\
         -subj "/CN=02ABCD000001" -outform DER | base64 > renew.b64
       curl -sS --fail-with-body --cacert ca.crt --cert device.crt --key device.key -H 'Content-Type: application/pkcs10' \\
         --data-binary @renew.b64 "$UMS/.well-known/est/simplereenroll" | base64 -d > new.p7
       openssl pkcs7 -inform DER -in new.p7 -print_certs -out new.crt`,
      env,
    );
    const renewed = (await TestDevice.connect(t, {
      certPem: readFileSync(join(dir, 'new.crt'), 'utf8'),
      keyPem: readFileSync(join(dir, 'new.key'), 'utf8'),
    })) as TestDevice;
    renewed.hello('02ABCD000001');
    expect((await renewed.next((m) => m.t === 'welcome')).deviceId).toBe(deviceId);
    renewed.close();
    const old = (await TestDevice.connect(t, creds)) as TestDevice;
    expect((await old.waitClosed()).code).toBe(4001);

    // Through a TLS-terminating proxy the server sees only the certificate: the documented
    // proof made with openssl. X-SSL-CERT is set here the way nginx would set it.
    await sh(
      dir,
      `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout third.key \\
         -subj "/CN=02ABCD000001" -outform DER | base64 > third.b64
       serial=$(openssl x509 -in new.crt -noout -serial | cut -d= -f2)
       proof=$({ printf 'openums-reenroll-v1\\n%s\\n' "$serial"; base64 -d third.b64; } \\
         | openssl dgst -sha256 -sign new.key | basenc --base64url -w0 | tr -d '=')
       curl -sS --fail-with-body --cacert ca.crt -H "X-SSL-CERT: $FORWARDED" \\
         -H "x-openums-proof: $proof" -H 'Content-Type: application/pkcs10' \\
         --data-binary @third.b64 "$UMS/.well-known/est/simplereenroll" | base64 -d > third.p7
       openssl pkcs7 -inform DER -in third.p7 -print_certs -out third.crt`,
      { ...env, FORWARDED: encodeURIComponent(readFileSync(join(dir, 'new.crt'), 'utf8')) },
    );
    const third = (await TestDevice.connect(t, {
      certPem: readFileSync(join(dir, 'third.crt'), 'utf8'),
      keyPem: readFileSync(join(dir, 'third.key'), 'utf8'),
    })) as TestDevice;
    third.hello('02ABCD000001');
    expect((await third.next((m) => m.t === 'welcome')).deviceId).toBe(deviceId);
    third.close();
  });

  it('refuses a CSR whose CN is not a MAC address when the x-openums-device header is absent', async () => {
    const out = await sh(
      dir,
      `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout x.key -subj "/CN=not-a-mac" -outform DER | base64 > x.b64
       curl -sS --cacert ca.crt -H "Authorization: Bearer $KEY" -H 'Content-Type: application/pkcs10' -w ' %{http_code}' \\
         --data-binary @x.b64 "$UMS/.well-known/est/simpleenroll"`,
      env,
    );
    expect(out).toMatch(/ 400$/);
    expect(JSON.parse(out.replace(/ 400$/, '')).error).toMatchObject({ code: 'CSR_INVALID' });
    expect(out).toContain('MAC address');
  });

  it('answers unknown /.well-known paths with a JSON 404, not the web app', async () => {
    const res = await httpsCall(t, 'GET', '/.well-known/est/nothing');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error.code).toBe('ROUTE_NOT_FOUND');
    const ca = await httpsCall(t, 'GET', '/.well-known/est/cacerts');
    expect(ca.status).toBe(200);
    expect(String(ca.headers['content-type'])).toContain('application/pkcs7-mime');
  });
});
