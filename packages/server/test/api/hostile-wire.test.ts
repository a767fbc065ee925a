import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceErrorCode, ErrorCode, errorStatus, PROTOCOL_VERSION } from '@openums/protocol';
import { DIALECTS } from '../helpers/db.js';
import { sysinfo, TestDevice } from '../helpers/device.js';
import { LiveServer } from '../helpers/live-server.js';

/** Writes raw bytes over TLS and reads the whole answer (the server closes after an error). */
function rawHttps(live: LiveServer, request: string): Promise<{ status: number; body: any; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: live.t.port, servername: 'localhost', ca: live.t.ca }, () => socket.end(request));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' && text ? undefined : reject(err)));
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // left as text; the assertions say what was expected
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: parsed, head });
    });
  });
}

describe.each(DIALECTS)('hostile input on the wire (%s)', (dialect) => {
  let live: LiveServer;

  beforeAll(async () => {
    live = await LiveServer.start(dialect);
  });
  afterAll(async () => {
    await live?.close();
  });

  it('refuses a device message with a NUL, a lone surrogate or an out-of-range number; another device in the same presence batch is still written', async () => {
    const bad = await live.enrollDevice();
    const good = await live.enrollDevice();
    const a = (await TestDevice.connect(live.t, { certPem: bad.creds.certPem!, keyPem: bad.creds.keyPem })) as TestDevice;
    const b = (await TestDevice.connect(live.t, { certPem: good.creds.certPem!, keyPem: good.creds.keyPem })) as TestDevice;
    try {
      const hellos = [
        { system: sysinfo({ hostname: 'thin\u0000client' }), expect: 'hello.system.hostname' },
        { system: sysinfo({ product: 'OpenUMS \ud800' }), expect: 'hello.system.product' },
        { system: sysinfo({ ips: ['10.0.0.1', '\udc00'] }), expect: 'hello.system.ips.1' },
        { system: sysinfo({ bootTime: 1e308 }), expect: 'bootTime' },
      ];
      for (const h of hellos) {
        // The good device's hello goes out right behind the bad one, into the same presence flush.
        a.send({ t: 'hello', v: PROTOCOL_VERSION, unitId: bad.mac, system: h.system });
        const error = await a.next((m) => m.t === 'error');
        expect(error.code).toBe(DeviceErrorCode.InvalidMessage);
        expect(error.message).toContain(h.expect);
      }
      b.send({ t: 'hello', v: PROTOCOL_VERSION, unitId: good.mac, system: sysinfo({ hostname: 'good-one' }) });
      const welcome = await b.next((m) => m.t === 'welcome');
      expect(a.received.filter((m) => m.t === 'welcome')).toEqual([]);

      await live.waitFor(async () => (await live.api('GET', `/api/v1/devices/${welcome.deviceId}`)).body.online === true);
      const info = await live.api('GET', `/api/v1/devices/${welcome.deviceId}/system-info`);
      expect(info.body.system.hostname).toBe('good-one');
      const metrics = await live.api('GET', '/metrics');
      expect(metrics.body).toMatch(/openums_device_message_errors_total\{reason="unsafe-text"\} 3/);
      // The refused device is still connected and is welcomed once it says hello properly.
      a.send({ t: 'hello', v: PROTOCOL_VERSION, unitId: bad.mac, system: sysinfo() });
      await a.next((m) => m.t === 'welcome');
    } finally {
      a.close();
      b.close();
    }
  });

  it("answers what Node's HTTP parser refuses with the error envelope: 431 for headers too large, 400 for a malformed request", async () => {
    const big = await rawHttps(live, `GET /api/v1/devices HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    expect(big.status, big.head).toBe(431);
    expect(big.body).toEqual({ error: { code: ErrorCode.HeadersTooLarge, message: expect.any(String) } });

    const many = await rawHttps(
      live,
      `GET /api/v1/devices HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
    );
    expect(many.status, many.head).toBe(431);
    expect(many.body.error.code).toBe(ErrorCode.HeadersTooLarge);

    const longUrl = await rawHttps(live, `GET /api/v1/devices?q=${'a'.repeat(40_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expect(longUrl.status, longUrl.head).toBe(431);
    expect(longUrl.body.error.code).toBe(ErrorCode.HeadersTooLarge);

    for (const request of [
      'FOO /api/v1/devices HTTP/1.1\r\nHost: localhost\r\n\r\n',
      'hello\r\n\r\n',
      'GET /api/v1/devices HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n',
    ]) {
      const r = await rawHttps(live, request);
      expect(r.status, `${JSON.stringify(request)} → ${r.head}`).toBe(400);
      expect(r.body).toEqual({ error: { code: ErrorCode.BadRequest, message: expect.any(String) } });
    }
  });

  it('answers a path that is not valid percent-encoding, an overlong path segment and a bad query escape with the envelope', async () => {
    const badPath = await rawHttps(live, 'GET /api/v1/devices/%ZZ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(badPath.status, badPath.head).toBe(400);
    expect(badPath.body).toEqual({ error: { code: ErrorCode.BadRequest, message: expect.any(String) } });

    // Past maxParamLength the router finds no route: 404 in the envelope (or 414 from frameworkErrors).
    const longSegment = await live.api('GET', `/api/v1/devices/${'1'.repeat(300)}`);
    expect([404, 414]).toContain(longSegment.status);
    expect(errorStatus[longSegment.body.error.code as ErrorCode]).toBe(longSegment.status);

    const badQuery = await live.api('GET', '/api/v1/devices?q=%ZZ');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error).toMatchObject({ code: ErrorCode.ValidationFailed, details: { field: 'query.q' } });
  });
});
