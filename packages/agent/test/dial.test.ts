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
 * dial(): the TLS session ticket a device stored is resumed; TCP comes first, so a refused attempt
 * (a server restarting) builds no TLS socket, parses no ticket and sends no upgrade.
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
    const first = await dial({ url, credentials, sessions });
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

    const second = await dial({ url, credentials, sessions });
    expect(await outcome(second)).toBe(true);
    expect(second.resumed()).toBe(true);
    second.ws.close();
  });

  it('a refused attempt rejects having built no TLS socket; a connected one parses the ticket once', async () => {
    const sessions = new MemorySessionStore();
    await connectAndKeep(sessions);

    const setSession = vi.spyOn(TLSSocket.prototype as unknown as { setSession(s: Buffer): void }, 'setSession');
    const start = vi.spyOn(TLSSocket.prototype as unknown as { _start(): void }, '_start');
    try {
      await expect(dial({ url: `wss://127.0.0.1:${await freePort()}/x`, credentials, sessions })).rejects.toThrow(/ECONNREFUSED/);
      // Before: a TLS socket, the parsed ticket, an HTTP request and a WebSocket for every attempt.
      expect(setSession).not.toHaveBeenCalled();
      expect(start).not.toHaveBeenCalled();
      // The stored ticket is kept for the next attempt.
      expect(sessions.load()).toBeDefined();
      const connected = await dial({ url, credentials, sessions });
      expect(await outcome(connected)).toBe(true);
      expect(setSession).toHaveBeenCalledTimes(1);
      expect(connected.resumed()).toBe(true);
      connected.ws.close();
    } finally {
      setSession.mockRestore();
      start.mockRestore();
    }
  });

  it('a server that accepts TCP and never answers TLS is given up after the handshake timeout', async () => {
    const silent = createTcpServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const started = Date.now();
      const d = await dial({ url: `wss://127.0.0.1:${port}/x`, credentials, sessions: new MemorySessionStore(), handshakeTimeoutMs: 300 });
      const error = await new Promise<Error>((resolve) => d.ws.once('error', resolve));
      expect(error.message).toMatch(/timed out/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('gives up a TCP connect when its signal aborts, and one already given up does not dial', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(dial({ url, credentials, sessions: new MemorySessionStore(), signal: abort.signal })).rejects.toThrow(/given up/);

    // Aborted before the server answered: the loopback connect is still under way when abort() runs.
    const pending = new AbortController();
    const attempt = dial({ url, credentials, sessions: new MemorySessionStore(), signal: pending.signal });
    pending.abort();
    await expect(attempt).rejects.toThrow(/given up/);
  });

  it('a stored ticket that is not a TLS session costs a full handshake, nothing more', async () => {
    const sessions = new MemorySessionStore();
    sessions.save(Buffer.from('not a TLS session'));
    const d = await dial({ url, credentials, sessions });
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
