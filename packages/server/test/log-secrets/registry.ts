import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * The secrets the test suite uses, written where the suite's last step (scan.ts, run by
 * global-setup.ts) looks for them in every captured log line. Helpers register what they create
 * or see go over the wire: passwords in request bodies, tokens and enrollment keys in answers,
 * bearer tokens, session cookies, CSRF tokens, private keys. Without OPENUMS_LOG_CAPTURE_DIR
 * (a test run outside vitest's global setup) nothing is written.
 */
export const CAPTURE_ENV = 'OPENUMS_LOG_CAPTURE_DIR';

/** Shorter values would match unrelated text ("admin", "wrong"); the generic patterns still apply. */
export const MIN_SECRET_LENGTH = 8;

/** Values that mean "no secret here". */
const MASKS = new Set(['[redacted]', '********', '***']);

/** JSON field names that carry a secret, and what kind of secret it is. */
const FIELD_KINDS: Record<string, string> = {
  password: 'password',
  oldPassword: 'password',
  newPassword: 'password',
  adminPassword: 'password',
  bindPassword: 'ldap-bind-password',
  token: 'token',
  csrfToken: 'csrf-token',
  secret: 'enrollment-key',
  privateKey: 'private-key',
  keyPem: 'private-key',
};

const seen = new Set<string>();

/** For `loadConfig({ env })` of a server a test starts in-process: its lines go to the capture too. */
export function captureEnv(): Record<string, string> {
  const dir = captureDir();
  return dir ? { [CAPTURE_ENV]: dir } : {};
}

function captureDir(): string | undefined {
  return process.env[CAPTURE_ENV] || undefined;
}

/** Registers one secret (once per process); `kind` names it in a finding instead of the value. */
export function registerSecret(kind: string, value: unknown): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || MASKS.has(value)) return;
  const dir = captureDir();
  if (!dir || seen.has(value)) return;
  seen.add(value);
  const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END/.exec(value);
  // A private key is searched for by its body's first line: a log line holds it re-wrapped or escaped.
  const search = pem ? (pem[1]!.trim().split(/\s+/)[0] ?? '') : value;
  if (search.length < MIN_SECRET_LENGTH) return;
  appendFileSync(
    join(dir, `secrets-${process.pid}-${threadId}.jsonl`),
    `${JSON.stringify({ kind: pem ? 'private-key' : kind, value: search })}\n`,
  );
}

/** Registers every secret-carrying field of a JSON value (a request body, an answer), at any depth. */
export function registerSecretsIn(value: unknown, depth = 0): void {
  if (!captureDir() || depth > 8 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) registerSecretsIn(v, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') {
      const kind = FIELD_KINDS[k] ?? (v.includes('PRIVATE KEY-----') ? 'private-key' : null);
      if (kind) registerSecret(kind, v);
    } else registerSecretsIn(v, depth + 1);
  }
}

const SECRET_FIELD = new RegExp(`"(?:${Object.keys(FIELD_KINDS).join('|')})"\\s*:|PRIVATE KEY-----`);

/**
 * The same for a JSON text; anything else (a CSR, a PKCS#7 answer, an export) is ignored. Only a
 * text that names a secret field is parsed: most answers (lists) have none.
 */
export function registerSecretsInText(text: string | undefined | null): void {
  if (!captureDir() || !text || (text[0] !== '{' && text[0] !== '[') || !SECRET_FIELD.test(text)) return;
  try {
    registerSecretsIn(JSON.parse(text));
  } catch {
    // not JSON
  }
}

/** Credentials in request or response headers: bearer tokens, basic passwords, cookies, CSRF tokens. */
export function registerSecretsInHeaders(headers: Record<string, unknown> | undefined): void {
  if (!captureDir() || !headers) return;
  for (const [name, raw] of Object.entries(headers)) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      if (typeof v !== 'string') continue;
      const lower = name.toLowerCase();
      if (lower === 'authorization') {
        const bearer = /^Bearer\s+(\S+)$/i.exec(v);
        if (bearer) registerSecret(bearer[1]!.startsWith('oat_') ? 'api-token' : 'bearer-token', bearer[1]);
        const basic = /^Basic\s+(\S+)$/i.exec(v);
        if (basic) {
          const decoded = Buffer.from(basic[1]!, 'base64').toString();
          registerSecret('basic-password', decoded.slice(decoded.indexOf(':') + 1));
        }
      } else if (lower === 'cookie' || lower === 'set-cookie') {
        for (const part of v.split(/;\s*/)) {
          const eq = part.indexOf('=');
          // Attributes (Path, Max-Age, SameSite …) are short or not secret; values of session cookies are long.
          if (eq > 0 && part.length - eq > 20) registerSecret('session-cookie', part.slice(eq + 1));
        }
      } else if (lower === 'x-csrf-token') registerSecret('csrf-token', v);
    }
  }
}
