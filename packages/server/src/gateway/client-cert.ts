import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { FORWARDED_CERT_PATHS } from '@openums/protocol';
import type { TLSSocket } from 'node:tls';
import type { Config } from '../config/schema.js';
import type { DeviceCa } from '../tls/device-ca.js';

export type ClientIdentity =
  | { ok: true; deviceId: number; serial: string; via: 'tls' | 'forwarded'; cert: X509Certificate }
  | { ok: false; reason: 'missing' | 'invalid'; message: string };

const normalizeAddr = (a: string | undefined) => (a ?? '').replace(/^::ffff:/, '');

/**
 * The device a request comes from: its TLS client certificate, or — only when forwarding is
 * enabled, the request comes from a trusted proxy and `path` (the route that matched, not the
 * raw URL) is one of FORWARDED_CERT_PATHS — the URL-encoded PEM in the configured header.
 * A forwarded header that does not parse, or arrives on any other path, is refused, never
 * ignored: a proxy that lets it through there is misconfigured (it passes the client's own
 * header), and the operator should hear about it.
 * A forwarded identity proves only that someone HOLDS the certificate, not its key: callers
 * that change anything on its strength (re-enrollment) must ask for a proof of possession.
 */
export function identifyClient(req: IncomingMessage, cfg: Config['clientCertForwarding'], ca: DeviceCa, path: string): ClientIdentity {
  const socket = req.socket as TLSSocket;
  const peer = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
  if (peer) {
    if (!socket.authorized)
      return { ok: false, reason: 'invalid', message: `client certificate rejected: ${String(socket.authorizationError)}` };
    // authorized: OpenSSL verified the chain against the context's CA, the device CA.
    return fromCert(peer, ca, 'tls');
  }
  const header = req.headers[cfg.header.toLowerCase()];
  if (cfg.enabled && header !== undefined && isTrustedProxy(normalizeAddr(socket.remoteAddress), cfg.trustedProxies)) {
    if (!FORWARDED_CERT_PATHS.includes(path)) {
      return {
        ok: false,
        reason: 'invalid',
        message: `a forwarded ${cfg.header} header is not accepted on ${path} (only on ${FORWARDED_CERT_PATHS.join(', ')})`,
      };
    }
    const value = Array.isArray(header) ? header[0] : header;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(decodeURIComponent(value ?? ''));
    } catch {
      return { ok: false, reason: 'invalid', message: `forwarded ${cfg.header} header is not a URL-encoded PEM certificate` };
    }
    return fromCert(cert, ca, 'forwarded');
  }
  return { ok: false, reason: 'missing', message: 'a device client certificate is required' };
}

function fromCert(cert: X509Certificate, ca: DeviceCa, via: 'tls' | 'forwarded'): ClientIdentity {
  const r = ca.verifyDeviceCert(cert, Date.now(), via === 'tls');
  if ('error' in r) return { ok: false, reason: 'invalid', message: r.error };
  return { ok: true, deviceId: r.deviceId, serial: r.serial, via, cert };
}

function isTrustedProxy(addr: string, trusted: readonly string[]): boolean {
  if (!isIP(addr)) return false;
  return trusted.some((t) => normalizeAddr(t) === addr);
}
