import { ErrorCode } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { mailAppError } from './mailer.js';

const at = { host: 'mail.example.test', port: 587 };
const nm = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });
const codeOf = (err: unknown) => (mailAppError(err, at) as AppError).code;

describe('mailAppError', () => {
  it('maps nodemailer failures to stable codes', () => {
    expect(codeOf(nm('ESOCKET', 'connect ECONNREFUSED 127.0.0.1:587', { originalCode: 'ECONNREFUSED' }))).toBe(
      ErrorCode.MailConnectionFailed,
    );
    expect(codeOf(nm('EDNS', 'getaddrinfo ENOTFOUND mail.example.test'))).toBe(ErrorCode.MailConnectionFailed);
    expect(codeOf(nm('ETIMEDOUT', 'Greeting never received'))).toBe(ErrorCode.MailConnectionFailed);
    expect(codeOf(nm('ESOCKET', 'self-signed certificate', { originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toBe(
      ErrorCode.MailCertificateInvalid,
    );
    expect(codeOf(nm('ETLS', "Error initiating TLS - Hostname/IP does not match certificate's altnames"))).toBe(
      ErrorCode.MailCertificateInvalid,
    );
    expect(codeOf(nm('EAUTH', 'Invalid login: 535 Authentication failed', { responseCode: 535 }))).toBe(ErrorCode.MailAuthFailed);
    expect(codeOf(nm('EENVELOPE', "Can't send mail - all recipients were rejected: 550 No such user"))).toBe(ErrorCode.MailRejected);
  });

  it('keeps host, port and reason in the details, and passes other errors through', () => {
    const e = mailAppError(nm('EAUTH', 'Invalid login: 535', { responseCode: 535 }), at) as AppError;
    expect(e.details).toEqual({ host: 'mail.example.test', port: 587, reason: 'Invalid login: 535', responseCode: 535 });
    expect(e.status).toBe(422);
    const bug = new TypeError('x is undefined');
    expect(mailAppError(bug, at)).toBe(bug);
  });
});
