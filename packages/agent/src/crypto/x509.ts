import 'reflect-metadata';
import { createPrivateKey, createPublicKey, sign, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { reenrollProofMessage } from '@openums/protocol';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** ECDSA P-256 with SHA-256, as the server's CAs. */
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface DeviceKeyAndCsr {
  keyPem: string;
  csrDer: Buffer;
}

/** A fresh key pair and a PKCS#10 request for subject CN=<unitId>. */
export async function createKeyAndCsr(unitId: string): Promise<DeviceKeyAndCsr> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), csrDer: await csrFor(keys, unitId) };
}

/** A PKCS#10 request for subject CN=<unitId> with an existing key (a repeated enrollment). */
export async function csrForKey(keyPem: string, unitId: string): Promise<DeviceKeyAndCsr> {
  const spki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), EC, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, EC, true, ['verify']),
  } as CryptoKeyPair;
  return { keyPem, csrDer: await csrFor(keys, unitId) };
}

async function csrFor(keys: CryptoKeyPair, unitId: string): Promise<Buffer> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [unitId] }], keys, signingAlgorithm: SIGN });
  return Buffer.from(csr.rawData);
}

/** EST bodies are base64 (RFC 7030 §4.2.1); wrapped at 64 columns like PEM. */
export function base64Body(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return (b64.match(/.{1,64}/g) ?? []).join('\n') + '\n';
}

/**
 * Certificates (PEM, in order) from an EST "certs-only" reply: base64 of a degenerate
 * PKCS#7 SignedData, possibly line-wrapped; a PEM-armoured PKCS#7 is accepted too.
 */
export function parsePkcs7Certs(body: string | Buffer): string[] {
  let text = typeof body === 'string' ? body : body.toString('latin1');
  text = text.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  if (!text || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new Error('PKCS#7 body is not base64');
  const der = Buffer.from(text, 'base64');
  const certs = new x509.X509Certificates(der);
  if (certs.length === 0) throw new Error('PKCS#7 body holds no certificate');
  return certs.map((c) => c.toString('pem'));
}

/** `sha256:AA:BB:…`, the form the server prints and `--ca-fingerprint` takes. */
export function fingerprint256(pem: string): string {
  return `sha256:${new NodeX509(pem).fingerprint256}`;
}

/** Accepts `sha256:aa:bb…`, `AA:BB…` or plain hex; returns the canonical form, or null. */
export function normalizeFingerprint(input: string): string | null {
  const hex = input
    .trim()
    .replace(/^sha-?256:/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return `sha256:${hex.match(/../g)!.join(':')}`;
}

/** The first certificate of a PEM bundle. */
export function firstPem(pem: string): string {
  const m = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  if (!m) throw new Error('no PEM certificate found');
  return `${m[0]}\n`;
}

export interface CertSummary {
  commonName: string | null;
  notBefore: number;
  notAfter: number;
}

export function summarizeCert(pem: string): CertSummary {
  const cert = new NodeX509(pem);
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject);
  return { commonName: cn ? cn[1]! : null, notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
}

/** The server names issued device certificates `CN=device-<deviceId>`. */
export function deviceIdFromCert(pem: string): number | null {
  const m = /^device-(\d+)$/.exec(summarizeCert(pem).commonName ?? '');
  return m ? Number(m[1]) : null;
}

/** Renew when less than a third of the certificate's lifetime is left. */
export function needsRenewal(pem: string, now = Date.now()): boolean {
  const { notBefore, notAfter } = summarizeCert(pem);
  return notAfter - now < (notAfter - notBefore) / 3;
}

/** True when the key in `keyPem` belongs to the certificate. */
export function keyMatchesCert(keyPem: string, certPem: string): boolean {
  return new NodeX509(certPem).checkPrivateKey(createPrivateKey(keyPem));
}

/**
 * Proof of possession for EST simplereenroll (REENROLL_PROOF_HEADER): the CURRENT key signs
 * the current certificate's serial and the new CSR. A proxy that terminates TLS forwards only
 * the certificate; this signature is what shows the server we also hold its key.
 */
export function reenrollProof(certPem: string, keyPem: string, csrDer: Uint8Array): string {
  const serial = new NodeX509(certPem).serialNumber;
  return sign('sha256', reenrollProofMessage(serial, csrDer), { key: createPrivateKey(keyPem), dsaEncoding: 'der' }).toString('base64url');
}
