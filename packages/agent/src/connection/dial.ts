import { connect as tlsConnect, type ConnectionOptions, type SecureContext, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import WebSocket from 'ws';
import { MAX_MESSAGE_BYTES } from '@openums/protocol';
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
 * Opens the device channel: mutual TLS (resuming the stored session ticket when there is one,
 * saving new ones) and the WebSocket upgrade. Throws when the socket cannot even be created.
 */
export function dial(opts: DialOptions): Dialled {
  let socket: TLSSocket | null = null;
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
      localAddress: opts.localAddress,
      ...(opts.localAddress && isIP(opts.localAddress) === 4 ? { family: 4 } : {}),
      followRedirects: false,
      createConnection: ((o: ConnectionOptions & { host?: string; path?: string }) => {
        // As ws's own tlsConnect, plus the session ticket hook.
        o.path = undefined;
        if (!o.servername && o.servername !== '') o.servername = o.host && isIP(o.host) ? '' : o.host;
        const tls = tlsConnect({ ...o, ...(opts.secureContext ? { secureContext: opts.secureContext } : {}) });
        socket = tls;
        // The stored session is parsed (its certificates decoded: ≈ 0.15 ms) once TCP is up, just
        // before the handshake starts — not for attempts a down server refuses (a fleet retrying
        // against a restarting server makes many of those).
        if (session)
          tls.prependOnceListener('connect', () => {
            try {
              (tls as TLSSocket & { setSession(s: Buffer): void }).setSession(session);
            } catch (err) {
              // (Node ignores bytes that are no session; anything else it refuses ends this attempt.)
              opts.sessions.clear();
              tls.destroy(err as Error);
            }
          });
        // Finds a server host that vanished while the channel is idle (see DeviceClient.expectAnswer).
        if (opts.keepAliveMs) socket.setKeepAlive(true, opts.keepAliveMs);
        socket.on('session', (s: Buffer) => {
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
