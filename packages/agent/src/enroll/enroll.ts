import { join } from 'node:path';
import type { EnrollDeviceInfo } from '@openums/protocol';
import type { EnrollArgs } from '../cli/args.js';
import { collectLinuxSystemInfo } from '../collectors/linux-sysinfo.js';
import {
  createKeyAndCsr,
  csrForKey,
  deviceIdFromCert,
  keyMatchesCert,
  normalizeFingerprint,
  type DeviceKeyAndCsr,
} from '../crypto/x509.js';
import { primaryMac } from '../identity/mac.js';
import { STATE_FILES, saveIdentity, type Identity } from '../identity/state.js';
import { ensurePrivateDir, readTextIfExists, removeIfExists, writePrivateFile } from '../lib/files.js';
import { errorMessage, type Logger } from '../lib/log.js';
import { fetchCaCerts, fetchServerCa, requestCertificate, type ServerCa } from './est-client.js';

export class PinningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PinningError';
  }
}

/**
 * Fetches the server's web CA and pins it: it must match `expected` when given; without it we
 * trust on first use and say so loudly (the fingerprint can be compared with the server's).
 */
export async function pinServerCa(server: string, expected: string | undefined, log: Logger): Promise<ServerCa> {
  const want = expected === undefined ? undefined : normalizeFingerprint(expected);
  if (expected !== undefined && !want)
    throw new PinningError(`--ca-fingerprint "${expected}" is not a SHA-256 fingerprint (sha256:AA:BB:…)`);
  const ca = await fetchServerCa(server);
  if (want) {
    if (ca.fingerprint !== want) {
      throw new PinningError(
        `the server CA does not match --ca-fingerprint: expected ${want}, server presented ${ca.fingerprint}. Refusing to enroll (wrong server or interception).`,
      );
    }
    log.info(`server CA matches the given fingerprint ${want}`);
  } else {
    log.warn(
      `WARNING: trusting the server CA on first use, fingerprint ${ca.fingerprint}. Compare it with the fingerprint the server shows, or pass --ca-fingerprint next time.`,
    );
  }
  return ca;
}

/**
 * The key of this enrollment, kept before the request goes out: when the answer is lost (a
 * timeout, a dropped connection), running `enroll` again asks with the same key, and the server
 * recognises the same device instead of refusing a second enrollment of its unit id (409).
 */
async function pendingKeyAndCsr(stateDir: string, unitId: string): Promise<DeviceKeyAndCsr> {
  const path = join(stateDir, STATE_FILES.pendingKey);
  const kept = readTextIfExists(path);
  if (kept) {
    try {
      return await csrForKey(kept, unitId);
    } catch {
      // Not a key we can read (edited by hand?): a new one; a repeat then needs the usual remedy.
    }
  }
  const fresh = await createKeyAndCsr(unitId);
  writePrivateFile(path, fresh.keyPem);
  return fresh;
}

/** The command line's enroll arguments, plus a logger. */
export type EnrollOptions = Omit<EnrollArgs, 'force'> & { force?: boolean; log: Logger };

/** `openums-agent enroll`: pin the CA, make a key and CSR, EST simpleenroll, store the identity. */
export async function enrollDevice(opts: EnrollOptions): Promise<Identity> {
  const existing = readTextIfExists(join(opts.stateDir, STATE_FILES.agent));
  if (existing && !opts.force) {
    const rec = JSON.parse(existing) as { deviceId?: number };
    throw new Error(`already enrolled as device ${rec.deviceId ?? '?'} (${opts.stateDir}); pass --force to enroll again`);
  }
  ensurePrivateDir(opts.stateDir);

  const system = await collectLinuxSystemInfo().catch(() => null);
  const mac = primaryMac() ?? system?.macs[0] ?? null;
  const unitId = opts.unitId ?? mac;
  if (!unitId) throw new Error('this machine has no network interface with a MAC address; pass --unit-id');
  if (!mac) throw new Error('this machine has no network interface with a MAC address');

  const ca = await pinServerCa(opts.server, opts.caFingerprint, opts.log);
  const info: EnrollDeviceInfo = { unitId, mac };
  if (system) {
    info.product = system.product;
    info.version = system.version;
    if (system.serial) info.serial = system.serial;
    info.hostname = system.hostname;
  }
  if (opts.name) info.hostname = opts.name;

  const { keyPem, csrDer } = await pendingKeyAndCsr(opts.stateDir, unitId);
  const certPem = await requestCertificate({ server: opts.server, ca: ca.pem, csrDer, info, enrollmentKey: opts.key });
  if (!keyMatchesCert(keyPem, certPem)) throw new Error('the server returned a certificate for a different key');
  const deviceId = deviceIdFromCert(certPem);
  if (deviceId === null) throw new Error('the issued certificate does not name a device (expected CN=device-<id>)');

  const identity: Identity = {
    record: { server: opts.server, unitId, mac, deviceId, enrolledAt: new Date().toISOString(), caFingerprint: ca.fingerprint },
    keyPem,
    certPem,
    caPem: ca.pem,
  };
  // A new enrollment starts from its own server: forget an address an earlier server assigned.
  removeIfExists(join(opts.stateDir, STATE_FILES.serverAddress));
  saveIdentity(opts.stateDir, identity);
  removeIfExists(join(opts.stateDir, STATE_FILES.pendingKey));

  try {
    const deviceCa = await fetchCaCerts(opts.server, ca.pem);
    writePrivateFile(join(opts.stateDir, STATE_FILES.deviceCa), deviceCa.join(''));
  } catch (err) {
    opts.log.debug(`device CA not stored: ${errorMessage(err)}`);
  }
  return identity;
}
