import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { canonicalSettingsJson, type SystemInfo } from '@openums/protocol';
import type { Config } from '../../src/config/schema.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { DialectName as Dialect } from '../../src/db/dialect.js';
import { createTestDb, type TestDb, testServerConfig } from './db.js';
import { enroll, httpsCall, sysinfo, TestDevice, type Target } from './device.js';

const PASSWORD = 'live-server-test';
let macCounter = 0x100;

export const hashOf = (settings: Record<string, unknown>) =>
  createHash('sha256')
    .update(canonicalSettingsJson(settings as never))
    .digest('hex');

/** A real server (HTTPS + device gateway) on a fresh database, with an admin token. */
export class LiveServer {
  t!: Target;
  private token = '';
  private constructor(
    readonly testDb: TestDb,
    public server: RunningServer,
    private readonly config: Config,
  ) {}

  static async start(dialect: Dialect, gateway: Partial<Config['gateway']> = {}): Promise<LiveServer> {
    const testDb = await createTestDb(dialect);
    const base = testServerConfig(testDb);
    const config = {
      ...base,
      gateway: { ...base.gateway, pingIntervalSeconds: 1, presenceFlushMs: 100, messagesPerMinute: 600, ...gateway },
    };
    const live = new LiveServer(testDb, await startServer(config, { adminPassword: PASSWORD }), config);
    await live.connectApi();
    return live;
  }

  private async connectApi(): Promise<void> {
    this.t = {
      port: (this.server.built.app.server.address() as { port: number }).port,
      ca: readFileSync(join(this.testDb.dataDir, 'tls/web-ca.crt'), 'utf8'),
    };
    const login = await httpsCall(this.t, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    this.token = JSON.parse(login.body).token;
  }

  /** Stops and starts the server on the same database and port. */
  async restart(): Promise<void> {
    const port = this.t.port;
    await this.server.stop();
    this.server = await startServer({ ...this.config, port }, {});
    await this.connectApi();
  }

  async api(method: string, path: string, body?: unknown, contentType = 'application/json') {
    const r = await httpsCall(this.t, method, path, {
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let parsed: any = r.body;
    try {
      parsed = r.body ? JSON.parse(r.body) : null;
    } catch {
      // text answers (exports) stay text
    }
    return { status: r.status, body: parsed, headers: r.headers };
  }

  /** Enrolls a device with a new mass key (optionally into a folder); not connected yet. */
  async enrollDevice(folderId?: number) {
    const keys = await this.api('POST', '/api/v1/enrollment-keys', { type: 'mass', ...(folderId ? { folderId } : {}) });
    expect(keys.status, JSON.stringify(keys.body)).toBe(201);
    const mac = `02AABBDD${(macCounter++).toString(16).toUpperCase().padStart(4, '0')}`;
    const e = await enroll(this.t, keys.body.keys[0].secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    return { mac, creds: e };
  }

  /** Connects and says hello; with `settingsHash` the device takes settings. */
  async connect(
    dev: { mac: string; creds: { certPem: string | null; keyPem: string } },
    hello: { settingsHash?: string; system?: Partial<SystemInfo> } = {},
  ) {
    const ws = (await TestDevice.connect(this.t, { certPem: dev.creds.certPem!, keyPem: dev.creds.keyPem })) as TestDevice;
    ws.send({
      t: 'hello',
      v: 1,
      unitId: dev.mac,
      system: sysinfo(hello.system),
      ...(hello.settingsHash !== undefined ? { settingsHash: hello.settingsHash } : {}),
    });
    const welcome = await ws.next((m) => m.t === 'welcome');
    return { ws, id: welcome.deviceId as number };
  }

  async waitFor(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await this.server?.stop();
    await this.testDb?.drop();
  }
}
