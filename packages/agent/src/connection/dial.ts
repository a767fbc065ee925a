import { connect as tlsConnect, type ConnectionOptions, type SecureContext, type TLSSocket } from 'node:tls';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import WebSocket from 'ws';
import { MAX_MESSAGE_BYTES } from '@openums/protocol';
import { withoutPeerCertificate } from './session-der.js';
import type { SessionStore } from './tls-session.js';

export interface Credentials {
  cert: string;
  key: string;
  ca: string;
}

export interface DialOptions {
  /** wss://host:port/device-connector/device/ws-connect */
  url: string;
  credentials: Credentials;
  sessions: SessionStore;
  localAddress?: string;
  handshakeTimeoutMs?: number;
  /** TCP keepalive idle time (probes then go 1 s apart, 10 times: libuv's values); 0 = off. */
  keepAliveMs?: number;
  /** The credentials' TLS context, built once (tls-context.ts); built per connection when absent. */
  secureContext?: SecureContext;
  /** Gives up the attempt (the device is stopping): the pending TCP connect is destroyed. */
  signal?: AbortSignal;
}

export interface Dialled {
  ws: WebSocket;
  /** Whether the TLS handshake resumed a stored session (false until it completed). */
  resumed(): boolean;
  /**
   * Stores this connection's TLS session (and any later one) for the next attempt: called once
   * the server has accepted the device. A session of a refused attempt — a server still starting,
   * one that could not verify us — would replace a good one with one that cannot be resumed or,
   * worse, that brings the refusal back.
   */
  keepSession(): void;
}

/** One connection attempt as the client tracks it: when it began, when it dialled, its TLS session. */
export type Attempt = { started: number; dialed: number } & Pick<Dialled, 'resumed' | 'keepSession'>;

/**
 * Opens the device channel in two steps: TCP first, then — once the server's port answered —
 * mutual TLS (resuming the stored session ticket when there is one, saving new ones) and the
 * WebSocket upgrade over that socket. A refused or timed-out TCP connect rejects, having built
 * nothing else: a fleet retrying against a restarting server (port closed) makes many such
 * attempts, and a TLS socket, its parsed session ticket, an HTTP request and a WebSocket for each
 * cost ≈ 1 ms of CPU (estimated from a storm's CPU samples, docs/benchmarks.md); a TCP attempt
 * builds a socket only.
 */
export async function dial(opts: DialOptions): Promise<Dialled> {
  const tcp = await connectTcp(opts);
  try {
    return upgrade(opts, tcp);
  } catch (err) {
    tcp.destroy();
    throw err;
  }
}

/** The TCP connection to the URL's host and port; rejects on refusal, timeout or abort. */
function connectTcp(opts: DialOptions): Promise<Socket> {
  const target = new URL(opts.url);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port || 443);
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new Error('connection attempt given up'));
    const socket = tcpConnect({
      host,
      port,
      localAddress: opts.localAddress,
      ...(opts.localAddress && isIP(opts.localAddress) === 4 ? { family: 4 } : {}),
    });
    const timeoutMs = opts.handshakeTimeoutMs ?? 25_000;
    const fail = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onError = (err: Error) => fail(err);
    const onTimeout = () => fail(new Error(`no TCP connection within ${timeoutMs} ms`));
    const onAbort = () => fail(new Error('connection attempt given up'));
    const cleanup = () => {
      socket.setTimeout(0);
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    socket.once('error', onError);
    socket.setTimeout(timeoutMs, onTimeout);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      cleanup();
      // Finds a server host that vanished while the channel is idle (see DeviceClient.expectAnswer).
      if (opts.keepAliveMs) socket.setKeepAlive(true, opts.keepAliveMs);
      resolve(socket);
    });
  });
}

/** TLS over the connected socket and the WebSocket upgrade. */
function upgrade(opts: DialOptions, tcp: Socket): Dialled {
  // Read at the handshake: a closed socket no longer knows (its handle is gone).
  let reused = false;
  let keep = false;
  let pending: Buffer | null = null;
  const session = opts.sessions.load();
  try {
    const ws = new WebSocket(opts.url, {
      cert: opts.credentials.cert,
      key: opts.credentials.key,
      ca: opts.credentials.ca,
      rejectUnauthorized: true,
      // TLS 1.3 in practice; 1.2 still allowed for TLS-terminating proxies in front of the server.
      minVersion: 'TLSv1.2',
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
      handshakeTimeout: opts.handshakeTimeoutMs ?? 25_000,
      followRedirects: false,
      createConnection: ((o: ConnectionOptions & { host?: string; path?: string }) => {
        // As ws's own tlsConnect, over the socket already connected, plus the session ticket.
        o.path = undefined;
        if (!o.servername && o.servername !== '') o.servername = o.host && isIP(o.host) ? '' : o.host;
        // The stored session is parsed (its certificates decoded: ≈ 0.15 ms) here, TCP being up.
        // (Node ignores bytes that are no session; anything else it refuses throws: see below.)
        const socket = tlsConnect({
          ...o,
          socket: tcp,
          ...(session ? { session } : {}),
          ...(opts.secureContext ? { secureContext: opts.secureContext } : {}),
        });
        // ws's handshake timeout is the request's `timeout`, which net.connect arms on the socket
        // it creates; over a socket already connected nobody does, and a server that accepts TCP
        // but never answers would hold the attempt forever (seen: 6 of 100,000 devices). ws
        // clears it once the upgrade is done.
        if (o.timeout) socket.setTimeout(o.timeout);
        socket.on('session', (raw: Buffer) => {
          // Kept without the server's certificate: decoding it again costs every later attempt (session-der.ts).
          const s = withoutPeerCertificate(raw);
          if (keep) opts.sessions.save(s);
          else pending = s;
        });
        socket.once('secureConnect', function (this: TLSSocket) {
          reused = this.isSessionReused();
        });
        return socket;
      }) as unknown as WebSocket.ClientOptions['createConnection'],
    });
    const keepSession = () => {
      keep = true;
      if (pending) opts.sessions.save(pending);
      pending = null;
    };
    return { ws, resumed: () => reused, keepSession };
  } catch (err) {
    if (session) opts.sessions.clear();
    throw err;
  }
}
