import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { enroll, httpsCall, TestDevice, type Target } from '../helpers/device.js';

const BIN = new URL('../../bin/openums.js', import.meta.url).pathname;
const PASSWORD = 'crash-test-password';


/** `openums server` as its own process, so it can be killed with SIGKILL like a crash. */
async function launch(db: TestDb, port: number): Promise<ChildProcess> {
  const args = [BIN, 'server', '--data-dir', db.dataDir, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn'];
  if (db.databaseUrl) args.push('--database-url', db.databaseUrl);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, OPENUMS_ADMIN_PASSWORD: PASSWORD, OPENUMS_PING_INTERVAL_SECONDS: '2' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const t = { port, ca: '' };
  for (let i = 0; i < 300; i++) {
    try {
      t.ca = readFileSync(join(db.dataDir, 'tls/web-ca.crt'), 'utf8');
      const r = await httpsCall(t, 'GET', '/ums/check-status');
      if (r.status === 200 && JSON.parse(r.body).status === 'ok') return child;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

describe.each(DIALECTS)('commands survive kill -9 of the server (%s)', (dialect) => {
  let db: TestDb;
  let port: number;
  let server: ChildProcess;
  let t: Target;
  let token: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await httpsCall(t, method, path, {
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return JSON.parse(r.body || 'null');
  };
  const login = async () => {
    const r = await httpsCall(t, 'POST', '/api/v1/auth/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    token = JSON.parse(r.body).token;
  };
  const crashAndRestart = async () => {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGKILL');
    await exited;
    server = await launch(db, port);
  };

  beforeAll(async () => {
    db = await createTestDb(dialect);
    port = await freePort();
    server = await launch(db, port);
    t = { port, ca: readFileSync(join(db.dataDir, 'tls/web-ca.crt'), 'utf8') };
    await login();
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await db?.drop();
  });

  it('keeps a queued command and redelivers a sent, unfinished one after a crash', async () => {
    const key = (await api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).keys[0].secret;
    const mac = '02CC00000001';
    const creds = await enroll(t, key, { unitId: mac, mac });
    expect(creds.status).toBe(200);
    let dev = (await TestDevice.connect(t, creds)) as TestDevice;
    dev.hello(mac);
    const { deviceId } = await dev.next((m) => m.t === 'welcome');

    // Sent and acknowledged, but no result yet when the server dies.
    const sent = (await api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [deviceId], text: 'before crash' })).commands[0];
    const cmd = await dev.next((m) => m.t === 'command');
    dev.send({ t: 'ack', id: cmd.id });
    await crashAndRestart();
    await dev.waitClosed();

    // Queued while the device is away, then another crash before it comes back.
    await login(); // sessions are durable, but log in anew to be independent of the cache
    const queued = (await api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [deviceId] })).commands[0];
    expect(queued.state).toBe('queued');
    await crashAndRestart();

    dev = (await TestDevice.connect(t, creds)) as TestDevice;
    dev.hello(mac);
    const again = await dev.next((m) => m.t === 'command' && m.id === sent.id);
    expect(again).toMatchObject({ command: 'send-message', text: 'before crash' });
    const later = await dev.next((m) => m.t === 'command' && m.id === queued.id);
    expect(later.command).toBe('refresh-sysinfo');
    for (const id of [sent.id, queued.id]) {
      dev.send({ t: 'ack', id });
      dev.send({ t: 'result', id, ok: true });
    }
    for (let i = 0; i < 100; i++) {
      const states = await Promise.all([sent.id, queued.id].map(async (id) => (await api('GET', `/api/v1/commands/${id}`)).state));
      if (states.every((s) => s === 'succeeded')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await api('GET', `/api/v1/commands/${sent.id}`)).state).toBe('succeeded');
    expect((await api('GET', `/api/v1/commands/${queued.id}`)).state).toBe('succeeded');
    // The device was marked offline at restart, and is online again now (after the presence flush).
    for (let i = 0; i < 50 && !(await api('GET', `/api/v1/devices/${deviceId}`)).online; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await api('GET', `/api/v1/devices/${deviceId}`)).online).toBe(true);
    dev.close();
  });
});
