import { describe, expect, it } from 'vitest';
import { DEFAULT_WAKE_ON_LAN_SETTINGS, directedBroadcast, magicPacket, prefixOf, sameNetwork } from '@openums/protocol';
import { cidrBroadcast, directTargets } from '../../src/modules/wake-on-lan/wol-targets.js';

describe('wake-on-LAN addresses and packet', () => {
  it('builds the magic packet: 6 × FF, then the MAC 16 times', () => {
    const p = magicPacket('00:1A:2b-3C4d5E');
    expect(p.length).toBe(102);
    expect([...p.slice(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
    for (let i = 0; i < 16; i++) expect([...p.slice(6 + i * 6, 12 + i * 6)]).toEqual([0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
    expect(() => magicPacket('00:1A:2B')).toThrow(/MAC/);
  });

  it('reads masks as prefixes and refuses non-contiguous ones', () => {
    expect(prefixOf('24')).toBe(24);
    expect(prefixOf('/22')).toBe(22);
    expect(prefixOf('255.255.252.0')).toBe(22);
    expect(prefixOf('255.255.255.255')).toBe(32);
    expect(prefixOf('0.0.0.0')).toBe(0);
    expect(prefixOf('255.0.255.0')).toBeNull();
    expect(prefixOf('33')).toBeNull();
  });

  it('computes broadcasts and networks', () => {
    expect(directedBroadcast('10.1.2.3', 24)).toBe('10.1.2.255');
    expect(directedBroadcast('10.1.2.3', 22)).toBe('10.1.3.255');
    expect(cidrBroadcast('172.16.0.0/12')).toBe('172.31.255.255');
    expect(cidrBroadcast('10.0.0.7/32')).toBe('10.0.0.7');
    expect(sameNetwork('10.1.2.3', '10.1.2.200', 24)).toBe(true);
    expect(sameNetwork('10.1.2.3', '10.1.3.3', 24)).toBe(false);
    expect(sameNetwork('10.1.2.3', '10.1.3.3', 22)).toBe(true);
  });

  it('lists each enabled target once, in the settings’ order', () => {
    const s = { ...DEFAULT_WAKE_ON_LAN_SETTINGS, subnets: ['10.9.0.0/16'], networkMasks: ['24', '255.255.255.0', '16'] };
    expect(directTargets(s, '10.9.4.20')).toEqual(['255.255.255.255', '10.9.4.20', '10.9.255.255', '10.9.4.255']);
    expect(directTargets({ ...s, broadcast: false, lastKnownIp: false }, null)).toEqual(['10.9.255.255']);
    // An IPv6 or garbage last IP contributes nothing.
    expect(directTargets({ ...s, broadcast: false }, 'fe80::1')).toEqual(['10.9.255.255']);
  });
});
