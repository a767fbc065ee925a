/** What a masked value is replaced with. */
export const MASK = '***';

/** Longest before/after JSON kept in an entry; bigger ones are replaced by a note with their size. */
export const MAX_SNAPSHOT_CHARS = 64 * 1024;
const MAX_DEPTH = 20;

// Compared on the key in lower case without separators: `api_key`, `apiKey` and `API-KEY` alike.
const SECRET_WORDS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'credential', 'hash'];
// Names that merely talk about a secret: `tokenId`, `passwordPolicy`, `secretExpiresAt`, `tokenCount`.
const NOT_SECRET_ENDINGS = ['id', 'ids', 'at', 'count', 'policy', 'prefix', 'type', 'name'];
// Our credentials inside any string, whatever key holds it: API tokens (`oat_<12 hex>_<secret>`)
// and enrollment keys (`oek_<16>_<secret>`). Their shown prefixes (`oek_AbC123…`) stay readable.
const SECRET_VALUE = /\b(oat_[0-9a-f]{12}|oek_[A-Za-z0-9]{16})_[A-Za-z0-9_-]{20,}/;

/** Whether a key names a secret (password, secret, token, key, passphrase, …). */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!k) return false;
  if (NOT_SECRET_ENDINGS.some((e) => k.endsWith(e) && k !== e)) return false;
  return k.endsWith('key') || SECRET_WORDS.some((w) => k.includes(w));
}

/**
 * A copy of `value` with every secret replaced by "***": the values of secret keys (at any
 * depth, in objects and arrays) and strings that are credentials themselves. null stays null
 * (that a secret is not set is no secret). The one masker every audit entry goes through.
 */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? MASK : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = v !== null && isSecretKey(k) ? MASK : maskSecrets(v, depth + 1);
  }
  return out;
}

/** The masked snapshot as stored (JSON text), null when there is none. */
export function snapshotJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const json = JSON.stringify(maskSecrets(value));
  return json.length > MAX_SNAPSHOT_CHARS ? JSON.stringify({ truncated: true, chars: json.length }) : json;
}
