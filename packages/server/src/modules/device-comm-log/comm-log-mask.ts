import { COMM_LOG_PAYLOAD_MAX } from '@openums/protocol';

/** What a masked value is replaced with. */
export const MASK = '***';
const MAX_DEPTH = 20;

// Matched on the key in lower case without separators: `admin_password`, `apiKey`, `PASS-PHRASE`.
const SECRET_PARTS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'credential', 'apikey', 'privatekey'];
// Matched on the key's words (split at separators and camelCase): `pin`, `userPin`, `key`, `sshKey`, `pwd`.
// `hash`: a settings hash covers the secret values, and would let them be guessed offline.
const SECRET_WORDS = new Set(['key', 'pin', 'pwd', 'pass', 'hash']);
const NOT_SECRET_WORDS = new Set(['hotkey', 'hotkeys', 'monkey', 'spin']);
// Our credentials inside any string, whatever key holds it: API tokens and enrollment keys.
const SECRET_VALUE = /\b(oat_[0-9a-f]{12}|oek_[A-Za-z0-9]{16})_[A-Za-z0-9_-]{20,}/;

/** Whether a payload field's name says it holds a secret. */
export function isSecretField(key: string): boolean {
  const flat = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!flat) return false;
  if (SECRET_PARTS.some((p) => flat.includes(p))) return true;
  for (const w of key.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)) {
    const word = w.toLowerCase();
    if (!word || NOT_SECRET_WORDS.has(word)) continue;
    if (SECRET_WORDS.has(word) || word.endsWith('key') || word.endsWith('pin')) return true;
  }
  return false;
}

/**
 * A copy of a message with the value of every secret field (at any depth, in objects and arrays,
 * case-insensitive) replaced by "***", and strings that are credentials themselves too. null
 * stays null: that a secret is not set is no secret.
 */
export function maskPayload(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? MASK : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) return value.map((v) => maskPayload(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = v !== null && isSecretField(k) ? MASK : maskPayload(v, depth + 1);
  }
  return out;
}

/** The masked message as stored: JSON text cut at `max` characters (never inside a surrogate pair). */
export function payloadText(msg: unknown, max = COMM_LOG_PAYLOAD_MAX): { text: string; truncated: boolean } {
  const json = JSON.stringify(maskPayload(msg)) ?? 'null';
  if (json.length <= max) return { text: json, truncated: false };
  let end = max;
  const last = json.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return { text: json.slice(0, end), truncated: true };
}
