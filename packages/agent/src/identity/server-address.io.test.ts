import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../lib/log.js';
import { ServerAddressBook, TRIAL_ATTEMPTS, serverUrlFromDeviceAddress } from './server-address.js';
import { STATE_FILES } from './state.js';

const ENROLLED = 'https://127.0.0.1:8443';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'agent-address-'));
  const lines: string[] = [];
  const log: Logger = {
    debug: (m) => void lines.push(`debug ${m}`),
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
    child: () => log,
  };
  const open = () => ServerAddressBook.forStateDir(dir, ENROLLED, log);
  const file = join(dir, STATE_FILES.serverAddress);
  const stored = () => JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return { dir, lines, open, file, stored };
}

describe('serverUrlFromDeviceAddress', () => {
  it('turns host:port into the server URL and refuses anything else', () => {
    expect(serverUrlFromDeviceAddress('ums.example.com:8443')).toBe('https://ums.example.com:8443');
    expect(serverUrlFromDeviceAddress('UMS.example.com:443')).toBe('https://ums.example.com');
    expect(serverUrlFromDeviceAddress('[::1]:8443')).toBe('https://[::1]:8443');
    for (const bad of ['https://ums:443', 'ums', 'ums:443/x', 'u@ums:443', 'ums:99999', 'ums:443?x', 'ums:443#x', '[zz]:443', ' ums:443'])
      expect(serverUrlFromDeviceAddress(bad), bad).toBeNull();
  });
});

describe('ServerAddressBook', () => {
  it('dials the enrollment address until the server assigns one; persists the assignment atomically', () => {
    const t = setup();
    const book = t.open();
    expect(book.nextUrl()).toBe(ENROLLED);
    book.connected(ENROLLED);
    book.receive('localhost:8443');
    expect(t.stored()).toEqual({ assigned: 'https://localhost:8443', working: ENROLLED });
    // No temporary file left behind (write, fsync, rename).
    expect(readdirSync(t.dir)).toEqual([STATE_FILES.serverAddress]);
    // A restarted agent reads it back and uses it for its next connection.
    const again = t.open();
    expect(again.nextUrl()).toBe('https://localhost:8443');
    again.connected('https://localhost:8443');
    expect(t.stored()).toEqual({ assigned: 'https://localhost:8443', working: 'https://localhost:8443' });
    // Once it answered, it is the only address: no detour to the old one during an outage.
    for (let i = 0; i < 10; i++) expect(again.nextUrl()).toBe('https://localhost:8443');
  });

  it('refuses a bad address with a warning and keeps the one it has', () => {
    const t = setup();
    const book = t.open();
    book.receive('good.example.com:443');
    for (const bad of ['https://evil.example.com:443', 'evil.example.com', 'evil.example.com:443/path', '', 'a b:1']) book.receive(bad);
    expect(t.stored()).toEqual({ assigned: 'https://good.example.com', working: ENROLLED });
    expect(t.lines.filter((l) => l.startsWith('warn ignoring the server address'))).toHaveLength(5);
    expect(t.lines.at(-1)).toContain('keeping https://good.example.com');
  });

  it(`tries a new address ${TRIAL_ATTEMPTS} times, then alternates with the last working one; whichever answers wins`, () => {
    const t = setup();
    const book = t.open();
    book.receive('typo.example.com:8443');
    const dialled = Array.from({ length: TRIAL_ATTEMPTS + 4 }, () => book.nextUrl());
    const typo = 'https://typo.example.com:8443';
    expect(dialled).toEqual([...Array(TRIAL_ATTEMPTS).fill(typo), ENROLLED, typo, ENROLLED, typo]);
    expect(t.lines.some((l) => l.startsWith(`warn server address ${typo} did not answer ${TRIAL_ATTEMPTS} attempts`))).toBe(true);
    // The old address answers: the device is online there; the assignment stays for the next reconnect.
    book.connected(ENROLLED);
    expect(t.stored()).toEqual({ assigned: typo, working: ENROLLED });
    expect(book.nextUrl()).toBe(typo);
    // The administrator fixes the address: the next reconnect tries the fixed one.
    book.receive('fixed.example.com:8443');
    expect(book.nextUrl()).toBe('https://fixed.example.com:8443');
  });

  it('an assignment equal to the working address needs no trial; a second, newer assignment replaces the first', () => {
    const t = setup();
    const book = t.open();
    book.receive('127.0.0.1:8443');
    for (let i = 0; i < TRIAL_ATTEMPTS + 3; i++) expect(book.nextUrl()).toBe(ENROLLED);
    book.receive('a.example.com:1');
    book.receive('b.example.com:2');
    expect(book.nextUrl()).toBe('https://b.example.com:2');
  });

  it('falls back to the enrollment address when the file is corrupt or holds something else', () => {
    const t = setup();
    for (const text of ['{not json', '{"assigned":"http://x:1","working":"ftp://y"}', '[]', '{"working":"https://x:1/path"}']) {
      writeFileSync(t.file, text);
      const book = t.open();
      expect(book.nextUrl(), text).toBe(ENROLLED);
      expect(book.assigned()).toBeNull();
    }
  });
});
