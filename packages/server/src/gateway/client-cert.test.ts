import type { IncomingMessage } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_WS_PATH, FORWARDED_CERT_PATHS } from '@openums/protocol';
import { DEFAULTS } from '../config/schema.js';
import { createCa } from '../tls/pki.js';
import type { DeviceCa } from '../tls/device-ca.js';
import { identifyClient } from './client-cert.js';

/** A request from `addr` without a TLS client certificate, carrying `headers`. */
const request = (addr: string, headers: Record<string, string>) =>
  ({ socket: { remoteAddress: addr }, headers }) as unknown as IncomingMessage;
// The CA check itself is DeviceCa's (tested with the API); here every parsed certificate "verifies".
const ca = { verifyDeviceCert: () => ({ deviceId: 7, serial: 'AB' }) } as unknown as DeviceCa;
const cfg = { ...DEFAULTS.clientCertForwarding, enabled: true, trustedProxies: ['127.0.0.1'] };

describe('identifyClient: forwarded certificates', () => {
  let header: Record<string, string>;
  beforeAll(async () => {
    header = { 'x-ssl-cert': encodeURIComponent((await createCa('any certificate', 1)).certPem) };
  });

  it('accepts a forwarded certificate from a trusted proxy on the listed paths only', () => {
    expect(FORWARDED_CERT_PATHS).toContain(DEVICE_WS_PATH);
    for (const path of FORWARDED_CERT_PATHS) {
      expect(identifyClient(request('::ffff:127.0.0.1', header), cfg, ca, path)).toMatchObject({ ok: true, deviceId: 7, via: 'forwarded' });
    }
    for (const path of [
      '/device-connector/device/.well-known/est/simpleenroll',
      '/api/v1/devices',
      '/device-connector/device/portforwarding',
      '',
    ]) {
      const r = identifyClient(request('127.0.0.1', header), cfg, ca, path);
      expect(r, path).toMatchObject({ ok: false, reason: 'invalid' });
      expect(!r.ok && r.message, path).toContain('not accepted on');
    }
  });

  it("checks a forwarded certificate's signature; for a TLS one it relies on the handshake's check", () => {
    const checked: boolean[] = [];
    const spy = {
      verifyDeviceCert: (_c: unknown, _now: number, signatureChecked: boolean) => (
        checked.push(signatureChecked),
        { deviceId: 7, serial: 'AB' }
      ),
    } as unknown as DeviceCa;
    expect(identifyClient(request('127.0.0.1', header), cfg, spy, DEVICE_WS_PATH)).toMatchObject({ ok: true, via: 'forwarded' });
    const tls = (authorized: boolean) =>
      ({
        socket: {
          remoteAddress: '127.0.0.2',
          authorized,
          authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
          getPeerX509Certificate: () => ({}),
        },
        headers: {},
      }) as unknown as IncomingMessage;
    expect(identifyClient(tls(true), cfg, spy, DEVICE_WS_PATH)).toMatchObject({ ok: true, via: 'tls' });
    expect(checked).toEqual([false, true]);
    // A certificate the handshake did not verify is refused before any check of our own.
    expect(identifyClient(tls(false), cfg, spy, DEVICE_WS_PATH)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(checked).toHaveLength(2);
  });

  it('ignores the header from other addresses and when forwarding is off', () => {
    expect(identifyClient(request('127.0.0.2', header), cfg, ca, DEVICE_WS_PATH)).toMatchObject({ ok: false, reason: 'missing' });
    expect(identifyClient(request('127.0.0.1', header), { ...cfg, enabled: false }, ca, DEVICE_WS_PATH)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });
});
