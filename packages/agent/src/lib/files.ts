import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
