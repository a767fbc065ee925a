import { access, constants, stat } from 'node:fs/promises';

/** A directory a task writes into must exist and be writable by the server: checked when a task is saved and before each run. */
export async function checkWritableDirectory(dir: string): Promise<string | null> {
  try {
    if (!(await stat(dir)).isDirectory()) return `${dir} is not a directory`;
    await access(dir, constants.W_OK);
    return null;
  } catch (err) {
    return `${dir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}
