import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsServerOptions, useReadyContext } from '../../src/app-tls.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { DeviceCa } from '../../src/tls/device-ca.js';
import { createCa, issueServerCert, type KeyAndCert } from '../../src/tls/pki.js';
import { makeCsr } from '../helpers/device.js';

/**
 * A process listens before its database is open (it answers 503 "starting"), with a TLS context
 * that has no device CA yet. A device making a full handshake then is not verified, and the
 * session ticket it gets keeps that result. Before the fix the ticket resumed on the ready
 * context with the failed result restored, the device was refused (401) on every attempt, and
 * it never came online (seen: 1 to 5 devices of a cold start, at 12,000 and at 100,000).
 */
describe('TLS sessions begun while a process is starting', () => {
  let web: KeyAndCert;
  let webCaPem = '';
  let deviceCaPem: string;
  let device: { cert: string; key: string };
  let server: TlsServer;
  let port = 0;
  const ticketKeys = randomBytes(48);
  let dir = '';

  beforeAll(async () => {
    const webCa = await createCa('test web CA', 1);
    webCaPem = webCa.certPem;
    web = await issueServerCert({ ca: webCa, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: [], days: 2 });
    dir = mkdtempSync(join(tmpdir(), 'openums-test-tls-'));
    const stored = new Map<string, string>();
    const settings = {
      findSetting: async (k: string) => stored.get(k) ?? null,
      insertSettingIfAbsent: async (k: string, v: string) => (stored.has(k) ? stored.get(k)! : (stored.set(k, v), v)),
    };
    const ca = await DeviceCa.load(settings as never, SecretBox.fromDataDir(dir));
    deviceCaPem = ca.certPem;
    const { keyPem, csr } = await makeCsr('device');
    const spki = Buffer.from(csr.publicKey.rawData);
    device = { cert: (await ca.issueDeviceCert(7, spki, 30)).pem, key: keyPem };
    // Exactly as the server listens before prepare(): the starting options, no device CA.
    server = createServer(
      httpsServerOptions({ key: web.keyPem, cert: web.certPem, ca: webCa.certPem, minVersion: 'TLSv1.3', ticketKeys }),
      (s) => s.end(JSON.stringify({ resumed: s.isSessionReused(), authorized: s.authorized, peer: !!s.getPeerX509Certificate() })),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    if (server) await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  /** One TLS connection as a device: what the server saw, and the session it was given. */
  const handshake = (session?: Buffer) =>
    new Promise<{ seen: { resumed: boolean; authorized: boolean; peer: boolean }; session: Buffer | undefined }>((resolve, reject) => {
      let got: Buffer | undefined;
      let text = '';
      const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: webCaPem, ...device, ...(session ? { session } : {}) });
      s.on('session', (b: Buffer) => (got = b));
      s.on('data', (c) => (text += c));
      s.on('end', () => resolve({ seen: JSON.parse(text), session: got }));
      s.on('error', reject);
    });

  it('does not resume them once ready: the device makes one full handshake and is verified', async () => {
    const starting = await handshake();
    // The starting context cannot verify the device: no device CA yet (the server answers 503).
    expect(starting.seen).toEqual({ resumed: false, authorized: false, peer: true });
    expect(starting.session).toBeDefined();

    useReadyContext(server, { web, deviceCaPem, minVersion: 'TLSv1.3', ticketKeys });
    const ready = await handshake(starting.session);
    expect(ready.seen).toEqual({ resumed: false, authorized: true, peer: true });

    // A session of the ready context resumes, still verified (what every reconnect relies on).
    const again = await handshake(ready.session);
    expect(again.seen).toEqual({ resumed: true, authorized: true, peer: true });
    expect(new X509Certificate(device.cert).subject).toContain('device-7');
  });
});
