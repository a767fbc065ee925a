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

describe('parseServerMessage: the server address', () => {
  const parse = (m: unknown) => parseServerMessage(JSON.stringify(m));
  const welcome = { t: 'welcome', deviceId: 7, heartbeatSeconds: 60, heartbeatOffsetSeconds: 0, serverTime: 1 };

  it('accepts server-address with host:port, for names, IPv4 and bracketed IPv6', () => {
    for (const address of ['ums.example.com:8443', '10.0.0.5:443', '[2001:db8::1]:8443', 'localhost:1', 'a-b.c:65535']) {
      const m = { t: 'server-address', address };
      expect(parse(m), address).toEqual({ ok: true, message: m });
    }
  });

  it('refuses a server-address that is not host:port, naming the field', () => {
    for (const address of [
      'https://ums.example.com:8443',
      'ums.example.com',
      'ums.example.com:8443/path',
      'ums.example.com:0',
      'ums.example.com:65536',
      'user@ums.example.com:443',
      'ums example.com:443',
      '-ums.example.com:443',
      '2001:db8::1:8443',
      `${'a'.repeat(64)}.com:443`,
      '',
      42,
    ]) {
      const r = parse({ t: 'server-address', address });
      expect(r.ok, JSON.stringify(address)).toBe(false);
      expect(r.ok ? '' : r.error).toContain('bad server-address: address');
    }
    expect(parse({ t: 'server-address' }).ok).toBe(false);
  });

  it('keeps a welcome whose serverAddress is malformed: the device checks the address, the welcome still counts', () => {
    for (const serverAddress of ['ums.example.com:8443', 'https://junk/path', '']) {
      const m = { ...welcome, serverAddress };
      expect(parse(m), serverAddress).toEqual({ ok: true, message: m });
    }
    expect(parse({ ...welcome, serverAddress: 5 }).ok).toBe(false);
    expect(parse({ ...welcome, serverAddress: 'x'.repeat(1025) }).ok).toBe(false);
  });
});
