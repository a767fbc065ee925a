import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { enroll, TestDevice } from '../helpers/device.js';
import { ServerProcess } from '../helpers/server-process.js';

describe.each(DIALECTS)('commands survive kill -9 of the server (%s)', (dialect) => {
  let db: TestDb;
  let server: ServerProcess;
  const api = async (method: string, path: string, body?: unknown) => (await server.api(method, path, body)).body;
  const crashAndRestart = async () => {
    await server.kill();
    await server.start();
  };

  beforeAll(async () => {
    db = await createTestDb(dialect);
    server = new ServerProcess(db, await freePort());
    await server.start();
  });
  afterAll(async () => {
    await server?.kill();
    await db?.drop();
  });

  it('keeps a queued command and redelivers a sent, unfinished one after a crash', async () => {
    const key = (await api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).keys[0].secret;
    const mac = '02CC00000001';
    const creds = await enroll(server.t, key, { unitId: mac, mac });
    expect(creds.status).toBe(200);
    let dev = (await TestDevice.connect(server.t, creds)) as TestDevice;
    dev.hello(mac);
    const { deviceId } = await dev.next((m) => m.t === 'welcome');

    // Sent and acknowledged, but no result yet when the server dies.
    const sent = (await api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [deviceId], text: 'before crash' }))
      .commands[0];
    const cmd = await dev.next((m) => m.t === 'command');
    dev.send({ t: 'ack', id: cmd.id });
    await crashAndRestart();
    await dev.waitClosed();

    // Queued while the device is away, then another crash before it comes back.
    const queued = (await api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [deviceId] })).commands[0];
    expect(queued.state).toBe('queued');
    await crashAndRestart();

    dev = (await TestDevice.connect(server.t, creds)) as TestDevice;
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
