import { describe, expect, it } from 'vitest';
import { TlsContextCache } from '../src/connection/tls-context.js';
import { createTestCa, issueServerCert } from './support/pki.js';

describe('TlsContextCache', () => {
  it('builds a context once per set of credentials and again when they change (a renewed certificate)', async () => {
    const ca = await createTestCa('Context CA');
    const [a, b] = [await issueServerCert(ca), await issueServerCert(ca)];
    const cache = new TlsContextCache();
    const first = cache.get({ cert: a.certPem, key: a.keyPem, ca: ca.certPem });
    // Equal strings, not the same objects: still the same context.
    expect(cache.get({ cert: `${a.certPem}`, key: a.keyPem.slice(0), ca: ca.certPem })).toBe(first);
    const renewed = cache.get({ cert: b.certPem, key: b.keyPem, ca: ca.certPem });
    expect(renewed).not.toBe(first);
    expect(cache.get({ cert: b.certPem, key: b.keyPem, ca: ca.certPem })).toBe(renewed);
    // A key that does not parse is refused when the context is built (the attempt fails, is retried).
    expect(() => cache.get({ cert: b.certPem, key: 'not a key', ca: ca.certPem })).toThrow();
  });
});
