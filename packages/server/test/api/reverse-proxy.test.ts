import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EST_BASE_PATH, EST_STANDARD_BASE_PATH, REENROLL_PROOF_HEADER, reenrollProofMessage } from '@openums/protocol';
import { loadConfig } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { reenroll } from '../../../agent/src/enroll/renew.js';
import { createTestDb, DIALECTS, type TestDb, testServerConfig } from '../helpers/db.js';
import { enroll, httpsCall, makeCsr, pkcs7ToPem, TestDevice, type Target } from '../helpers/device.js';
import { startShippedNginx, type RunningNginx } from '../helpers/nginx.js';
import { captureEnv } from '../log-secrets/registry.js';

/**
 * nginx in front of the server doing SSL offloading with docs/proxy/nginx-ssl-offloading.conf,
 * started as shipped (placeholders replaced): it terminates TLS with the server's web
 * certificate, checks device certificates optionally, forwards them URL-encoded in X-SSL-CERT on
 * the device channel and renewal paths only, and re-encrypts to the server with TLS 1.3.
 */
describe.each(DIALECTS)('behind nginx with SSL offloading and certificate forwarding (%s)', (dialect) => {
  let testDb: TestDb;
  let server: RunningServer;
  let nginx: RunningNginx;
  let direct: Target;
  let proxied: Target;
  let token: string;
  let macs = 0;

  const certSerial = async (deviceId: number): Promise<string | null> =>
    (
      (await server.database.db.selectFrom('devices').select('cert_serial').where('id', '=', deviceId).executeTakeFirstOrThrow()) as {
        cert_serial: string | null;
      }
    ).cert_serial;

  /** An enrolled device online through the proxy. */
  const onlineDevice = async () => {
    const keyRes = await httpsCall(proxied, 'POST', '/api/v1/enrollment-keys', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'mass' }),
    });
    const mac = `02DDEE0000${String(++macs).padStart(2, '0')}`;
    const e = await enroll(proxied, JSON.parse(keyRes.body).keys[0].secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    const dev = (await TestDevice.connect(proxied, e)) as TestDevice;
    dev.hello(mac);
    const { deviceId } = await dev.next((m) => m.t === 'welcome');
    return { mac, e: { certPem: e.certPem!, keyPem: e.keyPem }, dev, deviceId: deviceId as number };
  };

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    const base = testServerConfig(testDb);
    server = await startServer(
      { ...base, clientCertForwarding: { enabled: true, header: 'X-SSL-CERT', trustedProxies: ['127.0.0.1'] } },
      { adminPassword: 'proxy-test' },
    );
    const port = (server.built.app.server.address() as { port: number }).port;
    const tlsDir = join(testDb.dataDir, 'tls');
    direct = { port, ca: readFileSync(join(tlsDir, 'web-ca.crt'), 'utf8') };

    const certDir = join(testDb.dataDir, 'nginx-certs');
    mkdirSync(certDir, { recursive: true });
    for (const f of ['web.crt', 'web.key', 'web-ca.crt']) writeFileSync(join(certDir, f), readFileSync(join(tlsDir, f)));
    writeFileSync(join(certDir, 'device-ca.pem'), pkcs7ToPem((await httpsCall(direct, 'GET', `${EST_BASE_PATH}/cacerts`)).body));
    nginx = await startShippedNginx({ dir: join(testDb.dataDir, 'nginx'), certDir, upstreamPort: port, ca: direct.ca });
    proxied = { port: nginx.port, ca: direct.ca };
    const login = await httpsCall(proxied, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'proxy-test' }),
    });
    token = JSON.parse(login.body).token;
  });
  afterAll(async () => {
    nginx?.stop();
    await server?.stop();
    await testDb?.drop();
  });

  it('enrolls through the proxy and brings the device online with its forwarded certificate', async () => {
    const { deviceId, dev } = await onlineDevice();
    let device: any = null;
    for (let i = 0; i < 100 && !device?.online; i++) {
      await new Promise((r) => setTimeout(r, 100));
      device = JSON.parse(
        (await httpsCall(proxied, 'GET', `/api/v1/devices/${deviceId}`, { headers: { authorization: `Bearer ${token}` } })).body,
      );
    }
    // The address is the device's as nginx saw it (X-Real-IP from the trusted proxy).
    expect(device).toMatchObject({ online: true, lastIp: '127.0.0.1' });
    dev.close();
  });

  it('refuses a device without a certificate at the proxy, and a forwarded header that does not parse', async () => {
    expect(await TestDevice.connect(proxied, null)).toEqual({ status: 401 });
    // Straight to the server from a trusted address, with a header that is not a certificate.
    expect(await TestDevice.connect(direct, null, { 'X-SSL-CERT': 'not%20a%20certificate' })).toEqual({ status: 401 });
  });

  it('does not let a client holding only the device certificate renew it: the device stays connected and can reconnect', async () => {
    const { mac, e, dev, deviceId } = await onlineDevice();
    const before = await certSerial(deviceId);
    const attacker = await makeCsr(mac);
    // The attacker cannot sign with the device key; a signature by its own key stands in.
    const forged = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const proof = sign('sha256', reenrollProofMessage('00', Buffer.from(attacker.csrBase64, 'base64')), {
      key: forged,
      dsaEncoding: 'der',
    }).toString('base64url');
    const stolen = encodeURIComponent(e.certPem);
    const attempts: Array<{ path: string; headers: Record<string, string> }> = [];
    for (const base of [EST_BASE_PATH, EST_STANDARD_BASE_PATH]) {
      attempts.push({ path: `${base}/simplereenroll`, headers: { 'X-SSL-CERT': stolen } });
      attempts.push({ path: `${base}/simplereenroll`, headers: { 'X-SSL-CERT': stolen, [REENROLL_PROOF_HEADER]: proof } });
      // A path nginx does not list (trailing slash) but the server routes to the same handler.
      attempts.push({ path: `${base}/simplereenroll/`, headers: { 'X-SSL-CERT': stolen } });
    }
    for (const a of attempts) {
      const res = await httpsCall(proxied, 'POST', a.path, {
        body: attacker.csrBase64,
        headers: { 'content-type': 'application/pkcs10', ...a.headers },
      });
      expect(res.status, `${a.path}: ${res.body}`).toBe(401);
      // nginx replaced the client's header with the certificate of its own handshake: none.
      expect(JSON.parse(res.body).error.code, a.path).toBe('CLIENT_CERTIFICATE_REQUIRED');
    }
    expect(await certSerial(deviceId)).toBe(before);
    // The device's channel is untouched and it can still reconnect with its certificate.
    // An ack for a command never sent is answered on the channel: proof it is still open.
    dev.send({ t: 'ack', id: 987_654 });
    expect((await dev.next((m) => m.t === 'error')).code).toBe('UNKNOWN_COMMAND');
    expect(dev.closed).toBeNull();
    dev.close();
    const again = (await TestDevice.connect(proxied, e)) as TestDevice;
    again.hello(mac);
    expect((await again.next((m) => m.t === 'welcome')).deviceId).toBe(deviceId);
    again.close();
  });

  it('refuses a renewal through the proxy without the proof (certificate forwarded, key not proven) and changes nothing', async () => {
    const { mac, e, dev, deviceId } = await onlineDevice();
    const before = await certSerial(deviceId);
    const csr = await makeCsr(mac);
    // The real device's own TLS connection to nginx, but a plain RFC 7030 request without the proof.
    const res = await httpsCall(proxied, 'POST', `${EST_STANDARD_BASE_PATH}/simplereenroll`, {
      body: csr.csrBase64,
      headers: { 'content-type': 'application/pkcs10' },
      cert: e.certPem,
      key: e.keyPem,
    });
    expect(res.status, res.body).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('REENROLL_PROOF_INVALID');
    expect(await certSerial(deviceId)).toBe(before);
    dev.close();
  });

  it("renews through the proxy with the agent's code (proof of the current key); the new certificate connects, the old one is refused", async () => {
    const { mac, e, dev, deviceId } = await onlineDevice();
    dev.close();
    const before = await certSerial(deviceId);
    const fresh = await reenroll({
      server: `https://127.0.0.1:${proxied.port}`,
      caPem: proxied.ca,
      certPem: e.certPem,
      keyPem: e.keyPem,
      info: { unitId: mac, mac },
    });
    expect(await certSerial(deviceId)).not.toBe(before);
    const renewed = (await TestDevice.connect(proxied, fresh)) as TestDevice;
    renewed.hello(mac);
    expect((await renewed.next((m) => m.t === 'welcome')).deviceId).toBe(deviceId);
    renewed.close();
    const old = (await TestDevice.connect(proxied, e)) as TestDevice;
    expect((await old.waitClosed()).code).toBe(4001);
  });
});

