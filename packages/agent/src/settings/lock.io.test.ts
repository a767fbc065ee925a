import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockTimeoutError, withSettingsLock } from './lock.js';

const lockPath = () => join(mkdtempSync(join(tmpdir(), 'settings-lock-')), 'settings.lock');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withSettingsLock', () => {
  it('runs holders one after the other and removes the lock afterwards', async () => {
    const path = lockPath();
    const events: string[] = [];
    const holder = (name: string) =>
      withSettingsLock(
        path,
        async () => {
          events.push(`${name} in`);
          await sleep(50);
          events.push(`${name} out`);
          return name;
        },
        { pollMs: 5 },
      );
    expect(await Promise.all([holder('a'), holder('b'), holder('c')])).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]!.replace('in', 'out'));
    expect(existsSync(path)).toBe(false);
  });

  it('releases the lock when the holder throws', async () => {
    const path = lockPath();
    await expect(
      withSettingsLock(path, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(path)).toBe(false);
  });

  it('breaks the lock of a process that is gone', async () => {
    const path = lockPath();
    // A pid that surely ended: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(path, `${dead}\n`);
    expect(await withSettingsLock(path, () => 'got it', { timeoutMs: 2000 })).toBe('got it');
  });

  it('waits for a live holder and gives up after the timeout, naming it', async () => {
    const path = lockPath();
    writeFileSync(path, `${process.pid}\n`);
    const err = await withSettingsLock(path, () => 'never', { timeoutMs: 200, pollMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as Error).message).toContain(`held by process ${process.pid}`);
    expect(existsSync(path)).toBe(true);
  });
});
