import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_WS_PATH } from '@openums/protocol';
import { DIALECTS } from '../helpers/db.js';
import { httpsCall, sysinfo } from '../helpers/device.js';
import { LiveServer } from '../helpers/live-server.js';

const upgradeHeaders = () => ({
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': randomBytes(16).toString('base64'),
});

describe.each(DIALECTS)('device channel refusals over real mTLS (%s)', (dialect) => {
  let live: LiveServer;
  beforeAll(async () => {
    live = await LiveServer.start(dialect);
  });
  afterAll(() => live?.close());

  it('keeps the unit id of the first hello: a hello naming another unit is refused, the same unit is welcomed again', async () => {
    const dev = await live.enrollDevice();
    const { ws, id } = await live.connect(dev, { system: { hostname: 'first-name' } });
    await live.waitFor(async () => (await live.api('GET', `/api/v1/devices/${id}`)).body.online === true);

    ws.send({ t: 'hello', v: 1, unitId: '02FFFFFFFF01', system: sysinfo({ hostname: 'impostor' }) });
    const refused = await ws.next((m) => m.t === 'error');
    expect(refused.code).toBe('UNIT_ID_CHANGED');
    expect(refused.message).toContain(dev.mac);
    expect(ws.received.filter((m) => m.t === 'welcome')).toEqual([]);

    // Same unit id: answered with a welcome as before, and its system information is taken.
    ws.send({ t: 'hello', v: 1, unitId: dev.mac, system: sysinfo({ hostname: 'second-name' }) });
    expect((await ws.next((m) => m.t === 'welcome')).deviceId).toBe(id);
    await live.waitFor(async () => (await live.api('GET', `/api/v1/devices/${id}/system-info`)).body.system?.hostname === 'second-name');
    // The refused hello changed nothing: the channel still works for the original unit.
    expect(ws.closed).toBeNull();
    const cmd = await live.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [id] });
    expect(cmd.body.commands[0].state).toBe('sent');
    expect((await ws.next((m) => m.t === 'command')).id).toBe(cmd.body.commands[0].id);
    ws.close();
  });

  it('answers an upgrade on another path with 404 ROUTE_NOT_FOUND and one without a certificate with 401 CLIENT_CERTIFICATE_REQUIRED', async () => {
    const wrong = await httpsCall(live.t, 'GET', '/device-connector/device/elsewhere', { headers: upgradeHeaders() });
    expect(wrong.status).toBe(404);
    expect(JSON.parse(wrong.body).error.code).toBe('ROUTE_NOT_FOUND');
    const anonymous = await httpsCall(live.t, 'GET', DEVICE_WS_PATH, { headers: upgradeHeaders() });
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).error.code).toBe('CLIENT_CERTIFICATE_REQUIRED');
  });

  // Last: it takes the database away from this server.
  it('answers an upgrade it cannot serve for lack of a database with 503 SERVICE_UNAVAILABLE and Retry-After', async () => {
    const dev = await live.enrollDevice();
    await live.server.database.close();
    const r = await httpsCall(live.t, 'GET', DEVICE_WS_PATH, {
      headers: upgradeHeaders(),
      cert: dev.creds.certPem!,
      key: dev.creds.keyPem,
    });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).error).toEqual({ code: 'SERVICE_UNAVAILABLE', message: 'database unavailable' });
    expect(r.headers['retry-after']).toBe('5');
  });
});
