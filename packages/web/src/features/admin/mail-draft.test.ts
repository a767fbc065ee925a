import type { MailSettings } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import { draftOf, draftProblems, requestOf } from './mail-draft';

const stored: MailSettings = {
  host: 'mail.example.test',
  port: 2525,
  security: 'starttls',
  user: 'ums',
  password: '********',
  sender: 'ums@example.test',
  recipients: ['a@example.test'],
  caCertificate: null,
  verifyHostName: true,
};

describe('mail draft', () => {
  it('round-trips the stored settings, the password as the mask', () => {
    const d = draftOf(stored);
    expect(d.port).toBe(2525);
    expect(draftProblems(d, stored)).toEqual({});
    expect(requestOf(d, stored)).toEqual({
      host: 'mail.example.test',
      port: 2525,
      security: 'starttls',
      user: 'ums',
      password: '********',
      sender: 'ums@example.test',
      recipients: ['a@example.test'],
      caCertificate: null,
      verifyHostName: true,
      verify: true,
    });
  });

  it('removes the password when asked or when login is off; off sends host null', () => {
    expect(requestOf({ ...draftOf(stored), removePassword: true }, stored).password).toBeNull();
    expect(requestOf({ ...draftOf(stored), auth: false }, stored)).toMatchObject({ user: null, password: null });
    expect(requestOf({ ...draftOf(stored), enabled: false }, stored)).toEqual({ host: null, security: 'starttls', sender: null });
  });

  it('names what is wrong', () => {
    const p = draftProblems(
      { ...draftOf(stored), host: 'a b', port: 70000, sender: 'x', recipients: 'a@example.test, bad', user: '', caCertificate: 'junk' },
      stored,
    );
    expect(Object.keys(p).sort()).toEqual(['caCertificate', 'host', 'port', 'recipients', 'sender', 'user']);
    const noPassword = { ...stored, password: null };
    expect(draftProblems(draftOf(noPassword), noPassword).password).toBeTruthy();
  });
});
