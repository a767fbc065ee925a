import { buildApp, type BuiltApp } from '../../src/app.js';
import { DEFAULTS, type Config } from '../../src/config/schema.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import type { DialectName } from '../../src/db/dialect.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger, type Logger } from '../../src/lib/logger.js';
import { Metrics } from '../../src/lib/metrics.js';
import type { DecisionObserver } from '../../src/modules/auth/access.js';
import {
  CAPTURE_ENV,
  registerSecret,
  registerSecretsIn,
  registerSecretsInHeaders,
  registerSecretsInText,
} from '../log-secrets/registry.js';
import { createTestDb, type TestDb } from './db.js';

export const ADMIN_PASSWORD = 'correct horse battery staple';

/** A mutable clock for tests: time moves only when the test says so. */
export class TestClock implements Clock {
  constructor(public t = Date.UTC(2026, 10, 27, 12)) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

export interface TestApp extends BuiltApp {
  testDb: TestDb;
  database: DatabaseHandle;
  clock: TestClock;
  /** Bearer token of the first administrator. */
  token: string;
  /** `inject` with the administrator's bearer token and JSON handling. */
  api(method: string, url: string, body?: unknown): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function buildTestApp(
  dialect: DialectName,
  opts: { prepare?: boolean; config?: Partial<Config>; wallClock?: Clock; logger?: Logger; onAccessDecision?: DecisionObserver } = {},
): Promise<TestApp> {
  const testDb = await createTestDb(dialect);
  // Wired like server.ts: the database reports query timings to the app's metrics.
  const metrics = new Metrics();
  const database = testDb.open(metrics.onQuery);
  const clock = new TestClock();
  const config: Config = { ...DEFAULTS, dataDir: testDb.dataDir, databaseUrl: testDb.databaseUrl, webRoot: null, ...opts.config };
  // Without a logger of the test's own, the app logs nothing to the terminal but everything to
  // the suite's capture directory, where the log-secret scan searches it (log-secrets/).
  const captureDir = process.env[CAPTURE_ENV];
  const logger = opts.logger ?? (captureDir ? createLogger('silent', { captureDir, pretty: false }) : undefined);
  registerSecret('password', ADMIN_PASSWORD);
  const built = await buildApp({
    config,
    database,
    serverId: 'test-server',
    clock,
    metrics,
    adminPassword: ADMIN_PASSWORD,
    ...(opts.wallClock ? { wallClock: opts.wallClock } : {}),
    ...(opts.onAccessDecision ? { onAccessDecision: opts.onAccessDecision } : {}),
    ...(logger ? { logger } : {}),
  });
  if (captureDir) registerWireSecrets(built);
  let token = '';
  if (opts.prepare !== false) {
    await built.prepare();
    const res = await built.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    token = res.json().token;
  }
  const t: TestApp = {
    ...built,
    testDb,
    database,
    clock,
    token,
    async api(method, url, body) {
      const res = await built.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${t.token}` },
        ...(body !== undefined ? { payload: body as object } : {}),
      });
      const text = res.body;
      return { status: res.statusCode, body: text ? safeJson(text) : null, headers: res.headers };
    },
    async close() {
      await built.app.close();
      await database.close();
      await testDb.drop();
    },
  };
  return t;
}

/** Every credential a test sends to the app or receives from it, however it calls it (api, inject, HTTPS). */
function registerWireSecrets(built: BuiltApp): void {
  built.app.addHook('preHandler', async (req) => {
    registerSecretsInHeaders(req.headers);
    registerSecretsIn(req.body);
  });
  built.app.addHook('onSend', async (_req, reply, payload) => {
    registerSecretsInHeaders({ 'set-cookie': reply.getHeader('set-cookie') });
    if (typeof payload === 'string') registerSecretsInText(payload);
    return payload;
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
