import { describe, expect, it } from 'vitest';
import { parseServerMessage } from './server-messages.js';

const HASH = 'a'.repeat(64);
const settings = (extra: Record<string, unknown>) =>
  JSON.stringify({ t: 'settings', revision: 3, hash: HASH, settings: { 'a.b': 1 }, ...extra });

describe('parseServerMessage: settings', () => {
  it('accepts a well-formed configuration', () => {
    const r = parseServerMessage(
      settings({ settings: { 'a.b': 1, 'c.d': ['x'], 'sessions.rdp[profile:12:1].server': 'h', 'e.f': false } }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok || r.message.t !== 'settings') throw new Error('not settings');
    expect(r.message).toEqual({
      t: 'settings',
      revision: 3,
      hash: HASH,
      settings: { 'a.b': 1, 'c.d': ['x'], 'sessions.rdp[profile:12:1].server': 'h', 'e.f': false },
    });
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

describe('parseServerMessage: the other server messages', () => {
  const parse = (m: unknown) => parseServerMessage(JSON.stringify(m));

  it('accepts the messages a server sends, extra fields included', () => {
    const ok = [
      { t: 'welcome', deviceId: 7, heartbeatSeconds: 60, heartbeatOffsetSeconds: 0, serverTime: 1, futureField: true },
      { t: 'command', id: 1, command: 'send-message', text: 'hi' },
      // A command this agent does not know passes: the runner answers it ok:false.
      { t: 'command', id: 2, command: 'brew-coffee' },
      { t: 'error', code: 'SOME_NEW_CODE', message: 'm', ref: 3 },
      { t: 'bye', code: 'SERVER_BUSY', message: 'busy', retryAfterSeconds: 0 },
    ];
    for (const m of ok) expect(parse(m), JSON.stringify(m)).toEqual({ ok: true, message: m });
  });

  it('refuses malformed ones, naming the field', () => {
    const cases: Array<[unknown, string]> = [
      ['[1]', 'not an object'],
      [{ t: 'hello' }, 'unknown type "hello"'],
      [{ t: 'welcome', deviceId: 7, heartbeatSeconds: 0, heartbeatOffsetSeconds: 0, serverTime: 1 }, 'bad welcome: heartbeatSeconds'],
      [{ t: 'command', id: 0, command: 'reboot' }, 'bad command: id'],
      [{ t: 'command', id: 1, command: 'reboot', text: 5 }, 'bad command: text'],
      [{ t: 'bye', code: 'X', message: 'm', retryAfterSeconds: -1 }, 'bad bye: retryAfterSeconds'],
      [{ t: 'error', code: 'X' }, 'bad error'],
    ];
    for (const [m, error] of cases) {
      const r = typeof m === 'string' ? parseServerMessage(m) : parse(m);
      expect(r.ok ? '' : r.error, JSON.stringify(m)).toContain(error);
    }
  });
});
