import { describe, expect, it } from 'vitest';
import { MASK, isSecretKey, maskSecrets, snapshotJson } from './audit-mask.js';

describe('audit masker', () => {
  it('masks secret keys in every spelling', () => {
    for (const k of [
      'password',
      'newPassword',
      'oldPassword',
      'password_hash',
      'passphrase',
      'secret',
      'clientSecret',
      'token',
      'csrfToken',
      'key',
      'apiKey',
      'api_key',
      'privateKey',
      'caKey',
      'credentials',
      'tokenHash',
    ])
      expect(isSecretKey(k), k).toBe(true);
  });

  it('leaves names that only talk about a secret', () => {
    for (const k of ['tokenId', 'passwordPolicy', 'expiresAt', 'prefix', 'name', 'keyCount', 'id', 'username', 'folderId', 'comment'])
      expect(isSecretKey(k), k).toBe(false);
  });

  it('masks at any depth, in arrays, and credential-looking values under any key', () => {
    const masked = maskSecrets({
      username: 'alice',
      password: 'hunter2hunter2',
      nested: { deeper: [{ secret: { a: 1 } }, { note: `Bearer oat_0123456789ab_${'x'.repeat(43)}` }] },
      enrollment: `oek_ABCDEFGHIJKLMNOP_${'s'.repeat(43)}`,
      prefix: 'oek_ABCDEF…',
      missing: null,
      gone: undefined,
    });
    expect(masked).toEqual({
      username: 'alice',
      password: MASK,
      nested: { deeper: [{ secret: MASK }, { note: MASK }] },
      enrollment: MASK,
      prefix: 'oek_ABCDEF…',
      missing: null,
    });
    expect(JSON.stringify(masked)).not.toContain('hunter2');
  });

  it('stores null for no snapshot and a note instead of a huge one', () => {
    expect(snapshotJson(null)).toBeNull();
    expect(snapshotJson(undefined)).toBeNull();
    expect(JSON.parse(snapshotJson({ token: 't', n: 1 })!)).toEqual({ token: MASK, n: 1 });
    expect(JSON.parse(snapshotJson({ x: 'a'.repeat(100_000) })!)).toEqual({ truncated: true, chars: 100_008 });
  });

  it('does not recurse without end', () => {
    let deep: Record<string, unknown> = { password: 'p' };
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(JSON.stringify(maskSecrets(deep))).not.toContain('"p"');
  });
});
