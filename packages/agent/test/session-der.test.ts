import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutPeerCertificate } from '../src/connection/session-der.js';
import { createTestCa, issueServerCert } from './support/pki.js';

interface Outcome {
  ok: boolean;
  resumed: boolean;
  peerSubject: string | undefined;
  session: Buffer | undefined;
  error?: string;
}

/** One connection to `port`, offering `session`; resolves with what happened and the session it got. */
function attempt(port: number, ca: string, session?: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    let got: Buffer | undefined;
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...(session ? { session } : {}) });
    let done: (() => void) | null = null;
    socket.on('session', (s: Buffer) => {
      got = s;
      done?.();
    });
    socket.once('secureConnect', () => {
      const resumed = socket.isSessionReused();
      const peerSubject = socket.getPeerCertificate().subject?.CN;
      // A full TLS 1.3 handshake's ticket comes after it: wait for that (a resumed one brings none here).
      done = () => {
        done = null;
        socket.end();
        resolve({ ok: true, resumed, peerSubject, session: got });
      };
      if (got) done();
      else setTimeout(() => done?.(), resumed ? 200 : 2000);
    });
    socket.once('error', (err) => resolve({ ok: false, resumed: false, peerSubject: undefined, session: got, error: err.message }));
  });
}

async function listen(opts: Parameters<typeof createServer>[0]): Promise<{ server: Server; port: number }> {
  const server = createServer(opts, (s) => s.resume());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * The agent keeps its TLS 1.3 sessions without the server's certificate (decoding it again was
 * most of the cost of offering a session): such a session still resumes, a server that does not
 * resume it is verified in full, and anything else is kept as it came.
 */
describe('withoutPeerCertificate', () => {
  let caPem: string;
  let tls13: { server: Server; port: number };
  let tls12: { server: Server; port: number };
  let stranger: { server: Server; port: number };

  beforeAll(async () => {
    const ca = await createTestCa('Session CA');
    const cert = await issueServerCert(ca);
    caPem = ca.certPem;
    const ticketKeys = Buffer.alloc(48, 7);
    tls13 = await listen({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.3', ticketKeys });
    tls12 = await listen({ cert: cert.certPem, key: cert.keyPem, maxVersion: 'TLSv1.2', ticketKeys });
    // Same ticket keys, but a certificate from a CA the client does not trust.
    const otherCa = await createTestCa('Other CA');
    const other = await issueServerCert(otherCa);
    stranger = await listen({ cert: other.certPem, key: other.keyPem, minVersion: 'TLSv1.3', ticketKeys: Buffer.alloc(48, 9) });
  });

  afterAll(async () => {
    for (const s of [tls13, tls12, stranger]) await new Promise((r) => s?.server.close(r));
  });

  it('drops the certificate from a TLS 1.3 session, which still resumes', async () => {
    const first = await attempt(tls13.port, caPem);
    expect(first.ok).toBe(true);
    expect(first.peerSubject).toBe('localhost');
    const whole = first.session!;
    const stripped = withoutPeerCertificate(whole);
    expect(stripped.length).toBeLessThan(whole.length - 200);
    expect(stripped[0]).toBe(0x30);

    // Both resume. Node shows a client no server certificate on a resumed connection either way
    // (it reads the peer's chain, which no session holds), so nothing a caller sees is lost.
    const withCert = await attempt(tls13.port, caPem, whole);
    expect(withCert).toMatchObject({ ok: true, resumed: true, peerSubject: undefined });
    const without = await attempt(tls13.port, caPem, stripped);
    expect(without).toMatchObject({ ok: true, resumed: true, peerSubject: undefined });
    // Stripping is idempotent: a session that has no certificate comes back unchanged.
    expect(withoutPeerCertificate(stripped)).toBe(stripped);
  });

  it('does not let a stripped session skip verification on a server that does not resume it', async () => {
    const first = await attempt(tls13.port, caPem);
    const stripped = withoutPeerCertificate(first.session!);
    const r = await attempt(stranger.port, caPem, stripped);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/certificate/i);
  });

  it('keeps TLS 1.2 sessions whole', async () => {
    const first = await attempt(tls12.port, caPem);
    expect(first.ok).toBe(true);
    const session = first.session!;
    expect(withoutPeerCertificate(session)).toBe(session);
    expect(await attempt(tls12.port, caPem, session)).toMatchObject({ ok: true, resumed: true });
  });

  it('keeps anything it does not recognise as it came', () => {
    for (const junk of [Buffer.alloc(0), Buffer.from([0x30]), Buffer.from([0x30, 0x85, 1, 2, 3, 4, 5]), Buffer.from('not a session')]) {
      expect(withoutPeerCertificate(junk)).toBe(junk);
    }
    // A sequence whose content overruns it, and one whose second element is not a version.
    expect(withoutPeerCertificate(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x01]))).toEqual(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x01]));
    const notVersion = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x00]);
    expect(withoutPeerCertificate(notVersion)).toBe(notVersion);
  });
});
