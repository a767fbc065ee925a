import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';

export class LockTimeoutError extends Error {
  constructor(path: string, holder: string) {
    super(`the settings store is busy (${path} held by ${holder}); try again later`);
    this.name = 'LockTimeoutError';
  }
}

export interface LockOptions {
  /** Give up after this long (default 10 minutes: an apply may run several hooks of 30 s each). */
  timeoutMs?: number;
  pollMs?: number;
}

/** An empty lock file this old is left over from a crash between create and write. */
const EMPTY_LOCK_STALE_MS = 10_000;
/** No holder keeps the lock this long (hooks time out after 30 s each): the pid was reused after a crash. */
const MAX_LOCK_AGE_MS = 30 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The holder's pid, or null when the lock is stale (holder gone) or vanished. */
function holder(path: string): { pid: number | null; stale: boolean; text: string } {
  let text: string;
  let age: number;
  try {
    text = readFileSync(path, 'utf8');
    age = Date.now() - statSync(path).mtimeMs;
  } catch {
    return { pid: null, stale: false, text: '' };
  }
  const pid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
  if (pid === null) return { pid, stale: age > EMPTY_LOCK_STALE_MS, text };
  return { pid, stale: age > MAX_LOCK_AGE_MS || !alive(pid), text };
}

/**
 * Runs `fn` holding an exclusive lock file (O_EXCL create, pid inside) shared by the `run`
 * daemon and the `settings` command, which both read-modify-write the store. A lock whose
 * process is gone (crash, kill -9) is broken; the check re-reads the file just before removing
 * it, so a lock freshly taken by another process is not removed in the common case (the
 * remaining window is a few microseconds, and only after a crash).
 *
 * Not re-entrant: a process that holds the lock and asks again waits for itself until timeout.
 */
export async function withSettingsLock<T>(path: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  const pollMs = opts.pollMs ?? 50;
  for (;;) {
    if (tryCreate(path)) break;
    const h = holder(path);
    if (h.stale) {
      const again = holder(path);
      if (again.text === h.text) {
        try {
          unlinkSync(path);
        } catch {
          // Someone else broke it first.
        }
      }
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(path, h.pid !== null ? `process ${h.pid}` : 'another process');
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // Already gone (state directory wiped by a factory reset meanwhile).
    }
  }
}
