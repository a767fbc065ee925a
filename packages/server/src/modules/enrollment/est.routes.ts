import { Ajv } from 'ajv';
import {
  EST_BASE_PATH,
  EST_STANDARD_BASE_PATH,
  ENROLL_INFO_HEADER,
  EnrollDeviceInfo,
  ErrorCode,
  REENROLL_PROOF_HEADER,
} from '@openums/protocol';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../lib/fastify.js';
import type { Metrics } from '../../lib/metrics.js';
import { AppError } from '../../lib/errors.js';
import { findUnsafeString } from '../../lib/text-safety.js';
import { unsafeTextError } from '../../lib/validation.js';
import { certsOnlyPkcs7, DeviceCa } from '../../tls/device-ca.js';
import type { EstEnrollmentService } from './est-enrollment.service.js';

const PKCS7 = 'application/pkcs7-mime; smime-type=certs-only';
const validateInfo = new Ajv({ allErrors: false, strict: false }).compile(EnrollDeviceInfo);

/** The device facts header, or null when absent (the service then reads the CSR). */
function deviceInfo(req: FastifyRequest): EnrollDeviceInfo | null {
  const raw = req.headers[ENROLL_INFO_HEADER];
  if (raw === undefined) return null;
  if (typeof raw !== 'string')
    throw new AppError(ErrorCode.ValidationFailed, `${ENROLL_INFO_HEADER} header must be sent once`, { field: ENROLL_INFO_HEADER });
  let info: unknown;
  try {
    info = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new AppError(ErrorCode.ValidationFailed, `${ENROLL_INFO_HEADER} header is not base64url JSON`, { field: ENROLL_INFO_HEADER });
  }
  if (!validateInfo(info)) {
    const e = validateInfo.errors?.[0];
    throw new AppError(
      ErrorCode.ValidationFailed,
      `${ENROLL_INFO_HEADER}${e?.instancePath.replace(/\//g, '.') ?? ''} ${e?.message ?? 'is invalid'}`,
      { field: ENROLL_INFO_HEADER },
    );
  }
  // Decoded from base64, so the request-wide check on text cannot see it.
  const unsafe = findUnsafeString(info, `headers.${ENROLL_INFO_HEADER}`);
  if (unsafe) throw unsafeTextError(unsafe);
  return info;
}

function presentedKey(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(h);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+(\S+)$/i.exec(h);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') || null;
  throw new AppError(ErrorCode.EnrollmentKeyInvalid, 'Authorization must be "Bearer <enrollment key>"');
}

/**
 * EST (RFC 7030) under the device connector path and at the standard /.well-known/est, same
 * handlers and access rules at both; bodies and answers are base64 DER.
 * `enrollment` is a getter: the service exists once the device CA is loaded (prepare()).
 */
/** `openums_enrollments_total{outcome}`: enrolled, renewed, refused (any 4xx, e.g. a bad key or CSR). */
async function counted<T>(metrics: Metrics, success: 'enrolled' | 'renewed', work: () => Promise<T>): Promise<T> {
  try {
    const out = await work();
    metrics.enrollments.inc({ outcome: success });
    return out;
  } catch (err) {
    if (err instanceof AppError && err.status < 500) metrics.enrollments.inc({ outcome: 'refused' });
    throw err;
  }
}

export function estRoutes(app: App, enrollment: () => EstEnrollmentService, ca: DeviceCa, metrics: Metrics): void {
  app.addContentTypeParser(
    ['application/pkcs10', 'application/pkcs10-base64'],
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_req, body, done) => done(null, body),
  );
  for (const base of [EST_BASE_PATH, EST_STANDARD_BASE_PATH]) estRoutesAt(app, base, enrollment, ca, metrics);
}

function estRoutesAt(app: App, base: string, enrollment: () => EstEnrollmentService, ca: DeviceCa, metrics: Metrics): void {
  app.get(`${base}/cacerts`, {
    config: { access: 'public' },
    schema: { tags: ['device connector'], summary: 'EST: the device CA certificate (PKCS#7, base64)' },
    handler: async (_req, reply) =>
      reply
        .type(PKCS7)
        .header('content-transfer-encoding', 'base64')
        .send(DeviceCa.pkcs7([ca.certPem])),
  });

  // Public at the HTTP layer: the enrollment key in Authorization is checked by the service.
  app.post(`${base}/simpleenroll`, {
    config: { access: 'public' },
    schema: { tags: ['device connector'], summary: 'EST: enroll a device with an enrollment key and a PKCS#10 request' },
    handler: async (req, reply) => {
      if (typeof req.body !== 'string')
        throw new AppError(ErrorCode.UnsupportedMediaType, 'Send the request as application/pkcs10 (base64 DER)');
      const body = req.body;
      const r = await counted(metrics, 'enrolled', () =>
        enrollment().enroll({
          key: presentedKey(req),
          info: deviceInfo(req),
          csrBase64: body,
          clientAddress: req.ip,
          lastIp: req.ip.replace(/^::ffff:/, ''),
        }),
      );
      req.log.info({ deviceId: r.deviceId }, 'device enrolled');
      return reply
        .type(PKCS7)
        .header('content-transfer-encoding', 'base64')
        .send(certsOnlyPkcs7([r.certDer]).toString('base64'));
    },
  });

  app.post(`${base}/simplereenroll`, {
    config: { access: 'device' },
    schema: {
      tags: ['device connector'],
      summary: `EST: renew the certificate (mutual TLS with the current one; through a TLS-terminating proxy also ${REENROLL_PROOF_HEADER})`,
    },
    handler: async (req, reply) => {
      if (typeof req.body !== 'string')
        throw new AppError(ErrorCode.UnsupportedMediaType, 'Send the request as application/pkcs10 (base64 DER)');
      const device = req.device!;
      const proof = req.headers[REENROLL_PROOF_HEADER];
      const body = req.body;
      const r = await counted(metrics, 'renewed', () =>
        enrollment().reenroll({
          current: { deviceId: device.deviceId, serial: device.serial, via: device.via, publicKey: device.cert.publicKey },
          csrBase64: body,
          proof: Array.isArray(proof) ? proof.join(',') : proof,
        }),
      );
      req.log.info({ deviceId: r.deviceId, via: device.via }, 'device certificate renewed');
      return reply
        .type(PKCS7)
        .header('content-transfer-encoding', 'base64')
        .send(certsOnlyPkcs7([r.certDer]).toString('base64'));
    },
  });
}
