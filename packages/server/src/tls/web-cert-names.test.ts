import { describe, expect, it } from 'vitest';
import { certificateNames, coversNames, hostOfAddress } from './web-cert-names.js';

describe('the names of the installation web certificate', () => {
  const a = {
    host: 'ums-a',
    addresses: ['10.0.0.1', 'fe80::1%eth0'],
    tlsNames: ['localhost', '127.0.0.1', '::1', 'ums-a', 'a.example.com'],
  };
  const b = { host: 'UMS-B', addresses: ['10.0.0.2', '2001:db8:0:0::2'], tlsNames: ['localhost', 'b.example.com', '10.0.0.2'] };

  it('are the union of every server host name, address and extra name, and the cluster address', () => {
    expect(certificateNames([a, b], 'https://ums.example.com:8443/')).toEqual({
      dnsNames: ['a.example.com', 'b.example.com', 'localhost', 'ums-a', 'ums-b', 'ums.example.com'],
      ipAddresses: ['10.0.0.1', '10.0.0.2', '127.0.0.1', '2001:db8::2', '::1'],
    });
  });

  it('take the host part of every accepted cluster address form, DNS name or IP', () => {
    expect(hostOfAddress('ums.example.com')).toBe('ums.example.com');
    expect(hostOfAddress('Ums.Example.com:8443')).toBe('ums.example.com');
    expect(hostOfAddress('https://10.0.0.5:443/')).toBe('10.0.0.5');
    expect(hostOfAddress('[2001:db8::1]:8443')).toBe('2001:db8::1');
    expect(hostOfAddress('https://[::1]')).toBe('::1');
    expect(certificateNames([], '[2001:DB8::1]:8443')).toEqual({ dnsNames: [], ipAddresses: ['2001:db8::1'] });
    expect(certificateNames([], null)).toEqual({ dnsNames: [], ipAddresses: [] });
  });

  it('skip what cannot be a SAN (zoned IPv6, junk from an old registry row) and keep wildcards', () => {
    const odd = { host: 'host_with_underscore', addresses: ['fe80::2%en0', ''], tlsNames: ['*.apps.example.com', 'two words'] };
    expect(certificateNames([odd], null)).toEqual({ dnsNames: ['*.apps.example.com'], ipAddresses: [] });
  });

  it('are covered by a certificate with every wanted name, more names allowed', () => {
    const want = certificateNames([b], 'ums.example.com');
    const cert = { dnsNames: [...want.dnsNames, 'old.example.com'], ipAddresses: ['0:0:0:0:0:0:0:1', ...want.ipAddresses] };
    expect(coversNames(cert, want)).toBe(true);
    expect(coversNames({ ...cert, dnsNames: cert.dnsNames.filter((n) => n !== 'ums.example.com') }, want)).toBe(false);
    expect(coversNames({ ...cert, ipAddresses: ['10.0.0.2'] }, want)).toBe(false);
  });
});
