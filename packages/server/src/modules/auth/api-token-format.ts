import { randomBytes } from 'node:crypto';

/**
 * API tokens: `oat_<prefix>_<secret>`, a 12-hex-digit prefix (stored, unique: finds the row)
 * and 256 random bits. 60 characters, so never mistaken for a 43-character session token.
 */
const FORMAT = /^oat_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function newApiToken(): { token: string; prefix: string } {
  const prefix = randomBytes(6).toString('hex');
  return { token: `oat_${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

export function parseApiToken(token: string): { prefix: string } | null {
  const m = FORMAT.exec(token);
  return m ? { prefix: m[1]! } : null;
}
