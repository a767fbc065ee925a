import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { enroll, httpsCall, sysinfo, TestDevice, type Target } from '../helpers/device.js';

describe.each(DIALECTS)('device channel over real mTLS (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, newKey, onlineDevice, waitFor, nextMac } = s;
  let t: Target;
  beforeAll(() => {
    t = s.t;
  });

  it('refuses channels without a device certificate or with one from another CA', async () => {
    const none = await TestDevice.connect(t, null);
    expect(none).toEqual({ status: 401 });
    const { createCa, issueServerCert } = await import('../../src/tls/pki.js');
    const otherCa = await createCa('Other CA');
    const foreign = await issueServerCert({ ca: otherCa, commonName: 'device-1', dnsNames: ['x'], ipAddresses: [], days: 1 });
    const r = await TestDevice.connect(t, { certPem: foreign.certPem, keyPem: foreign.keyPem });
    expect(r).toEqual({ status: 401 });
    // A CA of the same name as the device CA, another key: the TLS handshake's chain check refuses
    // it (the gateway does not verify the signature a second time).
    const lookalike = await createCa('OpenUMS Device CA', 20);
    expect(lookalike.certPem).not.toBe(t.ca);
    const forged = await issueServerCert({ ca: lookalike, commonName: 'device-1', dnsNames: ['x'], ipAddresses: [], days: 1 });
    expect(await TestDevice.connect(t, { certPem: forged.certPem, keyPem: forged.keyPem })).toEqual({ status: 401 });
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

  it('revokes the certificate and closes the channel when a device is deleted', async () => {
    const { id, dev, creds, mac } = await onlineDevice();
    expect((await api('DELETE', `/api/v1/devices/${id}`)).status).toBe(204);
    const closed = await dev.waitClosed();
    expect(closed.code).toBe(4004);
    const again = (await TestDevice.connect(t, creds)) as TestDevice;
    again.hello(mac);
    expect((await again.waitClosed()).code).toBe(4004);
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
