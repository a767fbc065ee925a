import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { mkdir, rename, writeFile } from 'node:fs/promises';

let seq = 0;
const tmpName = (path: string) => `${path}.${process.pid}.${++seq}.tmp`;

/** The state directory holds private keys: owner only. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Write-then-rename so a crash never leaves half a key or certificate behind; mode 0600. */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  const tmp = tmpName(path);
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * Like writePrivateFile, but the data and the rename are on disk when it returns (fsync of the
 * file, then of the directory): for state that must survive a power cut right after a change,
 * such as the settings store, which decides whether the server has to send a configuration again.
 */
export function writeDurableFile(path: string, data: string): void {
  const tmp = tmpName(path);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Makes a rename in `dir` durable. Some file systems refuse fsync on directories: then best effort. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL on a few platforms; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export async function writePrivateFileAsync(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tmpName(path);
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, path);
}

export async function ensurePrivateDirAsync(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

export function readTextIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function removeIfExists(path: string): void {
  if (existsSync(path)) rmSync(path, { force: true });
}
