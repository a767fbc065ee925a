import 'reflect-metadata';
import { createPrivateKey, webcrypto, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { SecretBox } from '../lib/secret-box.js';
import type { SettingsRepository } from '../db/settings.repository.js';
import { createCa, type KeyAndCert } from './pki.js';
import { issueCertificate, subjectNameOf, tlv } from './der.js';

const DAY = 86_400_000;
export const DEVICE_CN_PREFIX = 'device-';

/**
 * The device CA: separate from the web CA, shared by every server of an installation (kept in
 * the database, private key sealed with the data directory's secret key). It signs the client
 * certificates devices use on the management channel.
 */
export class DeviceCa {
  readonly certPem: string;
  readonly cert: NodeX509;
  private readonly caCert: x509.X509Certificate;
  /** Extensions every device certificate carries, built once (the AKI needs a hash of the CA key). */
  private fixedExtensions: Promise<x509.Extension[]> | null = null;

  private readonly caKey: KeyObject;
  private readonly issuerName: Buffer;

  private constructor(pair: KeyAndCert) {
    this.certPem = pair.certPem;
    this.cert = new NodeX509(pair.certPem);
    this.caCert = new x509.X509Certificate(pair.certPem);
    this.caKey = createPrivateKey(pair.keyPem);
    this.issuerName = subjectNameOf(this.cert.raw);
  }

  static async load(settings: SettingsRepository, box: SecretBox): Promise<DeviceCa> {
    let certPem = await settings.findSetting('device_ca_cert');
    let sealedKey = await settings.findSetting('device_ca_key');
    if (!certPem || !sealedKey) {
      const ca = await createCa('OpenUMS Device CA', 20);
      // First writer wins when several servers start at once; everyone then reads the winner.
      sealedKey = await settings.insertSettingIfAbsent('device_ca_key', box.seal(ca.keyPem));
      if (box.open(sealedKey) === ca.keyPem) {
        certPem = await settings.insertSettingIfAbsent('device_ca_cert', ca.certPem);
      } else {
        for (let i = 0; i < 100 && !certPem; i++) {
          certPem = await settings.findSetting('device_ca_cert');
          if (!certPem) await new Promise((r) => setTimeout(r, 100));
        }
        if (!certPem) throw new Error('another server created the device CA key but not its certificate');
      }
    }
    return new DeviceCa({ certPem, keyPem: box.open(sealedKey) });
  }

  /**
   * Issues a client certificate naming the device id for the public key of a verified
   * request (SubjectPublicKeyInfo DER); returns DER, PEM, serial and expiry.
   */
  async issueDeviceCert(deviceId: number, spki: Buffer, days: number, now = Date.now()) {
    this.fixedExtensions ??= (async () => [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(this.caCert),
    ])();
    const extensions = (await this.fixedExtensions).map((e) => Buffer.from(e.rawData));
    const serial = randomSerial();
    // Whole seconds: X.509 times have no milliseconds, and the stored expiry must match.
    const notAfter = Math.floor((now + days * DAY) / 1000) * 1000;
    const der = issueCertificate({
      serialHex: serial,
      issuerName: this.issuerName,
      commonName: `${DEVICE_CN_PREFIX}${deviceId}`,
      organization: 'OpenUMS devices',
      notBefore: Math.floor((now - 5 * 60_000) / 1000) * 1000,
      notAfter,
      spki,
      extensions,
      caKey: this.caKey,
    });
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
    return { pem, der, serial: serial.toUpperCase(), expiresAt: notAfter };
  }

  /** PKCS#7 certs-only, base64 (EST's wire format for certificates). */
  static pkcs7(pems: string[]): string {
    return certsOnlyPkcs7(pems.map((p) => Buffer.from(new NodeX509(p).raw))).toString('base64');
  }

  /**
   * Verifies a certificate a device presented (TLS or a forwarded header): issued by this CA,
   * currently valid, naming a device. Returns the device id and serial, or a reason.
   * `signatureChecked`: the TLS handshake already verified it against the device CA (the only CA
   * of the ready context) — the signature is not checked twice (an ECDSA verification per
   * connection, 8 % of a worker's CPU in a reconnect storm).
   */
  verifyDeviceCert(cert: NodeX509, now = Date.now(), signatureChecked = false): { deviceId: number; serial: string } | { error: string } {
    if (cert.issuer !== this.cert.subject || (!signatureChecked && !cert.verify(this.cert.publicKey)))
      return { error: 'certificate is not issued by the device CA' };
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) return { error: 'certificate is expired or not yet valid' };
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? '';
    const id = cn.startsWith(DEVICE_CN_PREFIX) ? Number(cn.slice(DEVICE_CN_PREFIX.length)) : NaN;
    if (!Number.isSafeInteger(id) || id < 1) return { error: 'certificate does not name a device' };
    return { deviceId: id, serial: cert.serialNumber.toUpperCase() };
  }
}

/**
 * A degenerate PKCS#7 SignedData holding only certificates (RFC 2315 / RFC 5652 "certs-only"),
 * DER-encoded by hand: the generic ASN.1 library took ~3.5 ms per enrollment for this.
 */
export function certsOnlyPkcs7(certs: Buffer[]): Buffer {
  const OID_SIGNED_DATA = Buffer.from('06092a864886f70d010702', 'hex');
  const OID_DATA = Buffer.from('06092a864886f70d010701', 'hex');
  const signedData = tlv(
    0x30,
    Buffer.from('020101', 'hex'), // version 1
    tlv(0x31), // digestAlgorithms: empty SET
    tlv(0x30, OID_DATA), // encapContentInfo: data, no content
    tlv(0xa0, ...certs), // certificates [0] IMPLICIT SET OF Certificate
    tlv(0x31), // signerInfos: empty SET
  );
  return tlv(0x30, OID_SIGNED_DATA, tlv(0xa0, signedData));
}

function randomSerial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  // First byte 0x40-0x7f: positive, and no leading zero that DER would strip (the serial is
  // compared as text with what TLS peers present).
  b[0] = (b[0]! & 0x3f) | 0x40;
  return Buffer.from(b).toString('hex');
}
