import { createSecureContext, type SecureContext } from 'node:tls';

/** What the device presents and trusts (PEM): its certificate and key, the server's CA. */
export interface TlsCredentials {
  cert: string;
  key: string;
  ca: string;
}

/**
 * The TLS context of a device's credentials, built once and used for every connection while they
 * stay the same (a renewed certificate builds a new one). Building one parses the key, the
 * certificate and the CA — ≈ 1.3 ms, the largest part of a simulated device's reconnect when a
 * whole fleet comes back at once (bench:cluster --scale); it holds ≈ 32 KB.
 */
export class TlsContextCache {
  private last: (TlsCredentials & { context: SecureContext }) | null = null;

  get(c: TlsCredentials): SecureContext {
    const l = this.last;
    if (l && l.cert === c.cert && l.key === c.key && l.ca === c.ca) return l.context;
    // TLS 1.3 in practice; 1.2 still allowed for TLS-terminating proxies in front of the server.
    const context = createSecureContext({ cert: c.cert, key: c.key, ca: c.ca, minVersion: 'TLSv1.2' });
    this.last = { cert: c.cert, key: c.key, ca: c.ca, context };
    return context;
  }
}
