import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { dial, type Credentials, type Dialled } from '../src/connection/dial.js';
import { MemorySessionStore } from '../src/connection/tls-session.js';
import { createTestCa, issueServerCert } from './support/pki.js';

/** Resolves when the channel opened (true) or failed (false). */
function outcome(d: Dialled): Promise<boolean> {
  return new Promise((resolve) => {
    d.ws.once('open', () => resolve(true));
    d.ws.once('error', () => resolve(false));
  });
}

/**
 * dial(): the TLS session ticket a device stored is resumed, and it is parsed only once TCP is
 * up — a refused attempt (a server restarting) costs no parse.
 */
describe('dial', () => {
  let server: Server;
  let wss: WebSocketServer;
  let url: string;
  let credentials: Credentials;

  beforeAll(async () => {
    const ca = await createTestCa('Dial CA');
    const serverCert = await issueServerCert(ca);
    // The server's own pair doubles as the client's certificate: this server does not check it.
    credentials = { cert: serverCert.certPem, key: serverCert.keyPem, ca: ca.certPem };
    server = createServer({ cert: serverCert.certPem, key: serverCert.keyPem, minVersion: 'TLSv1.3' });
    wss = new WebSocketServer({ server });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/device-connector/device/ws-connect`;
  });
  /** A first, accepted connection whose session is kept; resolves whether it resumed one. */
  const connectAndKeep = async (sessions: MemorySessionStore): Promise<boolean> => {
    const first = dial({ url, credentials, sessions });
    expect(await outcome(first)).toBe(true);
    first.keepSession();
    await until(() => sessions.load() !== undefined);
    first.ws.close();
    return first.resumed();
  };

  afterAll(async () => {
    wss?.close();
    await new Promise((r) => server?.close(r));
  });

  it('resumes the TLS session kept from the last accepted connection', async () => {
    const sessions = new MemorySessionStore();
    expect(await connectAndKeep(sessions)).toBe(false);

    const second = dial({ url, credentials, sessions });
    expect(await outcome(second)).toBe(true);
    expect(second.resumed()).toBe(true);
    second.ws.close();
  });

  it('a refused attempt does not parse the stored ticket; a connected one does, just before its handshake', async () => {
    const sessions = new MemorySessionStore();
    await connectAndKeep(sessions);

    const setSession = vi.spyOn(TLSSocket.prototype as unknown as { setSession(s: Buffer): void }, 'setSession');
    try {
      const refused = dial({ url: `wss://127.0.0.1:${await freePort()}/x`, credentials, sessions });
      expect(await outcome(refused)).toBe(false);
      // Before: tls.connect parsed the ticket (and decoded its certificates) for every attempt.
      expect(setSession).not.toHaveBeenCalled();
      const connected = dial({ url, credentials, sessions });
      expect(await outcome(connected)).toBe(true);
      expect(setSession).toHaveBeenCalledTimes(1);
      expect(connected.resumed()).toBe(true);
      connected.ws.close();
    } finally {
      setSession.mockRestore();
    }
  });

  it('a stored ticket that is not a TLS session costs a full handshake, nothing more', async () => {
    const sessions = new MemorySessionStore();
    sessions.save(Buffer.from('not a TLS session'));
    const d = dial({ url, credentials, sessions });
    expect(await outcome(d)).toBe(true);
    expect(d.resumed()).toBe(false);
    d.ws.close();
  });
});

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
