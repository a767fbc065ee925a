import { DEFAULT_NAMING_SETTINGS, type NamingSettings } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import { checkNamingSettings, conventionName, networkNameProblem, numberOfName } from './naming-rules.js';

const s = (over: Partial<NamingSettings>): NamingSettings => ({ ...DEFAULT_NAMING_SETTINGS, enabled: true, ...over });

describe('naming rules', () => {
  it('names ITC<MAC> when off, prefix + MAC or prefix + padded number when on', () => {
    expect(conventionName(DEFAULT_NAMING_SETTINGS, '00E0C5123456', 7)).toBe('ITC00E0C5123456');
    expect(conventionName(s({ prefix: 'TC-' }), '00E0C5123456', 7)).toBe('TC-00E0C5123456');
    expect(conventionName(s({ prefix: 'PC', identifier: 'sequential', digits: 4 }), '00E0C5123456', 7)).toBe('PC0007');
    // A number longer than the digits is not cut.
    expect(conventionName(s({ prefix: 'PC', identifier: 'sequential', digits: 2 }), 'x', 1234)).toBe('PC1234');
  });

  it('recognises only the canonical numbered names', () => {
    const seq = s({ prefix: 'PC', identifier: 'sequential', digits: 4 });
    expect(numberOfName(seq, 'PC0007')).toBe(7);
    expect(numberOfName(seq, 'PC12345')).toBe(12345);
    expect(numberOfName(seq, 'PC00007')).toBeNull();
    expect(numberOfName(seq, 'PC007')).toBeNull();
    expect(numberOfName(seq, 'PC0000')).toBeNull();
    expect(numberOfName(seq, 'XX0007')).toBeNull();
    expect(numberOfName(seq, 'PC00a7')).toBeNull();
    expect(numberOfName(s({ identifier: 'mac' }), 'ITC0007')).toBeNull();
  });

  it('holds network names to 15 letters, digits and inner dashes', () => {
    expect(networkNameProblem('ITC00E0C5123456')).toBeNull();
    expect(networkNameProblem('a'.repeat(16))).toContain('16 characters');
    expect(networkNameProblem('-desk')).toContain('letters, digits');
    expect(networkNameProblem('desk 2')).toContain('letters, digits');
    expect(networkNameProblem('desk-2')).toBeNull();
  });

  it('refuses settings whose names would not fit while "adjust network name" is on', () => {
    expect(() => checkNamingSettings(s({ prefix: 'ITC', adjustNetworkName: true }))).not.toThrow();
    expect(() => checkNamingSettings(s({ prefix: 'TC-X', adjustNetworkName: true }))).toThrow(/16 characters long/);
    expect(() => checkNamingSettings(s({ prefix: 'TC-X' }))).not.toThrow();
    expect(() =>
      checkNamingSettings(s({ prefix: 'ABCDEFGHIJK', identifier: 'sequential', digits: 4, adjustNetworkName: true })),
    ).not.toThrow();
    expect(() =>
      checkNamingSettings(s({ prefix: 'ABCDEFGHIJKL', identifier: 'sequential', digits: 4, adjustNetworkName: true })),
    ).toThrow();
  });
});
