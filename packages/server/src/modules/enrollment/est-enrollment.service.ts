import { createHash, verify, type KeyObject } from 'node:crypto';
import { DerError, parseAndVerifyCsr, type ParsedCsr } from '../../tls/der.js';
import { ENROLL_INFO_HEADER, ErrorCode, REENROLL_PROOF_HEADER, reenrollProofMessage, type EnrollDeviceInfo } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import { isForeignKeyViolation } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../db/database.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { DeviceCa } from '../../tls/device-ca.js';
import type { LoginLimiter } from '../auth/login-limiter.js';
import { newDeviceRow, type DeviceRow, type DevicesRepository } from '../devices/devices.repository.js';
import type { EnrollmentKeysService } from './enrollment-keys.service.js';
import type { EnrollmentKeyRow } from './enrollment-keys.repository.js';
import { defaultDeviceName } from '../naming/naming-rules.js';
import type { NamingService } from '../naming/naming.service.js';
import type { EnrollmentPlaced, EnrollmentPlacement } from '../default-folder-rules/folder-placement.service.js';
import { transaction } from '../../db/transaction.js';

export interface EnrollResult {
  deviceId: number;
  certDer: Buffer;
}

/**
 * EST enrollment: a device proves an enrollment key (or automatic registration is on), sends
 * a CSR, and gets a client certificate naming its device id. The device record is created, or
 * an existing one (same unit id or MAC: inventory record, earlier enrollment) is taken over.
 */
export class EstEnrollmentService {
  constructor(
    private readonly db: Db,
    private readonly devices: DevicesRepository,
    private readonly keys: EnrollmentKeysService,
    private readonly ca: DeviceCa,
    private readonly limiter: LoginLimiter,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly certDays: number,
    /** Names a new device by the naming convention (null: `ITC<MAC>`). */
    private readonly naming: Pick<NamingService, 'nameNewDevice' | 'newDeviceNamed'> | null = null,
    /** Default folder rules (docs/folder-rules.md#precedence); null: the key's or automatic registration's folder. */
    private readonly placement: EnrollmentPlacement | null = null,
  ) {}

