import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import {
  CAPTURE_ENV,
  registerSecret,
  registerSecretsIn,
  registerSecretsInHeaders,
  registerSecretsInText,
} from '../log-secrets/registry.js';
import { formatFindings, scanCaptureDir, scanText, SecretMatcher } from '../log-secrets/scan.js';

const PLANTED = 'planted-Secret-0123456789';

describe('log-secret scan', () => {
  // A directory of its own: the suite's capture directory must not receive a planted leak.
  let dir: string;
  let suiteDir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-scan-test-'));
    suiteDir = process.env[CAPTURE_ENV];
    process.env[CAPTURE_ENV] = dir;
  });
  afterEach(() => {
    if (suiteDir === undefined) delete process.env[CAPTURE_ENV];
    else process.env[CAPTURE_ENV] = suiteDir;
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a registered secret, naming file, line and kind but never the secret', () => {
    const matcher = new SecretMatcher([{ kind: 'password', value: PLANTED }]);
    const text = `{"msg":"fine"}\n{"msg":"login failed for ${PLANTED}"}\n`;
    const findings = scanText(text, 'server-1.log', matcher);
    expect(findings).toEqual([{ file: 'server-1.log', line: 2, kind: 'password', hint: expect.any(String) }]);
    expect(formatFindings(findings)).toContain('server-1.log:2: password');
    expect(formatFindings(findings)).not.toContain(PLANTED);
    expect(scanText('{"msg":"fine"}\n', 'x.log', matcher)).toEqual([]);
  });

  it('finds secrets by their shape, and leaves masked values alone', () => {
    const matcher = new SecretMatcher([]);
    const kinds = (line: string) => matcher.find(line).map((s) => s.kind);
    expect(kinds(`token oat_0123456789ab_${'A'.repeat(43)} used`)).toEqual(['api-token (pattern)']);
    expect(kinds('key: -----BEGIN EC PRIVATE KEY-----\\nMHcC')).toEqual(['private-key (pattern)']);
    expect(kinds('{"body":{"username":"a","password":"hunter22"}}')).toEqual(['secret field (pattern)']);
    expect(kinds('{"msg":"body {\\"bindPassword\\":\\"x\\"}"}')).toEqual(['secret field (pattern)']);
    expect(kinds('{"password":"[redacted]","token":"[redacted]","secret":"********","csrfToken":""}')).toEqual([]);
    expect(kinds('{"prefix":"oat_0123456789ab","msg":"-----BEGIN CERTIFICATE-----"}')).toEqual([]);
    // A finding says where the secret begins, not what it is.
    expect(matcher.find('{"body":{"password":"hunter22"}}')).toEqual([{ kind: 'secret field (pattern)', hint: '"password":"' }]);
    expect(matcher.find(`oat_0123456789ab_${'A'.repeat(43)}`)).toEqual([{ kind: 'api-token (pattern)', hint: 'oat_0123456789ab_' }]);
  });

  it('registers what helpers see on the wire: body fields, bearer tokens, cookies, private keys', () => {
    registerSecretsIn({ username: 'admin', password: 'a-password-1', nested: [{ secret: 'enroll-key-123' }], note: 'not-a-secret' });
    registerSecretsInHeaders({ authorization: 'Bearer oat_0123456789ab_xyzxyzxyzxyz', cookie: `openums_session=${'s'.repeat(43)}` });
    registerSecret(
      'private-key',
      '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\nAwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n',
    );
    registerSecret('password', 'short'); // too short to search for without false alarms
    registerSecretsInText('{"keys":[{"id":1,"secret":"enroll-key-456"}]}');
    registerSecretsInText('{"items":[{"tokens":2,"note":"no-secret-field"}]}');
    const files = scanCaptureDir(dir);
    expect(files.secrets).toBe(6);
    const registered = readFileSync(join(dir, `secrets-${process.pid}-0.jsonl`), 'utf8');
    expect(registered).toContain('"kind":"api-token"');
    expect(registered).toContain('"value":"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49"');
    expect(registered).not.toContain('not-a-secret');
    expect(registered).not.toContain('no-secret-field');
  });

  it('fails on a secret the real logger wrote to the capture directory, below its level too', () => {
    registerSecret('password', PLANTED);
    // Like a test server: nothing on the terminal, every line (debug included) in the capture.
    const log = createLogger('warn', { captureDir: dir, pretty: false, destination: { write: () => undefined } });
    log.info({ password: PLANTED }, 'redacted: the field is on the redaction list');
    expect(scanCaptureDir(dir).findings).toEqual([]);

    log.debug(`login attempt ${JSON.stringify({ user: 'admin', pw: PLANTED })}`);
    const result = scanCaptureDir(dir);
    expect(result.findings).toEqual([
      { file: join(dir, `server-${process.pid}.log`), line: 2, kind: 'password', hint: expect.stringMatching(/^plan… \(25 characters\)$/) },
    ]);
  });

  it('reads every process file of the directory', () => {
    writeFileSync(join(dir, 'secrets-1-0.jsonl'), `${JSON.stringify({ kind: 'enrollment-key', value: PLANTED })}\n`);
    writeFileSync(join(dir, 'agent-1.log'), `2026-01-01T00:00:00Z INFO enrolling with ${PLANTED}\n`);
    writeFileSync(join(dir, 'server-2.log'), '{"msg":"clean"}\n');
    const result = scanCaptureDir(dir);
    expect(result).toMatchObject({ files: 2, lines: 2, secrets: 1 });
    expect(result.findings.map((f) => [f.file, f.line, f.kind])).toEqual([[join(dir, 'agent-1.log'), 1, 'enrollment-key']]);
  });
});
