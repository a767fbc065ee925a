import { describe, expect, it } from 'vitest';
import { enrollServerUrl, serverUrlFromAddress } from './enroll-command';

const page = { protocol: 'https:', hostname: 'browser.example.com', port: '8443' };

describe('the server URL in enroll commands', () => {
  it('spells out the port of a configured address', () => {
    expect(serverUrlFromAddress('ums.example.com')).toBe('https://ums.example.com:443');
    expect(serverUrlFromAddress('ums.example.com:9443')).toBe('https://ums.example.com:9443');
    expect(serverUrlFromAddress('https://ums.example.com/')).toBe('https://ums.example.com:443');
    expect(serverUrlFromAddress('[2001:db8::1]:8443')).toBe('https://[2001:db8::1]:8443');
  });

  it('uses the enrollment address, else the cluster address, else the page', () => {
    expect(enrollServerUrl({ enrollmentAddress: 'enroll.example.com:9443', clusterAddress: 'ums.example.com' }, page)).toBe(
      'https://enroll.example.com:9443',
    );
    expect(enrollServerUrl({ enrollmentAddress: null, clusterAddress: 'ums.example.com' }, page)).toBe('https://ums.example.com:443');
    expect(enrollServerUrl({ enrollmentAddress: null, clusterAddress: null }, page)).toBe('https://browser.example.com:8443');
    expect(enrollServerUrl(undefined, page)).toBe('https://browser.example.com:8443');
  });
});
