import type { Server as TlsServer } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@openums/protocol';
import type { Config } from './config/schema.js';
import { identifyClient } from './gateway/client-cert.js';
import { AppError } from './lib/errors.js';
import type { Metrics } from './lib/metrics.js';
import type { DeviceIdentifier } from './modules/auth/access.js';
import type { DevicesRepository } from './modules/devices/devices.repository.js';
import type { DeviceCa } from './tls/device-ca.js';
import type { AppDeps } from './app-deps.js';
import { startSharedTicketKeys } from './app-cluster.js';
import type { ClusterBus } from './cluster/bus.js';
import type { SingletonTasks } from './cluster/leases.js';
import type { SettingsRepository } from './db/settings.repository.js';
import type { Clock } from './lib/clock.js';
import type { App } from './lib/fastify.js';
import type { Logger } from './lib/logger.js';
import { SecretBox } from './lib/secret-box.js';
import type { KeyAndCert } from './tls/pki.js';
import type { SharedTicketKeys } from './tls/shared-ticket-keys.js';

/** The same on every process (Node's default derives it from the command line): a session begun on one server of the cluster resumes on another. */
const TLS_SESSION_ID_CONTEXT = 'openums';
/**
 * The context a process listens with until its database is open has no device CA: a device's
 * full handshake then ends with its certificate unverified, and the session it is given keeps
 * that result. Resumed later, on any process, the session would bring it back every time (the
 * device refused with 401 for as long as it kept the ticket — seen: devices that never came
 * online after a cold start). Sessions of that context carry another id context, which OpenSSL
 * will not resume under the ready one: the device makes one full handshake instead.
 */
export const STARTING_SESSION_ID_CONTEXT = 'openums-starting';

type Https = NonNullable<AppDeps['https']>;

/** The HTTPS port's TLS options when the server is created (the device CA joins in prepare()). */
export function httpsServerOptions(https: Https) {
  return {
    key: https.key,
    cert: https.cert,
    minVersion: https.minVersion,
    // Devices present client certificates on the same port: requested, never required, so
    // browsers are not prompted; the device paths check them. The device CA is added to the
    // context once the database is open (prepare()).
    requestCert: true,
    rejectUnauthorized: false,
    // TLS 1.3 tickets stay valid across restarts (keys in the data directory) for a day.
    sessionTimeout: 86_400,
    sessionIdContext: STARTING_SESSION_ID_CONTEXT,
    ...(https.ticketKeys ? { ticketKeys: https.ticketKeys } : {}),
  };
}

/**
 * The context of a ready process: the web certificate, the device CA that checks devices'
 * certificates, the cluster's session id context and the installation's ticket keys (a new
 * context has new ones).
 */
export function useReadyContext(
  tlsServer: TlsServer,
  c: { web: KeyAndCert; deviceCaPem: string; minVersion: Https['minVersion']; ticketKeys: Buffer | undefined },
): void {
  tlsServer.setSecureContext({
    key: c.web.keyPem,
    cert: c.web.certPem,
    ca: c.deviceCaPem,
    minVersion: c.minVersion,
    sessionIdContext: TLS_SESSION_ID_CONTEXT,
  });
  if (c.ticketKeys) tlsServer.setTicketKeys(c.ticketKeys);
}

/**
 * Once the database is open: the TLS context with the device CA, and the installation's shared
 * ticket keys (after setSecureContext, which would replace them). `setWebCert` switches the web
 * certificate later (the shared one) and keeps the installation's ticket keys.
 */
export async function startHttpsIdentity(p: {
  app: App;
  https: Https;
  deviceCaPem: string;
  settings: SettingsRepository;
  dataDir: string;
  clock: Clock;
  log: Logger | null;
  singletons: SingletonTasks;
  bus: ClusterBus;
}): Promise<{ setWebCert: (web: KeyAndCert) => void; ticketKeys: SharedTicketKeys | null }> {
  const tlsServer = p.app.server as unknown as TlsServer;
  const { minVersion } = p.https;
  let tlsKeys = p.https.ticketKeys;
  const setWebCert = (web: KeyAndCert) => useReadyContext(tlsServer, { web, deviceCaPem: p.deviceCaPem, minVersion, ticketKeys: tlsKeys });
  setWebCert({ keyPem: p.https.key, certPem: p.https.cert });
  let ticketKeys: SharedTicketKeys | null = null;
  if (p.https.ticketKeys) {
    ticketKeys = await startSharedTicketKeys({
      settings: p.settings,
      box: SecretBox.fromDataDir(p.dataDir),
      clock: p.clock,
      log: p.log,
      seed: p.https.ticketKeys,
      apply: (k) => {
        tlsKeys = k;
        tlsServer.setTicketKeys(k);
      },
      singletons: p.singletons,
      bus: p.bus,
    });
  }
  return { setWebCert, ticketKeys };
}

/**
 * The device behind a request's client certificate ('device' routes): the certificate must be
 * the device's current one (a replaced or revoked certificate is refused).
 */
export function deviceIdentifier(
  forwarding: Config['clientCertForwarding'],
  ca: () => DeviceCa,
  devices: Pick<DevicesRepository, 'findCertSerial'>,
  metrics: Metrics,
): DeviceIdentifier {
  return async (req: FastifyRequest) => {
    // The matched route, not the raw URL: the forwarded-path check must see what the router saw.
    const id = identifyClient(req.raw, forwarding, ca(), req.routeOptions.url ?? '');
    if (!id.ok) {
      metrics.deviceMessageErrors.inc({ reason: 'bad-certificate' });
      return new AppError(id.reason === 'missing' ? ErrorCode.ClientCertificateRequired : ErrorCode.ClientCertificateInvalid, id.message);
    }
    if ((await devices.findCertSerial(id.deviceId)) !== id.serial) {
      return new AppError(ErrorCode.ClientCertificateInvalid, 'certificate revoked or replaced');
    }
    return { deviceId: id.deviceId, serial: id.serial, via: id.via, cert: id.cert };
  };
}
