import { describe, expect, it } from 'vitest';
import { formatProfileFile, parseProfileFile } from '../../src/modules/profiles/profile-file.js';

describe('profile file', () => {
  it('round-trips profiles, omitting secrets unless asked', () => {
    const text = formatProfileFile(
      [
        {
          name: 'Office RDP',
          type: 'standard',
          basedOn: '12.1',
          folderPath: ['Berlin', 'Office'],
          settings: { 'userinterface.screensaver.timeout': 5, 'network.dns.domain': 'corp.example', 'sessions.rdp[1].password': 'pw' },
        },
        { name: 'Plain', type: 'priority', basedOn: '12.1', folderPath: [], settings: {} },
      ],
      { includeSecrets: false, exportedAt: '2026-11-27T00:00:00.000Z' },
    );
    expect(text).not.toContain('"pw"');
    expect(text).toContain('# sessions.rdp[1].password: secret not exported');
    const { profiles, errors } = parseProfileFile(text);
    expect(errors).toEqual([]);
    expect(profiles).toMatchObject([
      {
        name: 'Office RDP',
        type: 'standard',
        basedOn: '12.1',
        folderPath: ['Berlin', 'Office'],
        settings: { 'userinterface.screensaver.timeout': 5, 'network.dns.domain': 'corp.example' },
      },
      { name: 'Plain', type: 'priority', folderPath: [], settings: {} },
    ]);
    const withSecret = parseProfileFile(
      formatProfileFile(
        [{ name: 'S', type: 'standard', basedOn: '12.1', folderPath: [], settings: { 'sessions.rdp[1].password': 'pw' } }],
        { includeSecrets: true, exportedAt: 'x' },
      ),
    );
    expect(withSecret.profiles[0]!.settings).toEqual({ 'sessions.rdp[1].password': 'pw' });
  });

  it('names the line and parameter of every error', () => {
    const text = [
      'openums-profiles 1',
      '[profile]',
      'name = Bad',
      'userinterface.screensaver.timeout = "five"',
      'no.such.parameter = 1',
      'network.dns.domain = corp.example',
      'colour = red',
      '[profile]',
      'type = special',
      'basedOn = twelve',
    ].join('\n');
    const { errors } = parseProfileFile(text);
    expect(errors).toEqual([
      expect.objectContaining({ line: 4, field: 'userinterface.screensaver.timeout' }),
      expect.objectContaining({ line: 5, field: 'no.such.parameter', message: expect.stringContaining('unknown parameter') }),
      expect.objectContaining({ line: 6, field: 'network.dns.domain', message: expect.stringContaining('not JSON') }),
      expect.objectContaining({ line: 7, field: 'colour' }),
      expect.objectContaining({ line: 8, field: 'name' }),
      expect.objectContaining({ line: 8, field: 'type' }),
      expect.objectContaining({ line: 8, field: 'basedOn' }),
    ]);
  });

  it('refuses a file without the header, settings before a profile and duplicates', () => {
    expect(parseProfileFile('').errors[0]).toMatchObject({ line: 1 });
    expect(parseProfileFile('name = x\n').errors[0]).toMatchObject({ line: 1, message: expect.stringContaining('openums-profiles 1') });
    const dup = parseProfileFile(
      'openums-profiles 1\nnetwork.dns.domain = "a"\n[profile]\nname = a\nname = b\nnetwork.dns.domain = "a"\nnetwork.dns.domain = "b"\n',
    );
    expect(dup.errors.map((e) => e.line)).toEqual([2, 5, 7]);
  });
});
