import { describe, expect, it } from 'vitest';
import { parseServerMessage } from './server-messages.js';

const HASH = 'a'.repeat(64);
const settings = (extra: Record<string, unknown>) => JSON.stringify({ t: 'settings', revision: 3, hash: HASH, settings: { 'a.b': 1 }, ...extra });

describe('parseServerMessage: settings', () => {
  it('accepts a well-formed configuration', () => {
    const r = parseServerMessage(settings({ settings: { 'a.b': 1, 'c.d': ['x'], 'sessions.rdp[profile:12:1].server': 'h', 'e.f': false } }));
    expect(r.ok).toBe(true);
    if (!r.ok || r.message.t !== 'settings') throw new Error('not settings');
    expect(r.message).toEqual({ t: 'settings', revision: 3, hash: HASH, settings: { 'a.b': 1, 'c.d': ['x'], 'sessions.rdp[profile:12:1].server': 'h', 'e.f': false } });
  });

  it('refuses bad revisions, hashes, keys and values', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ revision: -1 }, 'bad settings: revision'],
      [{ revision: 1.5 }, 'bad settings: revision'],
      [{ hash: 'ABC' }, 'bad settings: hash'],
      [{ hash: 'A'.repeat(64) }, 'bad settings: hash'],
      [{ settings: null }, 'bad settings: settings must be an object'],
      [{ settings: { 'a.b': { nested: 1 } } }, 'bad settings: a.b: expected'],
      [{ settings: { 'a.b': 2 ** 60 } }, 'bad settings: a.b: numbers must be whole'],
      [{ settings: { 'a;rm -rf': 1 } }, 'may only contain'],
      [{ settings: { 'a.b': Array(257).fill('x') } }, 'list longer than 256'],
    ];
    for (const [extra, error] of cases) {
      const r = parseServerMessage(settings(extra));
      expect(r.ok, JSON.stringify(extra)).toBe(false);
      expect(r.ok ? '' : r.error).toContain(error);
    }
  });
});
