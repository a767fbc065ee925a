import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { SettingsChanges } from './values.js';

/** Default directory name, under the config file's directory or the state directory. */
export const HOOKS_DIR_NAME = 'hooks.d';
export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;
/** After the timeout's SIGTERM, this long until SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** After the hook exited, this long for its output pipes to close (a background child may hold them). */
const PIPE_GRACE_MS = 500;
const OUTPUT_TAIL = 2_000;

/**
 * A key's group: the part before the last dot, instance ids removed —
 * `sessions.rdp[profile:12:1].server` → `sessions.rdp`. A key without a dot is its own group.
 */
export function groupOf(key: string): string {
  const plain = key.replace(/\[[^\]]*\]/g, '');
  const dot = plain.lastIndexOf('.');
  return dot > 0 ? plain.slice(0, dot) : plain;
}

/** A hook named `userinterface` runs for `userinterface` and every group below it, not for `userinterfaces`. */
export function hookMatches(hook: string, group: string): boolean {
  return group === hook || group.startsWith(`${hook}.`);
}

/** Hook file names are group prefixes: dotted words, nothing a shell or a path could misread. */
const HOOK_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export interface HookFile {
  name: string;
  path: string;
}

/**
 * The runnable hooks in `dir`, sorted by name (so `userinterface` runs before
 * `userinterface.screensaver`). Hooks run as the agent (root on a device), so a file or directory
 * others can write to is refused with a warning, as is a file owned by another non-root user.
 * Non-executable files (a README) are ignored.
 */
export function listHooks(dir: string, log: Logger): HookFile[] {
  let names: string[];
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return [];
    if (st.mode & 0o002) {
      log.warn(`hooks directory ${dir} is writable by everyone: no hooks run`);
      return [];
    }
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const hooks: HookFile[] = [];
  for (const name of names.sort()) {
    if (!HOOK_NAME.test(name)) continue;
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    if (!st.isFile() || (st.mode & 0o111) === 0) continue;
    if (st.mode & 0o022) {
      log.warn(`hook ${path} is writable by group or others: not run`);
      continue;
    }
    if (uid !== undefined && st.uid !== 0 && st.uid !== uid) {
      log.warn(`hook ${path} belongs to user ${st.uid}, not to root or the agent's user: not run`);
      continue;
    }
    hooks.push({ name, path });
  }
  return hooks;
}

export interface HookRun {
  hook: string;
  /** The changed keys this hook was given. */
  keys: string[];
  ok: boolean;
  /** Why it failed (exit code and the end of its stderr, timeout, cannot start). */
  message?: string;
  ms: number;
}

export interface RunHooksOptions {
  dir: string;
  /** Changed keys with their new values (null = removed). */
  changes: SettingsChanges;
  revision: number;
  /** `server`: a configuration from the server; `local`: `openums-agent settings set/unset`. */
  source: 'server' | 'local';
  /** The store file, for hooks that want the complete configuration. */
  storePath: string;
  log: Logger;
  timeoutMs?: number;
}

/**
 * Runs every hook that matches at least one changed key's group, once, one after the other
 * (name order), never through a shell. Each gets only the keys under its prefix: space-separated
 * in OPENUMS_CHANGED_KEYS, and as a JSON object key → value|null on stdin. Values — secrets
 * included, a hook may need them — go to stdin only, never to the environment or the log.
 */
export async function runHooks(opts: RunHooksOptions): Promise<HookRun[]> {
  const keys = Object.keys(opts.changes).sort();
  if (keys.length === 0) return [];
  const groups = new Map(keys.map((k) => [k, groupOf(k)]));
  const runs: HookRun[] = [];
  for (const hook of listHooks(opts.dir, opts.log)) {
    const mine = keys.filter((k) => hookMatches(hook.name, groups.get(k)!));
    if (mine.length === 0) continue;
    const input: SettingsChanges = {};
    for (const k of mine) input[k] = opts.changes[k]!;
    const run = await runHook(hook, mine, JSON.stringify(input), opts);
    opts.log[run.ok ? 'info' : 'warn'](
      `hook ${hook.name} (${mine.length} key${mine.length === 1 ? '' : 's'}): ${run.ok ? 'ok' : run.message} in ${run.ms} ms`,
    );
    runs.push(run);
  }
  return runs;
}

function runHook(hook: HookFile, keys: string[], stdin: string, opts: RunHooksOptions): Promise<HookRun> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  return new Promise((resolve) => {
    const done = (ok: boolean, message?: string) => {
      const run: HookRun = { hook: hook.name, keys, ok, ms: Date.now() - started };
      if (message) run.message = message;
      resolve(run);
    };
    let child;
    try {
      child = spawn(hook.path, [], {
        cwd: opts.dir,
        shell: false,
        // Own process group: a timeout ends the hook and whatever it started in the foreground.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          ...process.env,
          OPENUMS_CHANGED_KEYS: keys.join(' '),
          OPENUMS_SETTINGS_REVISION: String(opts.revision),
          OPENUMS_SETTINGS_SOURCE: opts.source,
          OPENUMS_SETTINGS_FILE: opts.storePath,
          OPENUMS_HOOK: hook.name,
        },
      });
    } catch (err) {
      return done(false, `hook ${hook.name} could not start: ${(err as Error).message}`);
    }
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-OUTPUT_TAIL)));
    child.stdout.resume();
    // A hook that does not read its input closes the pipe early: not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);

    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);

    let spawnError: Error | null = null;
    child.on('error', (err) => {
      spawnError = err;
    });
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (spawnError) return done(false, `hook ${hook.name} could not start: ${spawnError.message}`);
      if (timedOut)
        return done(false, `hook ${hook.name} timed out after ${timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`}`);
      if (code === 0) return done(true);
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      const tail = lastLine(stderr);
      done(false, `hook ${hook.name} failed (${why})${tail ? `: ${tail}` : ''}`);
    };
    // 'close' waits for the pipes; a background child of the hook may hold them open, so after
    // 'exit' wait only briefly.
    child.on('close', finish);
    child.on('exit', (code, signal) => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, PIPE_GRACE_MS);
    });
    child.on('error', () => finish(null, null));
  });
}

/** The last non-empty line of a hook's stderr, clipped: enough to say why in the server's UI. */
function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1)?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
