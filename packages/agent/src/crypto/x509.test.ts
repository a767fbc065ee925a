import { createPublicKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestCa, pkcs7Base64, signDeviceCsr, x509 } from '../../test/support/pki.js';
import {
  base64Body,
  createKeyAndCsr,
  csrForKey,
  deviceIdFromCert,
  fingerprint256,
  keyMatchesCert,
  needsRenewal,
  normalizeFingerprint,
  parsePkcs7Certs,
} from './x509.js';

describe('CSR', () => {
  it('is a PKCS#10 request for CN=<unit id>, ECDSA P-256 / SHA-256, with a valid signature', async () => {
    const { keyPem, csrDer } = await createKeyAndCsr('0242AC110002');
    const csr = new x509.Pkcs10CertificateRequest(csrDer);
    expect(csr.subject).toBe('CN=0242AC110002');
    expect(await csr.verify()).toBe(true);
    expect(csr.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect((csr.publicKey.algorithm as { namedCurve?: string }).namedCurve).toBe('P-256');
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // the public key in the CSR belongs to the private key
    const pub = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
    expect(Buffer.from(csr.publicKey.rawData).equals(pub)).toBe(true);
  });

  it('can be made again for an existing key (a repeated enrollment)', async () => {
    const { keyPem } = await createKeyAndCsr('0242AC110002');
    const again = await csrForKey(keyPem, '0242AC110002');
    const csr = new x509.Pkcs10CertificateRequest(again.csrDer);
    expect(again.keyPem).toBe(keyPem);
    expect(await csr.verify()).toBe(true);
    const pub = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
    expect(Buffer.from(csr.publicKey.rawData).equals(pub)).toBe(true);
  });

  it('is sent as line-wrapped base64', async () => {
    const { csrDer } = await createKeyAndCsr('X');
    const body = base64Body(csrDer);
    expect(body.split('\n').every((l) => l.length <= 64)).toBe(true);
    expect(Buffer.from(body.replace(/\s/g, ''), 'base64').equals(csrDer)).toBe(true);
  });
});

describe('PKCS#7 certs-only', () => {
  it('yields the issued certificate, wrapped or not, and the device id from CN=device-<id>', async () => {
    const ca = await createTestCa('Test Device CA');
    const { keyPem, csrDer } = await createKeyAndCsr('020000000001');
    const cert = await signDeviceCsr(ca, csrDer, 4711);
    const b64 = pkcs7Base64([cert]);
    for (const body of [b64, b64.replace(/(.{64})/g, '$1\r\n'), `-----BEGIN PKCS7-----\n${b64}\n-----END PKCS7-----\n`, Buffer.from(b64)]) {
      const [pem] = parsePkcs7Certs(body);
      expect(new X509Certificate(pem!).subject).toBe('CN=device-4711');
      expect(deviceIdFromCert(pem!)).toBe(4711);
      expect(keyMatchesCert(keyPem, pem!)).toBe(true);
    }
    const two = parsePkcs7Certs(pkcs7Base64([cert, ca.cert]));
    expect(two).toHaveLength(2);
  });

  it('rejects garbage', () => {
    expect(() => parsePkcs7Certs('not base64 !!')).toThrow(/base64/);
    expect(() => parsePkcs7Certs(Buffer.from('hello world').toString('base64'))).toThrow();
  });
});

describe('fingerprints and renewal', () => {
  it('normalizes the accepted spellings of a SHA-256 fingerprint', async () => {
    const ca = await createTestCa('FP');
    const fp = fingerprint256(ca.certPem);
    expect(fp).toMatch(/^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(normalizeFingerprint(fp.toLowerCase())).toBe(fp);
    expect(normalizeFingerprint(fp.slice(7).replace(/:/g, ''))).toBe(fp);
    expect(normalizeFingerprint('sha256:AB')).toBeNull();
  });

  it('renews in the last third of the lifetime', async () => {
    const ca = await createTestCa('R');
    const { csrDer } = await createKeyAndCsr('U');
    const young = (await signDeviceCsr(ca, csrDer, 1, 30, 1)).toString('pem');
    const old = (await signDeviceCsr(ca, csrDer, 1, 30, 21)).toString('pem');
    expect(needsRenewal(young)).toBe(false);
    expect(needsRenewal(old)).toBe(true);
  });
});
