import type { EnrollDeviceInfo } from '@openums/protocol';
import { createKeyAndCsr, deviceIdFromCert, keyMatchesCert, needsRenewal } from '../crypto/x509.js';
import { saveIdentity, type Identity } from '../identity/state.js';
import type { Logger } from '../lib/log.js';
import { requestCertificate } from './est-client.js';

export interface RenewInput {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  info: EnrollDeviceInfo;
  localAddress?: string;
}

/**
 * EST simplereenroll over mutual TLS with the current identity (and a proof of possession of
 * its key, see requestCertificate); a new key each time.
 */
export async function reenroll(input: RenewInput): Promise<{ keyPem: string; certPem: string }> {
  const { keyPem, csrDer } = await createKeyAndCsr(input.info.unitId);
  const certPem = await requestCertificate({
    server: input.server,
    ca: input.caPem,
    csrDer,
    info: input.info,
    identity: { cert: input.certPem, key: input.keyPem },
    localAddress: input.localAddress,
  });
  if (!keyMatchesCert(keyPem, certPem)) throw new Error('the server returned a certificate for a different key');
  return { keyPem, certPem };
}

/**
 * The real agent: renew when less than 1/3 of the lifetime is left; saves and returns the new
 * identity. `server`: where to renew (the address that worked last), default the enrollment one.
 */
export async function renewIfDue(
  stateDir: string,
  identity: Identity,
  log: Logger,
  now = Date.now(),
  server = identity.record.server,
): Promise<Identity | null> {
  if (!needsRenewal(identity.certPem, now)) return null;
  log.info('device certificate is in the last third of its lifetime: renewing (EST simplereenroll)');
  const { record } = identity;
  const fresh = await reenroll({
    server,
    caPem: identity.caPem,
    certPem: identity.certPem,
    keyPem: identity.keyPem,
    info: { unitId: record.unitId, mac: record.mac },
  });
  const next: Identity = {
    ...identity,
    keyPem: fresh.keyPem,
    certPem: fresh.certPem,
    record: { ...record, deviceId: deviceIdFromCert(fresh.certPem) ?? record.deviceId, renewedAt: new Date(now).toISOString() },
  };
  saveIdentity(stateDir, next);
  log.info('device certificate renewed');
  return next;
}
