import { DerError, parseAndVerifyCsr, type ParsedCsr } from '../../tls/der.js';
import { ErrorCode, type EnrollDeviceInfo } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../db/database.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { DeviceCa } from '../../tls/device-ca.js';
import type { LoginLimiter } from '../../auth/login-limiter.js';
import { newDeviceRow, type DevicesRepository } from '../devices/devices.repository.js';
import type { EnrollmentKeysService } from '../enrollment/enrollment-keys.service.js';
import type { EnrollmentKeyRow } from '../enrollment/enrollment-keys.repository.js';

export interface EnrollResult {
  deviceId: number;
  certDer: Buffer;
}

/**
 * EST enrollment: a device proves an enrollment key (or automatic registration is on), sends
 * a CSR, and gets a client certificate naming its device id. The device record is created, or
 * an existing one (same unit id or MAC: inventory record, earlier enrollment) is taken over.
 */
export class EnrollmentService {
  constructor(
    private readonly db: Db,
    private readonly devices: DevicesRepository,
    private readonly keys: EnrollmentKeysService,
    private readonly ca: DeviceCa,
    private readonly limiter: LoginLimiter,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly certDays: number,
  ) {}

  async enroll(opts: { key: string | null; info: EnrollDeviceInfo; csrBase64: string; clientAddress: string; lastIp: string }): Promise<EnrollResult> {
    const limitKey = `enroll:${opts.clientAddress}`;
    const wait = this.limiter.retryAfter(limitKey);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError(ErrorCode.RateLimited, `Too many failed enrollments; try again in ${seconds} s`, { retryAfterSeconds: seconds }, { 'retry-after': String(seconds) });
    }
    const csr = parseCsr(opts.csrBase64, opts.info.unitId);
    const settings = opts.key ? null : await this.keys.getSettings();
    if (!opts.key && !settings?.autoRegistration) {
      this.limiter.fail(limitKey);
      throw new AppError(ErrorCode.EnrollmentKeyInvalid, 'An enrollment key is required (automatic registration is off)');
    }
    const now = this.clock.now();
    const mac = opts.info.mac;
    try {
      const result = await this.db.transaction().execute(async (trx) => {
        let folderId: number | null = settings?.autoRegistrationFolderId ?? null;
        let boundToThisUnit = false;
        let usedKey: EnrollmentKeyRow | null = null;
        if (opts.key) {
          const check = await this.keys.checkKey(opts.key, opts.info.unitId, trx);
          if (!check.ok || !(await this.keys.use(check.key, trx))) {
            throw new AppError(ErrorCode.EnrollmentKeyInvalid, `Enrollment key refused: ${check.ok ? 'key is used' : check.reason}`);
          }
          folderId = check.key.folder_id === null ? null : Number(check.key.folder_id);
          boundToThisUnit = check.key.unit_id !== null;
          usedKey = check.key;
        }
        const facts = {
          unit_id: opts.info.unitId,
          product: opts.info.product ?? null,
          version: opts.info.version ?? null,
          network_name: opts.info.hostname ?? null,
          serial_number: opts.info.serial ?? null,
          serial_lc: opts.info.serial?.toLowerCase() ?? null,
          last_ip: opts.lastIp,
        };
        const existing = await this.devices.findDeviceForEnrollment(opts.info.unitId, mac, trx);
        // Taking over a record that still has a valid certificate would let anyone holding a
        // mass key impersonate that device: only a key bound to this unit id may do it.
        if (existing && existing.cert_serial !== null && !boundToThisUnit) {
          throw new AppError(
            ErrorCode.DeviceAlreadyEnrolled,
            `A device with unit id ${opts.info.unitId} or MAC ${mac} is already enrolled; delete it, reset it, or use a one-time key bound to its unit id`,
          );
        }
        let deviceId = existing?.id;
        if (deviceId === undefined) {
          deviceId = await this.devices.insertDevice(newDeviceRow({ mac, name: `ITC${mac}`, folderId, now, ...facts }), trx);
        }
        const cert = await this.ca.issueDeviceCert(deviceId, csr.spki, this.certDays, now);
        await this.devices.updateDevice(deviceId, { ...facts, mac, cert_serial: cert.serial, cert_expires_at: cert.expiresAt }, trx);
        return { deviceId, certDer: cert.der, usedKey };
      });
      if (result.usedKey) this.keys.countUnlimitedUse(result.usedKey);
      this.limiter.succeed(limitKey);
      this.events.publish({ type: 'device.changed', deviceId: result.deviceId });
      return { deviceId: result.deviceId, certDer: result.certDer };
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.EnrollmentKeyInvalid) this.limiter.fail(limitKey);
      throw err;
    }
  }

  /** Renewal over mutual TLS: the device already proved its current certificate. */
  async reenroll(deviceId: number, csrBase64: string): Promise<EnrollResult> {
    const csr = parseCsr(csrBase64, null);
    const cert = await this.ca.issueDeviceCert(deviceId, csr.spki, this.certDays, this.clock.now());
    if (!(await this.devices.updateDevice(deviceId, { cert_serial: cert.serial, cert_expires_at: cert.expiresAt }))) {
      throw new AppError(ErrorCode.ClientCertificateInvalid, 'The device no longer exists');
    }
    return { deviceId, certDer: cert.der };
  }
}

/** A PKCS#10 request: well-formed, self-signed correctly, ECDSA P-256, CN = unit id. */
function parseCsr(base64: string, unitId: string | null): ParsedCsr {
  const bad = (why: string) => new AppError(ErrorCode.CsrInvalid, `Certificate request refused: ${why}`);
  const der = Buffer.from(base64.replace(/\s+/g, ''), 'base64');
  if (der.length < 64 || der.length > 8192) throw bad('body is not a base64 DER PKCS#10 request');
  let csr: ParsedCsr;
  try {
    csr = parseAndVerifyCsr(der);
  } catch (err) {
    if (err instanceof DerError) throw bad(err.message === 'signature does not verify' ? 'signature does not verify (tampered request)' : err.message);
    throw err;
  }
  if (unitId !== null && csr.commonName !== unitId) throw bad(`subject CN must be the unit id ${unitId}`);
  return csr;
}
