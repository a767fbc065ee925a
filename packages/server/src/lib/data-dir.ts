import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeSecret } from '../tls/web-identity.js';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

/**
 * One server per data directory: a lock file holding the owner's pid. A lock left by a
 * process that no longer exists (kill -9) is taken over.
 */
/** Locks held by this process: a pid match alone could be a reused pid (pid 1 in a container). */
const heldHere = new Set<string>();

export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'server.lock');
  if (heldHere.has(file)) {
    throw new DataDirLockedError(`Data directory ${dataDir} is in use by another OpenUMS server in this process`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(file);
      return () => {
        heldHere.delete(file);
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DataDirLockedError(
          `Data directory ${dataDir} is in use by another OpenUMS server (pid ${owner}); stop it or choose another --data-dir`,
        );
      }
      unlinkSync(file); // stale: its owner died
    }
  }
  throw new DataDirLockedError(`Could not lock data directory ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This server process's identity; kept across restarts in the data directory. */
export function loadServerId(dataDir: string): string {
  const file = join(dataDir, 'server-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  }
  const id = randomUUID();
  writeSecret(file, `${id}\n`);
  return id;
}
