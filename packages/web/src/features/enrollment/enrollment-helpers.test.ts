import { describe, expect, it } from 'vitest';
import type { CreatedEnrollmentKey } from '../../api/enrollment';
import { parseUnitIds } from './create-keys-dialog';
import { enrollCommand, serverUrlFromLocation, shellQuote } from './enroll-command';
import { createdKeysCsv } from './keys-csv';

describe('enroll command line', () => {
  it("uses this page's host with an explicit port", () => {
    expect(serverUrlFromLocation({ protocol: 'https:', hostname: 'ums.example.com', port: '' })).toBe('https://ums.example.com:443');
    expect(serverUrlFromLocation({ protocol: 'https:', hostname: '127.0.0.1', port: '8443' })).toBe('https://127.0.0.1:8443');
  });

  it('builds the agent command with the key in the environment (not in ps), quoting only what a shell would misread', () => {
    const parts = { serverUrl: 'https://h:8443', key: 'oek_abc-DEF_1', caFingerprint: 'sha256:AA:BB' };
    expect(enrollCommand(parts)).toBe(
      'OPENUMS_ENROLLMENT_KEY=oek_abc-DEF_1 openums-agent enroll --server https://h:8443 --ca-fingerprint sha256:AA:BB --state-dir /var/lib/openums-agent',
    );
    expect(enrollCommand({ ...parts, caFingerprint: null }, true)).toBe(
      'OPENUMS_ENROLLMENT_KEY=oek_abc-DEF_1 openums-agent enroll \\\n  --server https://h:8443 \\\n  --state-dir /var/lib/openums-agent',
    );
    expect(enrollCommand({ ...parts, key: '<KEY>' })).toMatch(/^OPENUMS_ENROLLMENT_KEY=<KEY> openums-agent enroll /);
    expect(enrollCommand({ ...parts, key: "o'k" })).toMatch(/^OPENUMS_ENROLLMENT_KEY='o'\\''k' /);
    expect(enrollCommand(parts, true)).not.toContain('--key');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});

describe('createdKeysCsv', () => {
  it('writes one row per key with its secret, escaping fields and defusing formulas in comments', () => {
    const key = {
      id: 1,
      type: 'one-time',
      prefix: 'oek_abc…',
      secret: 'oek_abcdef',
      unitId: '00:11',
      folderId: null,
      maxUses: null,
      uses: 0,
      expiresAt: null,
      disabled: false,
      status: 'usable',
      comment: '=HYPERLINK("x"), "quoted"',
      createdAt: '',
      lastUsedAt: null,
    } as CreatedEnrollmentKey;
    expect(createdKeysCsv([key, { ...key, id: 2, secret: '-starts-with-dash', comment: null }]).split('\r\n')).toEqual([
      'id,type,prefix,secret,unitId,folderId,maxUses,expiresAt,comment',
      `1,one-time,oek_abc…,oek_abcdef,00:11,,,,"'=HYPERLINK(""x""), ""quoted"""`,
      '2,one-time,oek_abc…,-starts-with-dash,00:11,,,,',
      '',
    ]);
  });
});

describe('parseUnitIds', () => {
  it('splits on whitespace, commas and semicolons, drops duplicates and reports invalid ids', () => {
    expect(parseUnitIds(' 00:11:22:33:44:55\nAA-BB;aa-bb, AA-BB  bad/id ')).toEqual({
      ids: ['00:11:22:33:44:55', 'AA-BB', 'aa-bb', 'bad/id'],
      invalid: ['bad/id'],
    });
  });
});

describe('formatShortDateTime', () => {
  it('drops what the reader already knows, never the year of another year', async () => {
    const { formatShortDateTime } = await import('../../lib/format');
    const now = new Date(2026, 10, 27, 12, 0);
    expect(formatShortDateTime(null, now, 'Never')).toBe('Never');
    expect(formatShortDateTime(new Date(2026, 10, 27, 9, 5).toISOString(), now)).not.toMatch(/2026|Nov/);
    expect(formatShortDateTime(new Date(2026, 11, 4, 9, 5).toISOString(), now)).not.toMatch(/2026/);
    expect(formatShortDateTime(new Date(2027, 10, 27, 9, 5).toISOString(), now)).toMatch(/2027/);
  });
});
