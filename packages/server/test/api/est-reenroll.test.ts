import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EST_BASE_PATH, EST_STANDARD_BASE_PATH, REENROLL_PROOF_HEADER, reenrollProofMessage } from '@openums/protocol';
import { loadConfig } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { reenroll } from '../../../agent/src/enroll/renew.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { enroll, httpsCall, makeCsr, pkcs7ToPem, TestDevice, type Target } from '../helpers/device.js';

/**
 * EST simplereenroll straight to the server with forwarding on and 127.0.0.1 trusted: the
 * requests below stand in for a proxy that lets a client's own X-SSL-CERT header through (the
 * configuration documented before). The server must still ask for proof of the current key.
 */
describe.each(DIALECTS)('EST re-enrollment: proof of possession for forwarded certificates (%s)', (dialect) => {
  let testDb: TestDb;
  let server: RunningServer;
  let t: Target;
  let secret: string;
  let n = 0;
  const logLines: Array<{ level: number; setting?: string; msg: string }> = [];

  const certSerial = async (deviceId: number) =>
    (
      (await server.database.db.selectFrom('devices').select('cert_serial').where('id', '=', deviceId).executeTakeFirstOrThrow()) as {
        cert_serial: string | null;
      }
    ).cert_serial;
  const newDevice = async () => {
    const mac = `02EEFF0000${String(++n).padStart(2, '0')}`;
    const e = await enroll(t, secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    const cert = new X509Certificate(e.certPem!);
    return {
      mac,
      creds: { certPem: e.certPem!, keyPem: e.keyPem },
      serial: cert.serialNumber,
      deviceId: Number(/device-(\d+)/.exec(cert.subject)![1]),
    };
  };
  const proofFor = (serial: string, csrBase64: string, keyPem: string | ReturnType<typeof generateKeyPairSync>['privateKey']) =>
    sign('sha256', reenrollProofMessage(serial, Buffer.from(csrBase64, 'base64')), { key: keyPem, dsaEncoding: 'der' }).toString(
      'base64url',
    );
  const post = (
    path: string,
    csrBase64: string,
    headers: Record<string, string>,
    tls: { cert?: string; key?: string; localAddress?: string } = {},
  ) => httpsCall(t, 'POST', path, { body: csrBase64, headers: { 'content-type': 'application/pkcs10', ...headers }, ...tls });
  const code = (res: { body: string }) => JSON.parse(res.body).error.code as string;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    const base = loadConfig({
      env: {},
      flags: {
        dataDir: testDb.dataDir,
        databaseUrl: testDb.databaseUrl,
        port: 0,
        host: '127.0.0.1',
        logLevel: 'warn',
        bindRetrySeconds: 0,
      },
    });
    const sink = new Writable({ write: (chunk, _enc, done) => void (logLines.push(JSON.parse(String(chunk))), done()) });
    server = await startServer(
      { ...base, clientCertForwarding: { enabled: true, header: 'X-SSL-CERT', trustedProxies: ['127.0.0.1', '::1'] } },
      { adminPassword: 'reenroll-test' },
      { logger: pino({ level: 'warn' }, sink) },
    );
    t = {
      port: (server.built.app.server.address() as { port: number }).port,
      ca: readFileSync(join(testDb.dataDir, 'tls/web-ca.crt'), 'utf8'),
    };
    const login = await httpsCall(t, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'reenroll-test' }),
    });
    const token = JSON.parse(login.body).token;
    const keyRes = await httpsCall(t, 'POST', '/api/v1/enrollment-keys', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'mass' }),
    });
    secret = JSON.parse(keyRes.body).keys[0].secret;
  });
  afterAll(async () => {
    await server?.stop();
    await testDb?.drop();
  });

  it('warns at start-up that loopback is trusted to forward certificates', () => {
    const warning = logLines.find((l) => l.setting === 'clientCertForwarding.trustedProxies');
    expect(warning).toMatchObject({ level: 40 });
    expect(warning!.msg).toContain('any process on this host');
    expect(warning!.msg).toContain('127.0.0.1, ::1 are trusted proxies (the default list)');
  });

  it('refuses a forwarded certificate without a proof, or with a proof by another key, and changes nothing', async () => {
    const d = await newDevice();
    const attacker = await makeCsr(d.mac);
    const fwd = { 'X-SSL-CERT': encodeURIComponent(d.creds.certPem) };
    const forgedKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    for (const path of [`${EST_BASE_PATH}/simplereenroll`, `${EST_STANDARD_BASE_PATH}/simplereenroll`]) {
      const none = await post(path, attacker.csrBase64, fwd);
      expect(none.status, none.body).toBe(401);
      expect(code(none)).toBe('REENROLL_PROOF_INVALID');
      expect(JSON.parse(none.body).error.message).toContain(REENROLL_PROOF_HEADER);
      const forged = await post(path, attacker.csrBase64, {
        ...fwd,
        [REENROLL_PROOF_HEADER]: proofFor(d.serial, attacker.csrBase64, forgedKey),
      });
      expect(forged.status, forged.body).toBe(401);
      expect(code(forged)).toBe('REENROLL_PROOF_INVALID');
      const garbage = await post(path, attacker.csrBase64, { ...fwd, [REENROLL_PROOF_HEADER]: 'not*base64url' });
      expect(code(garbage)).toBe('REENROLL_PROOF_INVALID');
    }
    expect(await certSerial(d.deviceId)).toBe(d.serial);
    const dev = (await TestDevice.connect(t, d.creds)) as TestDevice;
    dev.hello(d.mac);
    expect((await dev.next((m) => m.t === 'welcome')).deviceId).toBe(d.deviceId);
    dev.close();
  });

  it('accepts a forwarded certificate with a proof by its key, once: the proof binds the CSR and the serial it replaces', async () => {
    const d = await newDevice();
    const csr = await makeCsr(d.mac);
    const other = await makeCsr(d.mac);
    const fwd = { 'X-SSL-CERT': encodeURIComponent(d.creds.certPem) };
    const proof = proofFor(d.serial, csr.csrBase64, d.creds.keyPem);
    // A proof for one CSR does not cover another.
    const swapped = await post(`${EST_BASE_PATH}/simplereenroll`, other.csrBase64, { ...fwd, [REENROLL_PROOF_HEADER]: proof });
    expect(code(swapped)).toBe('REENROLL_PROOF_INVALID');
    const ok = await post(`${EST_BASE_PATH}/simplereenroll`, csr.csrBase64, { ...fwd, [REENROLL_PROOF_HEADER]: proof });
    expect(ok.status, ok.body).toBe(200);
    const fresh = pkcs7ToPem(ok.body);
    expect(await certSerial(d.deviceId)).toBe(new X509Certificate(fresh).serialNumber);
    // Replayed: the certificate it was made for has been replaced.
    const replay = await post(`${EST_BASE_PATH}/simplereenroll`, csr.csrBase64, { ...fwd, [REENROLL_PROOF_HEADER]: proof });
    expect(replay.status).toBe(401);
    expect(code(replay)).toBe('CLIENT_CERTIFICATE_INVALID');
    const dev = (await TestDevice.connect(t, { certPem: fresh, keyPem: csr.keyPem })) as TestDevice;
    dev.hello(d.mac);
    expect((await dev.next((m) => m.t === 'welcome')).deviceId).toBe(d.deviceId);
    dev.close();
  });

  it('ignores X-SSL-CERT from an address that is not a trusted proxy', async () => {
    const d = await newDevice();
    const csr = await makeCsr(d.mac);
    const res = await post(
      `${EST_BASE_PATH}/simplereenroll`,
      csr.csrBase64,
      {
        'X-SSL-CERT': encodeURIComponent(d.creds.certPem),
        [REENROLL_PROOF_HEADER]: proofFor(d.serial, csr.csrBase64, d.creds.keyPem),
      },
      { localAddress: '127.0.0.2' },
    );
    expect(res.status).toBe(401);
    expect(code(res)).toBe('CLIENT_CERTIFICATE_REQUIRED');
    expect(await certSerial(d.deviceId)).toBe(d.serial);
  });

  it('renews over direct mutual TLS without a proof (plain RFC 7030), and refuses a wrong proof there too', async () => {
    const d = await newDevice();
    const csr = await makeCsr(d.mac);
    const tls = { cert: d.creds.certPem, key: d.creds.keyPem };
    const wrong = await post(
      `${EST_STANDARD_BASE_PATH}/simplereenroll`,
      csr.csrBase64,
      { [REENROLL_PROOF_HEADER]: proofFor('01', csr.csrBase64, d.creds.keyPem) },
      tls,
    );
    expect(code(wrong)).toBe('REENROLL_PROOF_INVALID');
    expect(await certSerial(d.deviceId)).toBe(d.serial);
    const ok = await post(`${EST_STANDARD_BASE_PATH}/simplereenroll`, csr.csrBase64, {}, tls);
    expect(ok.status, ok.body).toBe(200);
    expect(await certSerial(d.deviceId)).toBe(new X509Certificate(pkcs7ToPem(ok.body)).serialNumber);
  });

  it("renews with the agent's reenroll(); the new certificate connects and the old one is refused", async () => {
    const d = await newDevice();
    const fresh = await reenroll({
      server: `https://127.0.0.1:${t.port}`,
      caPem: t.ca,
      certPem: d.creds.certPem,
      keyPem: d.creds.keyPem,
      info: { unitId: d.mac, mac: d.mac },
    });
    expect(await certSerial(d.deviceId)).toBe(new X509Certificate(fresh.certPem).serialNumber);
    const dev = (await TestDevice.connect(t, fresh)) as TestDevice;
    dev.hello(d.mac);
    expect((await dev.next((m) => m.t === 'welcome')).deviceId).toBe(d.deviceId);
    dev.close();
    const old = (await TestDevice.connect(t, d.creds)) as TestDevice;
    expect((await old.waitClosed()).code).toBe(4001);
  });
});
