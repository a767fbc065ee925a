import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface TestCa {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  certPem: string;
}

const serial = () => {
  const b = randomBytes(12);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
};

const pemKey = async (key: webcrypto.CryptoKey) => x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');

export async function createTestCa(name: string): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    signingAlgorithm: SIGN,
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { cert, keys, certPem: cert.toString('pem') };
}

export async function issueServerCert(ca: TestCa): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=localhost',
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 90 * DAY),
    signingAlgorithm: SIGN,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await pemKey(keys.privateKey) };
}

/** Signs a device CSR the way the server does: CN=device-<id>, clientAuth. */
export async function signDeviceCsr(
  ca: TestCa,
  csrDer: Buffer,
  deviceId: number,
  lifetimeDays = 365,
  notBeforeDaysAgo = 1,
): Promise<x509.X509Certificate> {
  const csr = new x509.Pkcs10CertificateRequest(csrDer);
  if (!(await csr.verify())) throw new Error('CSR signature invalid');
  return x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=device-${deviceId}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - notBeforeDaysAgo * DAY),
    notAfter: new Date(Date.now() - notBeforeDaysAgo * DAY + lifetimeDays * DAY),
    signingAlgorithm: SIGN,
    publicKey: await csr.publicKey.export(),
    signingKey: ca.keys.privateKey,
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
}

export function pkcs7Base64(certs: x509.X509Certificate[]): string {
  return new x509.X509Certificates(certs).export('base64');
}

export { x509 };
