import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Just enough DER to parse a PKCS#10 request and issue a device certificate with Node's native
 * crypto. The general ASN.1 library cost ~3 ms of CPU per enrollment; this path costs ~0.2 ms.
 * Only the fixed shapes we produce and accept are handled; anything else is an error.
 */
export class DerError extends Error {}

interface Tlv {
  tag: number;
  start: number; // first byte of the header
  bodyStart: number;
  end: number; // one past the body
}

export function readTlv(buf: Buffer, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || p + n > limit) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[p + i]!;
    p += n;
  }
  if (p + len > limit) throw new DerError('truncated');
  return { tag, start: offset, bodyStart: p, end: p + len };
}

/** The TLVs directly inside a constructed TLV. */
export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.bodyStart; p < parent.end;) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const len = body.length;
  const head =
    len < 0x80
      ? Buffer.from([tag, len])
      : len < 0x100
        ? Buffer.from([tag, 0x81, len])
        : len < 0x10000
          ? Buffer.from([tag, 0x82, len >> 8, len & 0xff])
          : Buffer.from([tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]);
  return Buffer.concat([head, body]);
}

const OID_ECDSA_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex');
const OID_CN = Buffer.from('0603550403', 'hex');
const OID_O = Buffer.from('060355040a', 'hex');
const SIG_ALG = tlv(0x30, OID_ECDSA_SHA256);

export interface ParsedCsr {
  commonName: string | null;
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer;
  publicKey: KeyObject;
}

/** Parses a PKCS#10 request and checks its self-signature: ECDSA P-256 with SHA-256 only. */
export function parseAndVerifyCsr(der: Buffer): ParsedCsr {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new DerError('not a SEQUENCE');
  const [cri, alg, sig] = children(der, outer);
  if (!cri || !alg || !sig || cri.tag !== 0x30 || sig.tag !== 0x03) throw new DerError('not a certification request');
  if (!der.subarray(alg.start, alg.end).equals(SIG_ALG)) throw new DerError('signature algorithm must be ecdsa-with-SHA256');
  const [version, subject, spkiTlv] = children(der, cri);
  if (!version || version.tag !== 0x02 || !subject || subject.tag !== 0x30 || !spkiTlv || spkiTlv.tag !== 0x30)
    throw new DerError('malformed request info');
  const spki = Buffer.from(der.subarray(spkiTlv.start, spkiTlv.end));
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw new DerError('unreadable public key');
  }
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new DerError('key must be ECDSA P-256');
  if (der[sig.bodyStart] !== 0) throw new DerError('bad signature bit string');
  const signature = der.subarray(sig.bodyStart + 1, sig.end);
  if (!verify('sha256', der.subarray(cri.start, cri.end), { key: publicKey, dsaEncoding: 'der' }, signature))
    throw new DerError('signature does not verify');
  return { commonName: findCommonName(der, subject), spki, publicKey };
}

function findCommonName(der: Buffer, name: Tlv): string | null {
  for (const rdn of children(der, name)) {
    for (const atv of children(der, rdn)) {
      const [oid, value] = children(der, atv);
      if (oid && value && der.subarray(oid.start, oid.end).equals(OID_CN) && [0x0c, 0x13, 0x16].includes(value.tag)) {
        return der.subarray(value.bodyStart, value.end).toString('utf8');
      }
    }
  }
  return null;
}

/** The subject Name of a certificate, DER (used as the issuer of what it signs). */
export function subjectNameOf(certDer: Buffer): Buffer {
  const cert = readTlv(certDer, 0);
  const [tbs] = children(certDer, cert);
  const fields = children(certDer, tbs!);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (!subject || subject.tag !== 0x30) throw new DerError('malformed CA certificate');
  return Buffer.from(certDer.subarray(subject.start, subject.end));
}

function time(ms: number): Buffer {
  const d = new Date(ms);
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

export interface IssueOptions {
  serialHex: string;
  issuerName: Buffer;
  commonName: string;
  organization: string;
  notBefore: number;
  notAfter: number;
  spki: Buffer;
  /** DER of each Extension (SEQUENCE), in order. */
  extensions: Buffer[];
  caKey: KeyObject;
}

/** An X.509 v3 certificate signed with ecdsa-with-SHA256; returns DER. */
export function issueCertificate(o: IssueOptions): Buffer {
  const subject = tlv(
    0x30,
    tlv(0x31, tlv(0x30, OID_CN, tlv(0x0c, Buffer.from(o.commonName, 'utf8')))),
    tlv(0x31, tlv(0x30, OID_O, tlv(0x0c, Buffer.from(o.organization, 'utf8')))),
  );
  const tbs = tlv(
    0x30,
    Buffer.from('a003020102', 'hex'), // [0] version v3
    tlv(0x02, Buffer.from(o.serialHex, 'hex')),
    SIG_ALG,
    o.issuerName,
    tlv(0x30, time(o.notBefore), time(o.notAfter)),
    subject,
    o.spki,
    tlv(0xa3, tlv(0x30, ...o.extensions)),
  );
  const signature = sign('sha256', tbs, { key: o.caKey, dsaEncoding: 'der' });
  return tlv(0x30, tbs, SIG_ALG, tlv(0x03, Buffer.from([0]), signature));
}
