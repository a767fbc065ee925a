import { readFileSync } from 'node:fs';

/** Open files kept free for the database, SQLite's files, logs and TLS material. */
export const RESERVED_FILES = 1000;

/** The soft limit of open files of this process (Linux /proc), or null where it cannot be read. */
export function openFilesLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!m || m[1] === 'unlimited') return null;
  return Number(m[1]);
}

/**
 * How many connections one process accepts: below its open-files limit, so that a process that is
 * full closes a new connection at once (the device retries and lands on another worker) instead of
 * failing accept() and every file it opens afterwards with EMFILE.
 */
export function connectionLimit(limit: number | null): number | null {
  return limit === null ? null : Math.max(100, limit - RESERVED_FILES);
}
