import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => void lines.push(s) } };
}

const secrets = {
  password: 'hunter2-password',
  token: 'session-token-value',
  req: {
    method: 'POST',
    headers: { authorization: 'Bearer bearer-secret', cookie: 'openums_session=cookie-secret', 'x-csrf-token': 'csrf-secret' },
  },
  user: { password: 'nested-password' },
  body: { oldPassword: 'old-password-value', newPassword: 'new-password-value', csrfToken: 'csrf-body-value' },
  key: { secret: 'enrollment-key-value', privateKey: 'private-key-value' },
};
const SECRET_VALUES = [
  'hunter2-password',
  'session-token-value',
  'bearer-secret',
  'cookie-secret',
  'csrf-secret',
  'nested-password',
  'old-password-value',
  'new-password-value',
  'csrf-body-value',
  'enrollment-key-value',
  'private-key-value',
];

describe('createLogger', () => {
  it('writes one JSON object per line when not pretty (a file, a pipe, a log collector), with secrets redacted', () => {
    const c = capture();
    const log = createLogger('info', { pretty: false, destination: c.destination });
    log.info(secrets, 'device connection refused');
    expect(c.lines).toHaveLength(1);
    const line = c.lines[0]!;
    expect(line.endsWith('\n')).toBe(true);
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ level: 30, msg: 'device connection refused', password: '[redacted]', token: '[redacted]' });
    expect(entry.req.headers).toMatchObject({ authorization: '[redacted]', cookie: '[redacted]', 'x-csrf-token': '[redacted]' });
    for (const s of SECRET_VALUES) expect(line).not.toContain(s);
  });

  it('writes a readable line when pretty (an interactive terminal), with the same redaction', () => {
    const c = capture();
    const log = createLogger('info', { pretty: true, destination: c.destination });
    log.warn(secrets, 'device connection refused');
    expect(c.lines).toHaveLength(1);
    const text = c.lines[0]!;
    // "[12:34:56.789] WARN: device connection refused" followed by the fields, indented.
    expect(text.split('\n')[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: device connection refused$/);
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toContain('[redacted]');
    expect(text).toContain(`"method": "POST"`);
    for (const s of SECRET_VALUES) expect(text).not.toContain(s);
    // Written in the caller's turn, not later by a worker: nothing is lost on exit.
    log.info('second');
    expect(c.lines).toHaveLength(2);
  });

  it('respects the level in both formats', () => {
    for (const pretty of [false, true]) {
      const c = capture();
      const log = createLogger('warn', { pretty, destination: c.destination });
      log.info('hidden');
      log.error('shown');
      expect(c.lines.join('')).not.toContain('hidden');
      expect(c.lines.join('')).toContain('shown');
    }
  });
});
