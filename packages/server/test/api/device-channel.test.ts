import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EST_BASE_PATH } from '@openums/protocol';
import { loadConfig } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { enroll, httpsCall, makeCsr, pkcs7ToPem, sysinfo, TestDevice, type Target } from '../helpers/device.js';

const PASSWORD = 'device-channel-test';
let macCounter = 0x10;
const nextMac = () => `02AABBCC${(macCounter++).toString(16).toUpperCase().padStart(4, '0')}`;

describe.each(DIALECTS)('device channel over real mTLS (%s)', (dialect) => {
  /** Real time plus an offset the test moves forward instead of sleeping (key expiry). */
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  let testDb: TestDb;
  let server: RunningServer;
  let t: Target;
  let token: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await httpsCall(t, method, path, {
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: r.body ? JSON.parse(r.body) : null };
  };
  const newKey = async (body: Record<string, unknown>) => {
    const r = await api('POST', '/api/v1/enrollment-keys', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.keys as Array<{ id: number; secret: string; status: string }>;
  };
  /** Enrolls a fresh device with a new mass key and connects it; returns its id and socket. */
  const onlineDevice = async () => {
    const [key] = await newKey({ type: 'mass' });
    const mac = nextMac();
    const e = await enroll(t, key!.secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    const dev = (await TestDevice.connect(t, e)) as TestDevice;
    dev.hello(mac);
    const welcome = await dev.next((m) => m.t === 'welcome');
    return { id: welcome.deviceId as number, dev, mac, creds: e };
  };
  const waitFor = async (fn: () => Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    const config = loadConfig({
      env: {},
      flags: { dataDir: testDb.dataDir, databaseUrl: testDb.databaseUrl, port: 0, host: '127.0.0.1', logLevel: 'silent', bindRetrySeconds: 0 },
    });
    server = await startServer(
      { ...config, gateway: { ...config.gateway, pingIntervalSeconds: 1, presenceFlushMs: 100, messagesPerMinute: 600, maxMessageBytes: 8192 } },
      { adminPassword: PASSWORD },
      { clock },
    );
    t = { port: (server.built.app.server.address() as { port: number }).port, ca: readFileSync(join(testDb.dataDir, 'tls/web-ca.crt'), 'utf8') };
    const login = await httpsCall(t, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    token = JSON.parse(login.body).token;
  });
  afterAll(async () => {
    await server?.stop();
    await testDb?.drop();
  });

  it('serves the device CA over EST, separate from the web CA', async () => {
    const r = await httpsCall(t, 'GET', `${EST_BASE_PATH}/cacerts`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('application/pkcs7-mime');
    const pem = pkcs7ToPem(r.body);
    expect(pem).toContain('BEGIN CERTIFICATE');
    expect(pem).not.toBe(t.ca);
  });

  it('enrolls with a one-time key exactly once and creates the device from the key', async () => {
    const folder = await api('POST', '/api/v1/device-folders', { name: `enroll-${dialect}` });
    const keys = await newKey({ type: 'one-time', count: 2, folderId: folder.body.id });
    expect(keys).toHaveLength(2);
    expect(keys[0]!.secret).toMatch(/^oek_/);
    const mac = nextMac();
    const first = await enroll(t, keys[0]!.secret, { unitId: mac, mac, product: 'OpenUMS Linux', version: '12.1' });
    expect(first.status, first.body).toBe(200);
    const cn = /CN=device-(\d+)/.exec(first.certPem!) ? null : null;
    expect(cn).toBeNull();
    const { X509Certificate } = await import('node:crypto');
    const subject = new X509Certificate(first.certPem!).subject;
    const id = Number(/CN=device-(\d+)/.exec(subject)![1]);
    const device = await api('GET', `/api/v1/devices/${id}`);
    expect(device.body).toMatchObject({ mac, unitId: mac, name: `ITC${mac}`, folderId: folder.body.id, product: 'OpenUMS Linux', version: '12.1' });

    const again = await enroll(t, keys[0]!.secret, { unitId: nextMac(), mac: nextMac() });
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body).error.code).toBe('ENROLLMENT_KEY_INVALID');
    const listed = (await api('GET', '/api/v1/enrollment-keys')).body.items.find((k: any) => k.id === keys[0]!.id);
    expect(listed).toMatchObject({ status: 'used', uses: 1 });
    expect(JSON.stringify(listed)).not.toContain(keys[0]!.secret.slice(25));
  });

  it('refuses wrong, disabled, expired, exhausted and wrongly bound keys, and a tampered CSR', async () => {
    const info = () => {
      const mac = nextMac();
      return { unitId: mac, mac };
    };
    expect((await enroll(t, 'oek_AAAAAAAAAAAAAAAA_' + 'x'.repeat(43), info())).status).toBe(401);
    expect((await enroll(t, null, info())).status).toBe(401); // no key, automatic registration off

    const [disabled] = await newKey({ type: 'mass' });
    expect((await api('PATCH', `/api/v1/enrollment-keys/${disabled!.id}`, { disabled: true })).body.status).toBe('disabled');
    expect((await enroll(t, disabled!.secret, info())).status).toBe(401);

    const [expiring] = await newKey({ type: 'mass', expiresAt: new Date(clock.now() + 1500).toISOString() });
    clock.offset += 1700;
    const expired = await enroll(t, expiring!.secret, info());
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.body).error.message).toContain('expired');

    const [twice] = await newKey({ type: 'mass', maxUses: 2 });
    expect((await enroll(t, twice!.secret, info())).status).toBe(200);
    expect((await enroll(t, twice!.secret, info())).status).toBe(200);
    expect((await enroll(t, twice!.secret, info())).status).toBe(401);

    const bound = nextMac();
    const [boundKey] = await newKey({ type: 'one-time', unitIds: [bound] });
    expect((await enroll(t, boundKey!.secret, info())).status).toBe(401);
    expect((await enroll(t, boundKey!.secret, { unitId: bound, mac: bound })).status).toBe(200);

    const [mass] = await newKey({ type: 'mass' });
    const i = info();
    const { csrBase64 } = await makeCsr(i.unitId);
    const der = Buffer.from(csrBase64, 'base64');
    der[der.length - 5] = der[der.length - 5]! ^ 0xff; // flip a signature byte
    const tampered = await enroll(t, mass!.secret, i, der.toString('base64'));
    expect(tampered.status).toBe(400);
    expect(JSON.parse(tampered.body).error.code).toBe('CSR_INVALID');
    const wrongCn = await enroll(t, mass!.secret, i, (await makeCsr('someone-else')).csrBase64);
    expect(JSON.parse(wrongCn.body).error.code).toBe('CSR_INVALID');
    const notCsr = await enroll(t, mass!.secret, i, Buffer.from('hello world, not a csr at all............................................').toString('base64'));
    expect(notCsr.status).toBe(400);
    // None of the refused attempts created a device.
    const found = await api('GET', `/api/v1/devices?q=${i.mac}`);
    expect(found.body.items).toHaveLength(0);
  });

  it('does not let a mass key take over an enrolled device; a key bound to its unit id may', async () => {
    const { id, creds, mac, dev } = await onlineDevice();
    dev.close();
    const [mass] = await newKey({ type: 'mass' });
    const takeover = await enroll(t, mass!.secret, { unitId: mac, mac });
    expect(takeover.status).toBe(409);
    expect(JSON.parse(takeover.body).error.code).toBe('DEVICE_ALREADY_ENROLLED');
    expect((await api('GET', '/api/v1/enrollment-keys')).body.items.find((k: any) => k.id === mass!.id).uses).toBe(0);

    const [bound] = await newKey({ type: 'one-time', unitIds: [mac] });
    const again = await enroll(t, bound!.secret, { unitId: mac, mac });
    expect(again.status).toBe(200);
    expect(again.certPem).toContain(`BEGIN CERTIFICATE`);
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(again.certPem!).subject).toContain(`CN=device-${id}`);
    // The old certificate is no longer accepted.
    const old = (await TestDevice.connect(t, creds)) as TestDevice;
    expect((await old.waitClosed()).code).toBe(4001);
  });

  it('rate-limits repeated failed enrollments from one address with 429', async () => {
    let last = 0;
    for (let i = 0; i < 25 && last !== 429; i++) {
      // From an address of its own, so the block does not hit the other tests.
      last = (await enroll(t, `oek_BBBBBBBBBBBBBBBB_${'y'.repeat(43)}`, { unitId: '02FFFFFF0001', mac: '02FFFFFF0001' }, undefined, '127.0.0.9')).status;
    }
    expect(last).toBe(429);
    const [good] = await newKey({ type: 'mass' });
    const blocked = await enroll(t, good!.secret, { unitId: '02FFFFFF0002', mac: '02FFFFFF0002' }, undefined, '127.0.0.9');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('exports keys as CSV without secrets', async () => {
    const [k] = await newKey({ type: 'mass', comment: '=cmd|calc' });
    const r = await httpsCall(t, 'GET', '/api/v1/enrollment-keys/export.csv', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/csv');
    expect(r.body.split('\r\n')[0]).toContain('id,type,prefix,status');
    expect(r.body).not.toContain(k!.secret);
    expect(r.body).toContain("'=cmd|calc"); // formula defused
  });

  it('refuses channels without a device certificate or with one from another CA', async () => {
    const none = await TestDevice.connect(t, null);
    expect(none).toEqual({ status: 401 });
    const { createCa, issueServerCert } = await import('../../src/tls/pki.js');
    const otherCa = await createCa('Other CA');
    const foreign = await issueServerCert({ ca: otherCa, commonName: 'device-1', dnsNames: ['x'], ipAddresses: [], days: 1 });
    const r = await TestDevice.connect(t, { certPem: foreign.certPem, keyPem: foreign.keyPem });
    expect(r).toEqual({ status: 401 });
  });

  it('brings a device online with its system information and takes it offline when the socket closes', async () => {
    const { id, dev } = await onlineDevice();
    await waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.online === true);
    const d = (await api('GET', `/api/v1/devices/${id}`)).body;
    expect(d).toMatchObject({ online: true, lastIp: '127.0.0.1', product: 'OpenUMS Linux', networkName: 'thin-client-1' });
    expect(d.lastContact).not.toBeNull();
    // Searchable by its last IP (prefix) as well as by name.
    expect((await api('GET', '/api/v1/devices?q=127.0.0&limit=1000')).body.items.map((x: any) => x.id)).toContain(id);
    const si = await api('GET', `/api/v1/devices/${id}/system-info`);
    expect(si.body.system).toMatchObject({ cpu: { cores: 4 }, memory: { totalMb: 4096 } });
    dev.close();
    await waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.online === false, 10_000);
  });

  it('takes a device offline within 10 s when it stops answering pings', async () => {
    const { id, dev } = await onlineDevice();
    await waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.online === true);
    const started = Date.now();
    (dev.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // no more pongs
    await waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.online === false, 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    dev.close();
  });

  it('delivers commands now or when the device comes online, and redelivers until finished', async () => {
    const { id, dev, mac, creds } = await onlineDevice();
    const sent = await api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [id], text: 'Hello there' });
    expect(sent.status).toBe(201);
    expect(sent.body.commands[0]).toMatchObject({ deviceId: id, state: 'sent' });
    const cmd = await dev.next((m) => m.t === 'command');
    expect(cmd).toMatchObject({ command: 'send-message', text: 'Hello there', id: sent.body.commands[0].id });
    dev.send({ t: 'ack', id: cmd.id });
    dev.send({ t: 'result', id: cmd.id, ok: true, message: 'shown' });
    await waitFor(async () => (await api('GET', `/api/v1/commands/${cmd.id}`)).body.state === 'succeeded');
    const done = (await api('GET', `/api/v1/commands/${cmd.id}`)).body;
    expect(done).toMatchObject({ state: 'succeeded', message: 'shown', createdBy: 'admin' });
    expect(done.sentAt && done.acknowledgedAt && done.finishedAt).toBeTruthy();

    // Offline: queued, delivered on the next hello; not acknowledged → sent again after a reconnect.
    dev.close();
    await waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.online === false);
    const queued = await api('POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [id] });
    expect(queued.body.commands[0].state).toBe('queued');
    const qid = queued.body.commands[0].id;
    const dev2 = (await TestDevice.connect(t, creds)) as TestDevice;
    dev2.hello(mac);
    expect((await dev2.next((m) => m.t === 'command')).id).toBe(qid);
    dev2.close();
    const dev3 = (await TestDevice.connect(t, creds)) as TestDevice;
    dev3.hello(mac);
    expect((await dev3.next((m) => m.t === 'command')).id).toBe(qid);
    dev3.send({ t: 'ack', id: qid });
    dev3.send({ t: 'result', id: qid, ok: false, message: 'power actions disabled' });
    await waitFor(async () => (await api('GET', `/api/v1/commands/${qid}`)).body.state === 'failed');
    const history = await api('GET', `/api/v1/devices/${id}/commands`);
    expect(history.body.items.map((c: any) => c.id)).toEqual([qid, cmd.id]);
    // A reply about a command that was not sent on this channel is refused.
    dev3.send({ t: 'ack', id: 999999 });
    expect((await dev3.next((m) => m.t === 'error')).code).toBe('UNKNOWN_COMMAND');
    dev3.close();
  });

  it('validates command requests', async () => {
    const { id, dev } = await onlineDevice();
    const wake = await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [id] });
    expect(wake.status).toBe(422);
    expect(wake.body.error.code).toBe('COMMAND_NOT_SUPPORTED');
    expect((await api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [id] })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await api('POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [id, 987654] })).status).toBe(404);
    expect((await api('POST', '/api/v1/devices/commands', { command: 'explode', deviceIds: [id] })).status).toBe(400);
    expect((await api('GET', `/api/v1/devices/${id}/commands`)).body.items).toHaveLength(0);
    dev.close();
  });

  it('sends a command to every device of a folder', async () => {
    const folder = (await api('POST', '/api/v1/device-folders', { name: `fanout-${dialect}` })).body;
    const devs = [await onlineDevice(), await onlineDevice(), await onlineDevice()];
    await api('POST', '/api/v1/devices/move', { deviceIds: devs.map((d) => d.id), folderId: folder.id });
    const r = await api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', folderId: folder.id });
    expect(r.body.commands).toHaveLength(3);
    for (const d of devs) {
      const c = await d.dev.next((m) => m.t === 'command');
      d.dev.send({ t: 'ack', id: c.id });
      d.dev.send({ t: 'result', id: c.id, ok: true, system: sysinfo({ hostname: `refreshed-${d.id}` }) });
    }
    await waitFor(async () => (await api('GET', `/api/v1/devices/${devs[2]!.id}/system-info`)).body.system?.hostname === `refreshed-${devs[2]!.id}`);
    devs.forEach((d) => d.dev.close());
  });

  it('revokes the certificate and closes the channel when a device is deleted', async () => {
    const { id, dev, creds, mac } = await onlineDevice();
    expect((await api('DELETE', `/api/v1/devices/${id}`)).status).toBe(204);
    const closed = await dev.waitClosed();
    expect(closed.code).toBe(4004);
    const again = (await TestDevice.connect(t, creds)) as TestDevice;
    again.hello(mac);
    expect((await again.waitClosed()).code).toBe(4004);
  });

  it('revokes the certificate after a factory reset', async () => {
    const { id, dev, creds, mac } = await onlineDevice();
    const r = await api('POST', '/api/v1/devices/commands', { command: 'reset-factory-defaults', deviceIds: [id] });
    const c = await dev.next((m) => m.t === 'command');
    dev.send({ t: 'ack', id: c.id });
    dev.send({ t: 'result', id: c.id, ok: true });
    await waitFor(async () => (await api('GET', `/api/v1/commands/${r.body.commands[0].id}`)).body.state === 'succeeded');
    dev.close();
    const again = (await TestDevice.connect(t, creds)) as TestDevice;
    expect((await again.waitClosed()).code).toBe(4001);
    expect((await api('GET', `/api/v1/devices/${id}`)).status).toBe(200); // the inventory record stays
    void mac;
  });

  it('answers malformed, unknown, early and flooding messages with errors and keeps other devices working', async () => {
    const [key] = await newKey({ type: 'mass' });
    const mac = nextMac();
    const e = await enroll(t, key!.secret, { unitId: mac, mac });
    const dev = (await TestDevice.connect(t, e)) as TestDevice;
    dev.send({ t: 'heartbeat' });
    expect((await dev.next((m) => m.t === 'error')).code).toBe('HELLO_REQUIRED');
    dev.send('{not json');
    expect((await dev.next((m) => m.t === 'error')).code).toBe('INVALID_MESSAGE');
    dev.send({ t: 'teleport' });
    expect((await dev.next((m) => m.t === 'error')).message).toContain('unknown message type');
    dev.send({ t: 'hello', v: 1, unitId: mac, system: { hostname: 5 } });
    expect((await dev.next((m) => m.t === 'error')).message).toMatch(/hello/);

    const bystander = await onlineDevice();
    // Flood: far beyond the per-connection budget → rate-limit errors, then the channel is closed.
    for (let i = 0; i < 400; i++) dev.send({ t: 'heartbeat' });
    const closed = await dev.waitClosed();
    expect(closed.code).toBe(1008);
    // Oversized message: closed by the size limit.
    const big = (await TestDevice.connect(t, e)) as TestDevice;
    big.send({ t: 'hello', v: 1, unitId: mac, system: sysinfo({ hostname: 'x'.repeat(9000) }) });
    expect((await big.waitClosed()).code).toBe(1009);

    // The other device is unaffected.
    bystander.dev.send({ t: 'heartbeat' });
    const ping = await api('POST', '/api/v1/devices/commands', { command: 'suspend', deviceIds: [bystander.id] });
    expect((await bystander.dev.next((m) => m.t === 'command')).id).toBe(ping.body.commands[0].id);
    bystander.dev.close();

    const metrics = await httpsCall(t, 'GET', '/metrics');
    expect(metrics.body).toMatch(/openums_device_message_errors_total\{reason="rate-limited"\} [1-9]/);
    expect(metrics.body).toMatch(/openums_device_message_errors_total\{reason="not-json"\} [1-9]/);
    expect(metrics.body).toMatch(/openums_device_message_errors_total\{reason="too-large"\} [1-9]/);
  });
});
