import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { enroll, sysinfo, TestDevice } from '../helpers/device.js';
import { hashOf } from '../helpers/live-server.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';

const TIMEOUT = 'userinterface.screensaver.timeout';
let macCounter = 0x10;

/**
 * kill -9 at the worst moment: the server dies right after a commit (crash points, see
 * lib/crash-points.ts), before it has told anyone. A restarted server must behave as if the
 * change had been delivered or answered normally.
 */
describe.each(DIALECTS)('nothing is lost when the server dies right after a commit (%s)', (dialect) => {
  let db: TestDb;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await createTestDb(dialect);
    server = new ServerProcess(db, await freePort());
    await server.start();
  });
  afterAll(async () => {
    await server?.kill();
    await db?.drop();
  });

  const enrollInto = async (folderId: number) => {
    const keys = await server.api('POST', '/api/v1/enrollment-keys', { type: 'mass', folderId });
    const mac = `02CCDD00${(macCounter++).toString(16).toUpperCase().padStart(4, '0')}`;
    const e = await enroll(server.t, keys.body.keys[0].secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    return { mac, creds: { certPem: e.certPem!, keyPem: e.keyPem } };
  };
  const connect = async (d: { mac: string; creds: { certPem: string; keyPem: string } }, settingsHash: string) => {
    const ws = (await TestDevice.connect(server.t, d.creds)) as TestDevice;
    ws.send({ t: 'hello', v: 1, unitId: d.mac, system: sysinfo(), settingsHash });
    const welcome = await ws.next((m) => m.t === 'welcome');
    return { ws, id: welcome.deviceId as number };
  };
  const configState = async (id: number) => (await server.api('GET', `/api/v1/devices/${id}/settings`)).body.configChanges;
  const waitFor = async (fn: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await fn()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await fn()).toBe(true);
  };

  it('a folder assignment committed just before kill -9 reaches every device of the subtree after the restart', async () => {
    const top = (await server.api('POST', '/api/v1/device-folders', { name: 'Branch' })).body.id;
    const sub = (await server.api('POST', '/api/v1/device-folders', { name: 'Floor 2', parentId: top })).body.id;
    const profile = (await server.api('POST', '/api/v1/profiles', { name: 'Screensaver', type: 'standard', settings: { [TIMEOUT]: 7 } }))
      .body.id;
    const devices = [await enrollInto(top), await enrollInto(sub)];
    const empty = hashOf({});

    // Both devices hold their (empty) configuration: APPLIED, nothing due.
    await server.kill();
    await server.start({ OPENUMS_CRASH_POINT: 'configuration-committed' });
    const live = await Promise.all(devices.map((d) => connect(d, empty)));
    for (const { id } of live) await waitFor(async () => (await configState(id)) === 'APPLIED');

    // The assignment commits; the server dies before it pushes anything or answers.
    const exited = server.exited();
    await expect(
      server.api('POST', `/api/v1/profiles/${profile}/assignments`, { targets: [{ type: 'folder', id: top }] }),
    ).rejects.toThrow();
    await exited;
    for (const { ws } of live) await ws.waitClosed();

    await server.start();
    const assigned = await server.api('GET', `/api/v1/profiles/${profile}/assignments`);
    expect(assigned.body.items).toEqual([expect.objectContaining({ type: 'folder', id: top })]);
    for (const { id } of live) expect(await configState(id)).toBe('PENDING');

    // Each device comes back with its old store and is sent the change it missed.
    for (const d of devices) {
      const { ws, id } = await connect(d, empty);
      const msg = await ws.next((m) => m.t === 'settings');
      expect(msg.settings).toEqual({ [TIMEOUT]: 7 });
      ws.send({ t: 'settings-applied', revision: msg.revision, hash: msg.hash, ok: true });
      await waitFor(async () => (await configState(id)) === 'APPLIED');
      ws.close();
    }
  });

  it('commands committed just before kill -9 are created once: the retry with the same Idempotency-Key gets the first answer', async () => {
    const folder = (await server.api('POST', '/api/v1/device-folders', { name: 'Idempotent' })).body.id;
    const device = (await server.api('POST', '/api/v1/devices', { mac: '02:EE:00:00:00:01', name: 'kiosk', folderId: folder })).body.id;
    const body = { command: 'send-message', deviceIds: [device], text: 'only once' };
    const key = { 'idempotency-key': 'f3b8a2c4-0000-4000-8000-000000000001' };

    await server.kill();
    await server.start({ OPENUMS_CRASH_POINT: 'commands-committed' });
    const exited = server.exited();
    await expect(server.api('POST', '/api/v1/devices/commands', body, key)).rejects.toThrow();
    await exited;

    await server.start();
    const retry = await server.api('POST', '/api/v1/devices/commands', body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.commands).toEqual([{ id: expect.any(Number), deviceId: device, state: 'queued' }]);
    const history = await server.api('GET', `/api/v1/devices/${device}/commands`);
    expect(history.body.items.map((c: { id: number }) => c.id)).toEqual([retry.body.commands[0].id]);

    // The key stays bound to that request across a normal restart too.
    await server.kill();
    await server.start();
    const again = await server.api('POST', '/api/v1/devices/commands', body, key);
    expect(again.body).toEqual(retry.body);
    const other = await server.api('POST', '/api/v1/devices/commands', { ...body, text: 'something else' }, key);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await server.api('GET', `/api/v1/devices/${device}/commands`)).body.items).toHaveLength(1);
  });
});
