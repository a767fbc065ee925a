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
    databasePreparedStatements: Type.Boolean({
      description: 'PostgreSQL: prepare the queries a process repeats (off behind a pooler that cannot keep them, ADR 0011)',
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
        pingIntervalSeconds: Type.Integer({
          minimum: 1,
          maximum: 3600,
          description: 'A channel from which nothing (message or pong) has arrived for this long is pinged',
        }),
        pongTimeoutSeconds: Type.Integer({
          minimum: 1,
          maximum: 300,
          description: 'A device that sends nothing within this time of a ping is offline',
        }),
        keepAliveSeconds: Type.Integer({
          minimum: 0,
          maximum: 7200,
          description: 'TCP keepalive on device sockets: idle time before the kernel probes (1 s apart, 10 probes); 0 = off',
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
    workers: Type.Union([Type.Integer({ minimum: 1, maximum: 64 }), Type.Literal('auto')], {
      description: 'Server processes on this host sharing the HTTPS port; auto = one per CPU core',
    }),
    cluster: Type.Object(
      {
        bus: Type.Union([Type.Literal('auto'), Type.Literal('local'), Type.Literal('ipc'), Type.Literal('postgres')], {
          description:
            'How processes wake each other: auto = PostgreSQL LISTEN/NOTIFY with PostgreSQL, the supervisor IPC channel with several workers on SQLite, none for one process',
        }),
        accept: Type.Union([Type.Literal('supervisor'), Type.Literal('workers')], {
          description:
            'With several workers: workers = each worker accepts from the shared port itself (no hand-off; the kernel spreads them, a full worker stops listening); supervisor = it accepts every connection and hands it to the workers in turn',
        }),
        beatSeconds: Type.Integer({ minimum: 1, maximum: 60, description: 'Each process beats this often; silent for 3 beats = dead' }),
        catchUpSeconds: Type.Integer({
          minimum: 1,
          maximum: 300,
          description: 'Each process looks for work a lost wake-up would have announced this often',
        }),
        leaseSeconds: Type.Integer({
          minimum: 3,
          maximum: 600,
          description: 'Singleton work (expiry, purges): a lease not renewed for this long moves to another process',
        }),
      },
      { additionalProperties: false },
    ),
    crashPoint: Type.Union([Type.Union(CRASH_POINTS.map((c) => Type.Literal(c))), Type.Null()], {
      description: 'Testing only: the process kills itself (SIGKILL) when it reaches this point, to prove crash safety',
    }),
    logCaptureDir: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description: 'Testing only: every log line down to debug is also appended to a file in this directory (the log-secret scan)',
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
  databasePreparedStatements: true,
  logLevel: 'info',
  tls: { minVersion: 'TLSv1.3', extraNames: [] },
  session: { ttlHours: 12 },
  webRoot: null,
  bindRetrySeconds: 10,
  gateway: {
    // Heartbeats are the application's proof of life; the channel itself says online/offline.
    // Every 5 min (the first after a random 0–5 min) keeps 100,000 devices at 333 messages/s.
    heartbeatSeconds: 300,
    heartbeatOffsetSeconds: 300,
    // Only a channel silent for longer than a heartbeat period is pinged: a device that beats is
    // never pinged, a hung agent is found by the ping (or at once when something is sent to it).
    // A vanished host is found by kernel keepalive (45 + 10 + F) or, with data in flight, by the
    // answer deadline every send starts (T + 2 + F): within 60 s. docs/devices.md#liveness.
    pingIntervalSeconds: 330,
    pongTimeoutSeconds: 10,
    keepAliveSeconds: 45,
    maxHandshakesInProgress: 300,
    maxMessageBytes: 64 * 1024,
    messagesPerMinute: 120,
    presenceFlushMs: 2000,
    deviceCertDays: 365,
  },
  clientCertForwarding: { enabled: false, header: 'X-SSL-CERT', trustedProxies: ['127.0.0.1', '::1'] },
  workers: 1,
  cluster: { bus: 'auto', accept: 'workers', beatSeconds: 5, catchUpSeconds: 5, leaseSeconds: 20 },
  crashPoint: null,
  logCaptureDir: null,
};