  async enroll(opts: {
    key: string | null;
    info: EnrollDeviceInfo | null;
    csrBase64: string;
    clientAddress: string;
    lastIp: string;
  }): Promise<EnrollResult> {
    const limitKey = `enroll:${opts.clientAddress}`;
    const wait = await this.limiter.retryAfter(limitKey);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError(
        ErrorCode.RateLimited,
        `Too many failed enrollments; try again in ${seconds} s`,
        { retryAfterSeconds: seconds },
        { 'retry-after': String(seconds) },
      );
    }
    const { csr } = parseCsr(opts.csrBase64, opts.info?.unitId ?? null);
    const keyHash = publicKeyHash(csr.spki);
    // Standard EST clients send no device facts: the CSR's CN (a MAC address) names the device.
    const info = opts.info ?? infoFromCsr(csr);
    const settings = opts.key ? null : await this.keys.getSettings();
    if (!opts.key && !settings?.autoRegistration) {
      await this.limiter.fail(limitKey);
      throw new AppError(ErrorCode.EnrollmentKeyInvalid, 'An enrollment key is required (automatic registration is off)');
    }
    const now = this.clock.now();
    const mac = info.mac;
    // Read before the transaction (the cache may look at the database); none: no extra query inside.
    const rules = this.placement ? await this.placement.rules() : null;
    let placement = rules && rules.count > 0 ? this.placement : null;
    let placed: EnrollmentPlaced | null = null;
    try {
      const attempt = () =>
        transaction(this.db, async (trx) => {
          let folderId: number | null = settings?.autoRegistrationFolderId ?? null;
          let boundToThisUnit = false;
          let usedKey: EnrollmentKeyRow | null = null;
          if (opts.key) {
            const check = await this.keys.checkKey(opts.key, info.unitId, trx);
            if (!check.ok || !(await this.keys.use(check.key, trx))) {
              throw new AppError(ErrorCode.EnrollmentKeyInvalid, `Enrollment key refused: ${check.ok ? 'key is used' : check.reason}`);
            }
            folderId = check.key.folder_id === null ? null : Number(check.key.folder_id);
            boundToThisUnit = check.key.unit_id !== null;
            usedKey = check.key;
          }
          const facts = {
            unit_id: info.unitId,
            product: info.product ?? null,
            version: info.version ?? null,
            network_name: info.hostname ?? null,
            serial_number: info.serial ?? null,
            serial_lc: info.serial?.toLowerCase() ?? null,
            last_ip: opts.lastIp,
          };
          const existing = await this.devices.findDeviceForEnrollment(info.unitId, mac, trx);
          // Taking over a record that still has a valid certificate would let anyone holding a
          // mass key impersonate that device: only a key bound to this unit id may do it — or the
          // holder of that certificate's own key (the CSR's signature proves it), repeating an
          // enrollment whose answer it never got (a timeout): the same device, not a takeover.
          const sameKey = existing?.cert_key_sha256 != null && existing.cert_key_sha256 === keyHash;
          if (existing && existing.cert_serial !== null && !boundToThisUnit && !sameKey) {
            throw new AppError(
              ErrorCode.DeviceAlreadyEnrolled,
              `A device with unit id ${info.unitId} or MAC ${mac} is already enrolled; delete it, reset it, or use a one-time key bound to its unit id`,
            );
          }
          let deviceId = existing?.id;
          if (deviceId === undefined) {
            // A pre-registered record (import, inventory) keeps its name; a new one is named by the convention.
            const name = this.naming ? await this.naming.nameNewDevice(mac, trx) : defaultDeviceName(mac);
            // The enrollment key's folder is an existing membership; automatic registration's is not.
            const facts0 = { ...newDeviceRow({ mac, name, folderId, now, ...facts }), id: 0 } as unknown as DeviceRow;
            placed =
              placement &&
              (await placement.place(rules!, { facts: facts0, current: folderId, member: !!usedKey && folderId !== null }, trx));
            deviceId = await this.devices.insertDevice(
              newDeviceRow({ mac, name, folderId: placed?.folderId ?? folderId, now, ...facts }),
              trx,
            );
            await this.naming?.newDeviceNamed(deviceId, name, trx);
          } else if (placement) placed = await placement.placeExisting(rules!, deviceId, { ...facts, mac }, trx);
          const cert = await this.ca.issueDeviceCert(deviceId, csr.spki, this.certDays, now);
          const certColumns = { cert_serial: cert.serial, cert_expires_at: cert.expiresAt, cert_key_sha256: keyHash };
          await this.devices.updateDevice(deviceId, { ...facts, mac, ...certColumns }, trx);
          if (placed) await placement!.recorded(deviceId, placed, trx);
          // No rules now: a folder that is a membership is written down for rules made later.
          else if (this.placement && (existing || (usedKey && folderId !== null))) await this.placement.recordMembership(deviceId, trx);
          return { deviceId, certDer: cert.der, usedKey };
        });
      let result: Awaited<ReturnType<typeof attempt>>;
      try {
        result = await attempt();
      } catch (err) {
        // A rule's folder deleted within the last second (the rule set's view of the folders): enroll without the rules.
        if (!placement || !isForeignKeyViolation(err)) throw err;
        placement = null;
        placed = null;
        result = await attempt();
      }
      if (result.usedKey) this.keys.countUnlimitedUse(result.usedKey);
      if (placed) await placement!.finish(result.deviceId, placed);
      await this.limiter.succeed(limitKey);
      this.events.publish({ type: 'device.changed', deviceId: result.deviceId });
      return { deviceId: result.deviceId, certDer: result.certDer };
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.EnrollmentKeyInvalid) await this.limiter.fail(limitKey);
      throw err;
    }
  }

  /**
   * Renewal with the current certificate. A TLS handshake proved its key; a certificate a proxy
   * forwarded in a header proves nothing (anyone who saw it can send it), so then the request
   * must carry a proof signed by the current key (REENROLL_PROOF_HEADER). A proof that is sent
   * is always checked. Nothing changes unless the presented certificate is still the current one.
   */
  async reenroll(opts: { current: PresentedCert; csrBase64: string; proof: string | undefined }): Promise<EnrollResult> {
    const { deviceId } = opts.current;
    const { csr, der } = parseCsr(opts.csrBase64, null);
    if (opts.proof !== undefined || opts.current.via === 'forwarded') checkProof(opts.current, der, opts.proof);
    const cert = await this.ca.issueDeviceCert(deviceId, csr.spki, this.certDays, this.clock.now());
    if (
      !(await this.devices.replaceCertSerial(deviceId, opts.current.serial, {
        cert_serial: cert.serial,
        cert_expires_at: cert.expiresAt,
        cert_key_sha256: publicKeyHash(csr.spki),
      }))
    ) {
      throw new AppError(ErrorCode.ClientCertificateInvalid, 'certificate revoked or replaced (or the device no longer exists)');
    }
    return { deviceId, certDer: cert.der };
  }
}

