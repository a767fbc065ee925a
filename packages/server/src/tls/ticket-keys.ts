import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { writeSecret } from './web-identity.js';

const TICKET_KEY_MAX_AGE_MS = 7 * 24 * 3600_000;

/**
 * TLS session-ticket keys kept in the data directory, so devices resume their TLS 1.3
 * sessions after a restart instead of all doing full handshakes. Rotated when older than a
 * week, at a start (resumption then falls back to full handshakes once).
 */
export function loadTicketKeys(dataDir: string, logger: Logger, mayRotate = true): Buffer {
  const file = join(dataDir, 'tls', 'ticket-keys');
  try {
    if (!mayRotate || Date.now() - statSync(file).mtimeMs < TICKET_KEY_MAX_AGE_MS) {
      const keys = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
      if (keys.length === 48) return keys;
    }
  } catch {
    /* missing: create */
  }
  const keys = randomBytes(48);
  writeSecret(file, keys.toString('base64'));
  logger.info('TLS session ticket keys created');
  return keys;
}