describe('forwarded certificates are ignored unless enabled', () => {
  it('does not accept X-SSL-CERT when forwarding is off', async () => {
    const testDb = await createTestDb('sqlite');
    const config = loadConfig({
      env: captureEnv(),
      flags: { dataDir: testDb.dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', bindRetrySeconds: 0 },
    });
    const server = await startServer(config, { adminPassword: 'x-forwarding-off' });
    try {
      const t = {
        port: (server.built.app.server.address() as { port: number }).port,
        ca: readFileSync(join(testDb.dataDir, 'tls/web-ca.crt'), 'utf8'),
      };
      const login = await httpsCall(t, 'POST', '/api/v1/auth/login', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'x-forwarding-off' }),
      });
      const token = JSON.parse(login.body).token;
      const keyRes = await httpsCall(t, 'POST', '/api/v1/enrollment-keys', {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'mass' }),
      });
      const e = await enroll(t, JSON.parse(keyRes.body).keys[0].secret, { unitId: '02DDEE0000F2', mac: '02DDEE0000F2' });
      // A valid device certificate, but only in a header: refused because forwarding is off.
      expect(await TestDevice.connect(t, null, { 'X-SSL-CERT': encodeURIComponent(e.certPem!) })).toEqual({ status: 401 });
      // The same certificate presented in TLS works.
      const dev = await TestDevice.connect(t, e);
      expect(dev).toBeInstanceOf(TestDevice);
      (dev as TestDevice).close();
    } finally {
      await server.stop();
      await testDb.drop();
    }
  });
});
