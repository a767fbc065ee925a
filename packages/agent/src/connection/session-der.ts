/**
 * A stored TLS 1.3 client session without the server's certificate.
 *
 * OpenSSL serialises a session with the peer's certificate in it (SSL_SESSION_ASN1, field [3]),
 * and every attempt that offers the session decodes it again — with OpenSSL 3.0 the certificate's
 * public key goes through the provider decoders each time: in a reconnect storm that was 11 % of
 * the simulator's CPU (docs/benchmarks.md). A client needs the certificate only to verify the
 * server on a full handshake; a resumed TLS 1.3 handshake proves the server holds the ticket's
 * key, and Node checks neither the chain nor the host name of a resumed session (it accepts a
 * TLS 1.3 session without a peer certificate by design: `VerifyPeerCertificate`, and
 * `checkServerIdentity` only runs when the session was not reused). If the server does not resume
 * it, the handshake is a full one and the certificate is verified as always.
 *
 * TLS 1.2 sessions are left as they are (Node would refuse a resumed 1.2 session without one),
 * and so is anything this small DER reader does not recognise: the session then stays whole.
 */

const SEQUENCE = 0x30;
const INTEGER = 0x02;
/** [3] EXPLICIT, constructed: the peer certificate of SSL_SESSION_ASN1. */
const PEER_CERT = 0xa3;
const TLS13 = 0x0304;

interface Element {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  body: number;
  /** Offset just past the content. */
  end: number;
}

/** The DER element at `offset` (single-byte tags; definite lengths up to 4 bytes), or null. */
function readElement(der: Buffer, offset: number, limit: number): Element | null {
  if (offset + 2 > limit) return null;
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) return null; // multi-byte tag: not in a session
  let len = der[offset + 1]!;
  let body = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[body + i]!;
    body += n;
  }
  const end = body + len;
  return end <= limit ? { tag, start: offset, body, end } : null;
}

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** `der` without the server certificate when it is a TLS 1.3 session that carries one; else `der` itself. */
export function withoutPeerCertificate(der: Buffer): Buffer {
  const outer = readElement(der, 0, der.length);
  if (!outer || outer.tag !== SEQUENCE || outer.end !== der.length) return der;
  const children: Element[] = [];
  for (let at = outer.body; at < outer.end;) {
    const el = readElement(der, at, outer.end);
    if (!el) return der;
    children.push(el);
    at = el.end;
  }
  // The first element is the format version; the second, ssl_version, holds 0x0304 for TLS 1.3.
  const sslVersion = children[1];
  if (!sslVersion || sslVersion.tag !== INTEGER || sslVersion.end - sslVersion.body !== 2) return der;
  if (der.readUInt16BE(sslVersion.body) !== TLS13) return der;
  const peer = children.findIndex((c) => c.tag === PEER_CERT);
  if (peer < 0) return der;
  const kept = children.filter((_, i) => i !== peer).map((c) => der.subarray(c.start, c.end));
  const content = Buffer.concat(kept);
  return Buffer.concat([Buffer.from([SEQUENCE]), encodeLength(content.length), content]);
}
