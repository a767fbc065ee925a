import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import { DEVICE_WS_PATH } from '@openums/protocol';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Config } from '../../src/config/schema.js';
import type { DialectName } from '../../src/db/dialect.js';
import { createTestDb, type TestDb, testServerConfig } from './db.js';
import { enroll, httpsCall, TestDevice, type Target } from './device.js';

const PASSWORD = 'device-channel-test';
let macCounter = 0x10;

/**
 * A real server (HTTPS + device gateway, fast pings and presence flushes, small message limit)
 * on a fresh database for one describe block, with helpers to enroll and connect devices. Call
 * it inside `describe`: it registers its own beforeAll/afterAll. `t` is set once it has started.
 */
export function channelServer(dialect: DialectName, gateway: Partial<Config['gateway']> = {}) {
  /** Real time plus an offset a test moves forward instead of sleeping (key expiry). */
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  let testDb: TestDb;
  let server: RunningServer;
  const s = {
    t: undefined as unknown as Target,
    token: '',
    clock,
    nextMac: () => `02AABBCC${(macCounter++).toString(16).toUpperCase().padStart(4, '0')}`,
    /** The test database, for a test that must set what only a device could (e.g. its last IP). */
    testDb: () => testDb,
    async api(method: string, path: string, body?: unknown) {
      const r = await httpsCall(s.t, method, path, {
        headers: { authorization: `Bearer ${s.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: r.status, body: r.body ? JSON.parse(r.body) : null };
    },
    async newKey(body: Record<string, unknown>) {
      const r = await s.api('POST', '/api/v1/enrollment-keys', body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.keys as Array<{ id: number; secret: string; status: string }>;
    },
    /** Enrolls a fresh device with a new mass key and connects it; returns its id and socket. */
    async onlineDevice() {
      const [key] = await s.newKey({ type: 'mass' });
      const mac = s.nextMac();
      const e = await enroll(s.t, key!.secret, { unitId: mac, mac });
      expect(e.status, e.body).toBe(200);
      const dev = (await TestDevice.connect(s.t, e)) as TestDevice;
      dev.hello(mac);
      const welcome = await dev.next((m) => m.t === 'welcome');
      return { id: welcome.deviceId as number, dev, mac, creds: e };
    },
    /**
     * Enrolls a fresh device and opens its channel on a raw ws client (no hello sent), for tests
     * that must control frames TestDevice handles itself; `autoPong: false` never answers a ping.
     */
    async rawDevice(opts: { autoPong: boolean }) {
      const [key] = await s.newKey({ type: 'mass' });
      const mac = s.nextMac();
      const e = await enroll(s.t, key!.secret, { unitId: mac, mac });
      expect(e.status, e.body).toBe(200);
      const ws = new WebSocket(`wss://127.0.0.1:${s.t.port}${DEVICE_WS_PATH}`, {
        ca: s.t.ca,
        servername: 'localhost',
        cert: e.certPem!,
        key: e.keyPem,
        perMessageDeflate: false,
        autoPong: opts.autoPong,
      });
      return { ws, mac };
    },
    async waitFor(fn: () => Promise<boolean>, ms = 10_000) {
      const end = Date.now() + ms;
      while (!(await fn())) {
        if (Date.now() > end) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    const config = testServerConfig(testDb);
    server = await startServer(
      {
        ...config,
        gateway: {
          ...config.gateway,
          pingIntervalSeconds: 1,
          pongTimeoutSeconds: 2,
          presenceFlushMs: 100,
          messagesPerMinute: 600,
          maxMessageBytes: 8192,
          ...gateway,
        },
      },
      { adminPassword: PASSWORD },
      { clock },
    );
    s.t = {
      port: (server.built.app.server.address() as { port: number }).port,
      ca: readFileSync(join(testDb.dataDir, 'tls/web-ca.crt'), 'utf8'),
    };
    const login = await httpsCall(s.t, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    s.token = JSON.parse(login.body).token;
  });
  afterAll(async () => {
    await server?.stop();
    await testDb?.drop();
  });
  return s;
}
