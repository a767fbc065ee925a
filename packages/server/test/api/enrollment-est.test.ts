import { beforeAll, describe, expect, it } from 'vitest';
import { EST_BASE_PATH } from '@openums/protocol';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { enroll, httpsCall, makeCsr, pkcs7ToPem, TestDevice, type Target } from '../helpers/device.js';

describe.each(DIALECTS)('EST enrollment with enrollment keys over real TLS (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, newKey, onlineDevice, nextMac, clock } = s;
  let t: Target;
  let token = '';
  beforeAll(() => {
    t = s.t;
    token = s.token;
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
    expect(device.body).toMatchObject({
      mac,
      unitId: mac,
      name: `ITC${mac}`,
      folderId: folder.body.id,
      product: 'OpenUMS Linux',
      version: '12.1',
    });

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
    const notCsr = await enroll(
      t,
      mass!.secret,
      i,
      Buffer.from('hello world, not a csr at all............................................').toString('base64'),
    );
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

  it('repeats an enrollment whose answer was lost when the same key pair asks again (no 409)', async () => {
    const [mass] = await newKey({ type: 'mass' });
    const mac = nextMac();
    const csr = await makeCsr(mac);
    // The first answer "never arrived" (a client timeout): the device asks again with its key.
    const first = await enroll(t, mass!.secret, { unitId: mac, mac }, csr.csrBase64);
    expect(first.status).toBe(200);
    const again = await enroll(t, mass!.secret, { unitId: mac, mac }, csr.csrBase64);
    expect(again.status).toBe(200);
    const { X509Certificate } = await import('node:crypto');
    const idOf = (pem: string) => Number(/CN=device-(\d+)/.exec(new X509Certificate(pem).subject)![1]);
    expect(idOf(again.certPem!)).toBe(idOf(first.certPem!));
    // The newest certificate is the device's; the lost one no longer counts.
    const dev = (await TestDevice.connect(t, { keyPem: csr.keyPem, certPem: again.certPem! })) as TestDevice;
    dev.hello(mac);
    expect((await dev.next((m) => m.t === 'welcome')).deviceId).toBe(idOf(again.certPem!));
    dev.close();
    const lost = (await TestDevice.connect(t, { keyPem: csr.keyPem, certPem: first.certPem! })) as TestDevice;
    expect((await lost.waitClosed()).code).toBe(4001);
    // Another key for the same unit id is still a takeover attempt.
    const other = await enroll(t, mass!.secret, { unitId: mac, mac });
    expect(other.status).toBe(409);
    expect(JSON.parse(other.body).error.code).toBe('DEVICE_ALREADY_ENROLLED');
    expect((await api('GET', `/api/v1/devices?q=${mac}`)).body.items).toHaveLength(1);
  });

  it('rate-limits repeated failed enrollments from one address with 429', async () => {
    let last = 0;
    for (let i = 0; i < 25 && last !== 429; i++) {
      // From an address of its own, so the block does not hit the other tests.
      last = (
        await enroll(t, `oek_BBBBBBBBBBBBBBBB_${'y'.repeat(43)}`, { unitId: '02FFFFFF0001', mac: '02FFFFFF0001' }, undefined, '127.0.0.9')
      ).status;
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
});
