import { Type, type Static } from 'typebox';
import { CRASH_POINTS } from '../lib/crash-points.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every setting of `openums server`; the one place that says what is valid. */
export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, description: 'Directory for the database file, keys and certificates' }),
    host: Type.String({ minLength: 1, description: 'Address the HTTPS port binds to' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'HTTPS port (web app, API, device connector)' }),
    databaseUrl: Type.Union([Type.String({ pattern: '^postgres(ql)?://' }), Type.Null()], {
      description: 'postgres://… to use PostgreSQL; null = embedded SQLite file in the data directory',
    }),
    logLevel: Type.Union([
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ]),
    tls: Type.Object(
      {
        minVersion: Type.Union([Type.Literal('TLSv1.2'), Type.Literal('TLSv1.3')]),
        extraNames: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
          description: 'Additional DNS names or IP addresses for the web certificate',
        }),
      },
      { additionalProperties: false },
    ),
    session: Type.Object({ ttlHours: Type.Integer({ minimum: 1, maximum: 24 * 30 }) }, { additionalProperties: false }),
    webRoot: Type.Union([Type.String(), Type.Null()], { description: 'Directory of the built web app; null = the bundled one' }),
    bindRetrySeconds: Type.Integer({
      minimum: 0,
      maximum: 600,
      description: 'Keep retrying a busy port this long (a killed predecessor may still hold it)',
    }),
    gateway: Type.Object(
      {
        heartbeatSeconds: Type.Integer({ minimum: 5, maximum: 86_400 }),
        heartbeatOffsetSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
        pingIntervalSeconds: Type.Integer({ minimum: 1, maximum: 300, description: 'Server pings each device this often' }),
        pongTimeoutSeconds: Type.Integer({
          minimum: 1,
          maximum: 300,
          description: 'A device that does not answer a ping within this time is offline',
        }),
        maxHandshakesInProgress: Type.Integer({ minimum: 1, maximum: 100_000 }),
        maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024 }),
        messagesPerMinute: Type.Integer({ minimum: 1, maximum: 100_000 }),
        presenceFlushMs: Type.Integer({ minimum: 50, maximum: 600_000 }),
        deviceCertDays: Type.Integer({ minimum: 1, maximum: 3650 }),
      },
      { additionalProperties: false },
    ),
    clientCertForwarding: Type.Object(
      {
        enabled: Type.Boolean(),
        header: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9-]+$' }),
        trustedProxies: Type.Array(Type.String({ minLength: 1 }), {
          description: 'Addresses of TLS-terminating proxies allowed to forward certificates',
        }),
      },
      { additionalProperties: false },
    ),
    crashPoint: Type.Union([Type.Union(CRASH_POINTS.map((c) => Type.Literal(c))), Type.Null()], {
      description: 'Testing only: the process kills itself (SIGKILL) when it reaches this point, to prove crash safety',
    }),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema>;

export const DEFAULTS: Config = {
  dataDir: './data',
  host: '::',
  port: 8443,
  databaseUrl: null,
  logLevel: 'info',
  tls: { minVersion: 'TLSv1.3', extraNames: [] },
  session: { ttlHours: 12 },
  webRoot: null,
  bindRetrySeconds: 10,
  gateway: {
    heartbeatSeconds: 60,
    heartbeatOffsetSeconds: 10,
    // Worst case a vanished device is noticed after 8 + 2 = 10 s; 15,000 devices cost 1,875 pings/s.
    pingIntervalSeconds: 8,
    pongTimeoutSeconds: 2,
    maxHandshakesInProgress: 300,
    maxMessageBytes: 64 * 1024,
    messagesPerMinute: 120,
    presenceFlushMs: 2000,
    deviceCertDays: 365,
  },
  clientCertForwarding: { enabled: false, header: 'X-SSL-CERT', trustedProxies: ['127.0.0.1', '::1'] },
  crashPoint: null,
};
