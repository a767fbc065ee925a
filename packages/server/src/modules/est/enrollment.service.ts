import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ErrorCode, type EnrollDeviceInfo } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../db/database.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { DeviceCa } from '../../tls/device-ca.js';
import type { LoginLimiter } from '../../auth/login-limiter.js';
import { newDeviceRow, type DevicesRepository } from '../devices/devices.repository.js';
import type { EnrollmentKeysService } from '../enrollment/enrollment-keys.service.js';

export interface EnrollResult {
  deviceId: number;
  certPem: string;
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
    const csr = await parseCsr(opts.csrBase64, opts.info.unitId);
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
        if (opts.key) {
          const check = await this.keys.checkKey(opts.key, opts.info.unitId, trx);
          if (!check.ok || !(await this.keys.consume(check.key, trx))) {
            throw new AppError(ErrorCode.EnrollmentKeyInvalid, `Enrollment key refused: ${check.ok ? 'key is used' : check.reason}`);
          }
          folderId = check.key.folder_id === null ? null : Number(check.key.folder_id);
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
        let deviceId = await this.devices.findDeviceIdForEnrollment(opts.info.unitId, mac, trx);
        if (deviceId === undefined) {
          deviceId = await this.devices.insertDevice(newDeviceRow({ mac, name: `ITC${mac}`, folderId, now, ...facts }), trx);
        }
        const cert = await this.ca.issueDeviceCert(deviceId, csr.publicKey, this.certDays, now);
        await this.devices.updateDevice(deviceId, { ...facts, mac, cert_serial: cert.serial, cert_expires_at: cert.expiresAt }, trx);
        return { deviceId, certPem: cert.pem };
      });
      this.limiter.succeed(limitKey);
      this.events.publish({ type: 'device.changed', deviceId: result.deviceId });
      return result;
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.EnrollmentKeyInvalid) this.limiter.fail(limitKey);
      throw err;
    }
  }

  /** Renewal over mutual TLS: the device already proved its current certificate. */
  async reenroll(deviceId: number, csrBase64: string): Promise<EnrollResult> {
    const csr = await parseCsr(csrBase64, null);
    const cert = await this.ca.issueDeviceCert(deviceId, csr.publicKey, this.certDays, this.clock.now());
    if (!(await this.devices.updateDevice(deviceId, { cert_serial: cert.serial, cert_expires_at: cert.expiresAt }))) {
      throw new AppError(ErrorCode.ClientCertificateInvalid, 'The device no longer exists');
    }
    return { deviceId, certPem: cert.pem };
  }
}

/** A PKCS#10 request: well-formed, self-signed correctly, ECDSA P-256, CN = unit id. */
async function parseCsr(base64: string, unitId: string | null): Promise<x509.Pkcs10CertificateRequest> {
  const bad = (why: string) => new AppError(ErrorCode.CsrInvalid, `Certificate request refused: ${why}`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    const der = Buffer.from(base64.replace(/\s+/g, ''), 'base64');
    if (der.length < 64 || der.length > 8192) throw new Error('size');
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch {
    throw bad('body is not a base64 DER PKCS#10 request');
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw bad('signature does not verify (tampered request)');
  const alg = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (alg.name !== 'ECDSA' || alg.namedCurve !== 'P-256') throw bad('key must be ECDSA P-256');
  if (unitId !== null) {
    const cn = csr.subjectName.getField('CN')[0];
    if (cn !== unitId) throw bad(`subject CN must be the unit id ${unitId}`);
  }
  return csr;
}
