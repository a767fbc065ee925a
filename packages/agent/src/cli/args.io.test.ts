import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAddressRange, parseEnrollArgs, parseRunArgs, parseSimulateArgs, UsageError } from './args.js';
import { addressShare } from '../simulate/coordinator.js';

const FP = `sha256:${'AB:'.repeat(31)}AB`;

describe('command-line options', () => {
  it('parses enroll', () => {
    expect(
      parseEnrollArgs([
        '--server',
        'https://ums.example.com:8443/x',
        '--key',
        'k',
        '--state-dir',
        '/s',
        '--ca-fingerprint',
        FP,
        '--unit-id',
        'AA:BB',
      ]),
    ).toEqual({
      server: 'https://ums.example.com:8443',
      key: 'k',
      stateDir: '/s',
      caFingerprint: FP,
      unitId: 'AA:BB',
      name: undefined,
      force: false,
    });
  });

  it.each([
    [['--key', 'k', '--state-dir', '/s'], /--server is required/],
    [['--server', 'http://x', '--key', 'k', '--state-dir', '/s'], /https/],
    [['--server', 'not a url', '--key', 'k', '--state-dir', '/s'], /not a URL/],
    [['--server', 'https://x', '--state-dir', '/s'], /an enrollment key is required: --key-file FILE, OPENUMS_ENROLLMENT_KEY or --key KEY/],
    [['--server', 'https://x', '--key', 'k', '--key-file', '/k', '--state-dir', '/s'], /either --key or --key-file/],
    [['--server', 'https://x', '--key', 'k'], /--state-dir is required/],
    [['--server', 'https://x', '--key', 'k', '--state-dir', '/s', '--ca-fingerprint', 'abc'], /fingerprint/],
    [['--server', 'https://x', '--key', 'k', '--state-dir', '/s', '--unit-id', 'a b'], /--unit-id/],
    [['--server', 'https://x', '--key', 'k', '--state-dir', '/s', '--bogus'], /Unknown option/],
  ])('rejects enroll %j', (argv, msg) => {
    expect(() => parseEnrollArgs(argv)).toThrow(UsageError);
    expect(() => parseEnrollArgs(argv)).toThrow(msg);
  });

  it('takes the enrollment key from --key-file or OPENUMS_ENROLLMENT_KEY, out of the process list', () => {
    const base = ['--server', 'https://h', '--state-dir', '/s'];
    const files: Record<string, string> = { '/etc/openums/enroll.key': 'oek_from_file\n', '/empty': ' \n', '/two': 'oek_a\noek_b\n' };
    const readFile = (p: string) => {
      if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[p]!;
    };
    expect(parseEnrollArgs([...base, '--key-file', '/etc/openums/enroll.key'], { readFile }).key).toBe('oek_from_file');
    expect(parseEnrollArgs(base, { env: { OPENUMS_ENROLLMENT_KEY: 'oek_from_env\n' } }).key).toBe('oek_from_env');
    // A flag wins over the environment; --key keeps working.
    expect(
      parseEnrollArgs([...base, '--key-file', '/etc/openums/enroll.key'], { readFile, env: { OPENUMS_ENROLLMENT_KEY: 'oek_env' } }).key,
    ).toBe('oek_from_file');
    expect(parseEnrollArgs([...base, '--key', 'oek_flag'], { env: { OPENUMS_ENROLLMENT_KEY: 'oek_env' } }).key).toBe('oek_flag');
    expect(() => parseEnrollArgs(base, { env: { OPENUMS_ENROLLMENT_KEY: '  ' } })).toThrow(/enrollment key is required/);
    expect(() => parseEnrollArgs([...base, '--key-file', '/missing'], { readFile })).toThrow(/--key-file \/missing: ENOENT/);
    expect(() => parseEnrollArgs([...base, '--key-file', '/empty'], { readFile })).toThrow(/exactly one enrollment key/);
    expect(() => parseEnrollArgs([...base, '--key-file', '/two'], { readFile })).toThrow(/exactly one enrollment key/);
    expect(() => parseEnrollArgs([...base, '--key-file', '/missing'], { readFile })).toThrow(UsageError);
  });

  it('reads --key-file from disk by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openums-key-'));
    const file = join(dir, 'enroll.key');
    writeFileSync(file, 'oek_on_disk\n', { mode: 0o600 });
    expect(parseEnrollArgs(['--server', 'https://h', '--state-dir', '/s', '--key-file', file]).key).toBe('oek_on_disk');
    rmSync(dir, { recursive: true });
  });

  it('parses run', () => {
    expect(parseRunArgs(['--state-dir', '/s'])).toEqual({ stateDir: '/s', config: undefined, platform: 'linux', actionsFile: undefined });
    expect(parseRunArgs(['--state-dir', '/s', '--platform', 'recording', '--actions-file', '/a'])).toMatchObject({
      platform: 'recording',
      actionsFile: '/a',
    });
    expect(() => parseRunArgs(['--state-dir', '/s', '--platform', 'windows'])).toThrow(/--platform/);
    expect(() => parseRunArgs(['--state-dir', '/s', '--actions-file', '/a'])).toThrow(/recording/);
    expect(() => parseRunArgs([])).toThrow(/--state-dir is required/);
    expect(() => parseRunArgs(['--state-dir', '/s', 'extra'])).toThrow(UsageError);
  });

  it('parses simulate with defaults', () => {
    const a = parseSimulateArgs([
      '--server',
      'https://h:1',
      '--key',
      'k',
      '--count',
      '15000',
      '--state-dir',
      '/s',
      '--local-addresses',
      '127.0.0.2-127.0.0.5',
    ]);
    expect(a).toMatchObject({ count: 15000, processes: 2, enrollConcurrency: 50, connectConcurrency: 200, macPrefix: '020000' });
    expect(a.localAddresses).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
    expect(parseSimulateArgs(['--server', 'https://h', '--key', 'k', '--count', '10', '--state-dir', '/s']).processes).toBe(1);
  });

  it.each([
    [['--count', '0'], /--count/],
    [['--count', '1.5'], /--count/],
    [['--count', '10', '--processes', '11'], /more than --count/],
    [['--count', '40000', '--processes', '1'], /too many/],
    [['--count', '10', '--local-addresses', '127.0.0.9-127.0.0.2'], /backwards/],
    [['--count', '10', '--local-addresses', '::1'], /IPv4/],
    [['--count', '10', '--mac-prefix', 'XYZ'], /--mac-prefix/],
    [['--count', '10', '--duration', '-1'], /--duration/],
  ])('rejects simulate %j', (extra, msg) => {
    expect(() => parseSimulateArgs(['--server', 'https://h', '--key', 'k', '--state-dir', '/s', ...extra])).toThrow(msg);
  });

  it('splits local addresses between processes', () => {
    const all = parseAddressRange('127.0.0.2-127.0.0.250');
    expect(all).toHaveLength(249);
    const shares = [0, 1, 2].map((k) => addressShare(all, 3, k));
    expect(shares.flat()).toEqual(all);
    expect(addressShare(['10.0.0.1'], 2, 1)).toEqual(['10.0.0.1']);
    expect(parseAddressRange('10.0.0.1, 10.0.0.3-10.0.0.4')).toEqual(['10.0.0.1', '10.0.0.3', '10.0.0.4']);
  });
});