/** The certificate a renewal was authorised with, and how it reached the server. */
export interface PresentedCert {
  deviceId: number;
  serial: string;
  via: 'tls' | 'forwarded';
  publicKey: KeyObject;
}

function checkProof(current: PresentedCert, csrDer: Buffer, proof: string | undefined): void {
  if (proof === undefined || proof === '') {
    throw new AppError(
      ErrorCode.ReenrollProofInvalid,
      `Renewal through a TLS-terminating proxy needs the ${REENROLL_PROOF_HEADER} header (a signature by the current key), or renew over direct mutual TLS`,
    );
  }
  const signature = /^[A-Za-z0-9_-]{1,300}$/.test(proof) ? Buffer.from(proof, 'base64url') : null;
  let ok = false;
  try {
    ok =
      !!signature &&
      verify('sha256', reenrollProofMessage(current.serial, csrDer), { key: current.publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok)
    throw new AppError(
      ErrorCode.ReenrollProofInvalid,
      `${REENROLL_PROOF_HEADER} does not verify with the current certificate's key for this request`,
    );
}

/**
 * Device facts of an enrollment without ENROLL_INFO_HEADER: the subject CN must be a MAC address
 * (12 hex digits, optionally in pairs separated by ':' or '-'); unit id and MAC are those digits
 * in upper case.
 */
function infoFromCsr(csr: ParsedCsr): EnrollDeviceInfo {
  const cn = csr.commonName ?? '';
  if (!/^[0-9A-Fa-f]{12}$|^[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$/.test(cn)) {
    throw new AppError(
      ErrorCode.CsrInvalid,
      `Certificate request refused: without the ${ENROLL_INFO_HEADER} header the subject CN must be the device's MAC address (got ${JSON.stringify(cn.slice(0, 64))})`,
    );
  }
  const mac = cn.replace(/[:-]/g, '').toUpperCase();
  return { unitId: mac, mac };
}

/** A PKCS#10 request: well-formed, self-signed correctly, ECDSA P-256, CN = unit id. */
/** What the device row keeps of the key its certificate was issued for (SHA-256 of the DER SPKI, hex). */
function publicKeyHash(spki: Buffer): string {
  return createHash('sha256').update(spki).digest('hex');
}

function parseCsr(base64: string, unitId: string | null): { csr: ParsedCsr; der: Buffer } {
  const bad = (why: string) => new AppError(ErrorCode.CsrInvalid, `Certificate request refused: ${why}`);
  const der = Buffer.from(base64.replace(/\s+/g, ''), 'base64');
  if (der.length < 64 || der.length > 8192) throw bad('body is not a base64 DER PKCS#10 request');
  let csr: ParsedCsr;
  try {
    csr = parseAndVerifyCsr(der);
  } catch (err) {
    if (err instanceof DerError)
      throw bad(err.message === 'signature does not verify' ? 'signature does not verify (tampered request)' : err.message);
    throw err;
  }
  if (unitId !== null && csr.commonName !== unitId) throw bad(`subject CN must be the unit id ${unitId}`);
  return { csr, der };
}
