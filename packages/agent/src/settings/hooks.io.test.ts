import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../lib/log.js';
import { groupOf, hookMatches, listHooks, runHooks } from './hooks.js';

function hooksDir(): { dir: string; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'settings-hooks-'));
  const dir = join(root, 'hooks.d');
  const out = join(root, 'out');
  mkdirSync(dir, { mode: 0o755 });
  mkdirSync(out);
  return { dir, out };
}

/** A hook that records its name, environment and stdin as files in `out`, then exits with `code`. */
function recordingHook(dir: string, name: string, out: string, extra = ''): void {
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!/bin/sh\n` +
      `echo "$OPENUMS_CHANGED_KEYS" > "${out}/${name}.keys"\n` +
      `echo "$OPENUMS_SETTINGS_SOURCE $OPENUMS_SETTINGS_REVISION $OPENUMS_SETTINGS_FILE" > "${out}/${name}.env"\n` +
      `cat > "${out}/${name}.stdin"\n` +
      `echo "${name}" >> "${out}/order"\n` +
      extra,
  );
  chmodSync(file, 0o755);
}

const base = (dir: string) => ({ dir, revision: 4, source: 'server' as const, storePath: '/state/settings.json', log: silentLogger });

describe('groups and matching', () => {
  it('takes the part before the last dot, without instance ids', () => {
    expect(groupOf('userinterface.screensaver.timeout')).toBe('userinterface.screensaver');
    expect(groupOf('sessions.rdp[profile:12:1].server')).toBe('sessions.rdp');
    expect(groupOf('userinterface.display.monitor[2].resolution')).toBe('userinterface.display.monitor');
    expect(groupOf('system.remotemanager.wol_proxy.enabled')).toBe('system.remotemanager.wol_proxy');
    expect(groupOf('lonely')).toBe('lonely');
  });

  it('matches a hook to its group and every group below it, on dot boundaries', () => {
    expect(hookMatches('userinterface', 'userinterface.screensaver')).toBe(true);
    expect(hookMatches('userinterface.screensaver', 'userinterface.screensaver')).toBe(true);
    expect(hookMatches('userinterface', 'userinterface')).toBe(true);
    expect(hookMatches('userinterface', 'userinterfaces.x')).toBe(false);
    expect(hookMatches('userinterface.screensaver', 'userinterface')).toBe(false);
    expect(hookMatches('sessions', 'sessions.rdp')).toBe(true);
  });
});

describe('runHooks', () => {
  it('runs each matching hook once, in name order, with its keys in the environment and values on stdin', async () => {
    const { dir, out } = hooksDir();
    for (const name of ['userinterface', 'userinterface.screensaver', 'sessions.rdp', 'network']) recordingHook(dir, name, out);
    const runs = await runHooks({
      ...base(dir),
      changes: {
        'userinterface.screensaver.timeout': 5,
        'userinterface.screensaver.enabled': null,
        'userinterface.keyboard.layout': 'de',
        'sessions.rdp[profile:12:1].server': 'rdp.example',
        'sessions.rdp[profile:12:1].password': 'hunter2',
      },
    });
    expect(runs.map((r) => [r.hook, r.ok, r.keys])).toEqual([
      ['sessions.rdp', true, ['sessions.rdp[profile:12:1].password', 'sessions.rdp[profile:12:1].server']],
      ['userinterface', true, ['userinterface.keyboard.layout', 'userinterface.screensaver.enabled', 'userinterface.screensaver.timeout']],
      ['userinterface.screensaver', true, ['userinterface.screensaver.enabled', 'userinterface.screensaver.timeout']],
    ]);
    expect(readFileSync(join(out, 'order'), 'utf8')).toBe('sessions.rdp\nuserinterface\nuserinterface.screensaver\n');
    expect(existsSync(join(out, 'network.keys'))).toBe(false);
    expect(readFileSync(join(out, 'userinterface.screensaver.keys'), 'utf8')).toBe(
      'userinterface.screensaver.enabled userinterface.screensaver.timeout\n',
    );
    expect(readFileSync(join(out, 'userinterface.env'), 'utf8')).toBe('server 4 /state/settings.json\n');
    expect(JSON.parse(readFileSync(join(out, 'userinterface.screensaver.stdin'), 'utf8'))).toEqual({
      'userinterface.screensaver.enabled': null,
      'userinterface.screensaver.timeout': 5,
    });
    // Secrets reach the hook that needs them (stdin), and nowhere else.
    expect(JSON.parse(readFileSync(join(out, 'sessions.rdp.stdin'), 'utf8'))['sessions.rdp[profile:12:1].password']).toBe('hunter2');
    expect(readFileSync(join(out, 'sessions.rdp.keys'), 'utf8')).not.toContain('hunter2');
  });

  it('runs nothing for no changes or no matching hook', async () => {
    const { dir, out } = hooksDir();
    recordingHook(dir, 'network', out);
    expect(await runHooks({ ...base(dir), changes: {} })).toEqual([]);
    expect(await runHooks({ ...base(dir), changes: { 'system.x.y': 1 } })).toEqual([]);
    expect(await runHooks({ ...base(join(dir, 'missing')), changes: { 'network.x.y': 1 } })).toEqual([]);
    expect(existsSync(join(out, 'order'))).toBe(false);
  });

  it('reports a failing hook with its exit code and last stderr line, and still runs the others', async () => {
    const { dir, out } = hooksDir();
    recordingHook(dir, 'network', out, 'echo "first line" >&2\necho "cannot write /etc/hosts" >&2\nexit 3\n');
    recordingHook(dir, 'network.lan', out);
    const lines: string[] = [];
    const runs = await runHooks({ ...base(dir), changes: { 'network.lan.mtu': 1400 }, log: createLogger({ write: (l) => lines.push(l) }) });
    expect(runs).toMatchObject([
      { hook: 'network', ok: false, message: 'hook network failed (exit code 3): cannot write /etc/hosts' },
      { hook: 'network.lan', ok: true },
    ]);
    expect(lines.join('')).toContain('hook network (1 key): hook network failed (exit code 3)');
    // Values are never logged.
    expect(lines.join('')).not.toContain('1400');
  });

  it('kills a hook (and what it started) after the timeout', async () => {
    const { dir, out } = hooksDir();
    recordingHook(dir, 'system', out, `sleep 30\necho "should not get here" > "${out}/late"\n`);
    const started = Date.now();
    const [run] = await runHooks({ ...base(dir), changes: { 'system.a.b': true }, timeoutMs: 300 });
    expect(run).toMatchObject({ hook: 'system', ok: false, message: 'hook system timed out after 300 ms' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(existsSync(join(out, 'late'))).toBe(false);
  });

  it('does not wait for a background child that keeps the output open', async () => {
    const { dir, out } = hooksDir();
    recordingHook(dir, 'system', out, 'sleep 20 &\nexit 0\n');
    const started = Date.now();
    const [run] = await runHooks({ ...base(dir), changes: { 'system.a.b': true } });
    expect(run).toMatchObject({ ok: true });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a hook that cannot start (bad interpreter)', async () => {
    const { dir } = hooksDir();
    writeFileSync(join(dir, 'system'), '#!/nonexistent/interpreter\n');
    chmodSync(join(dir, 'system'), 0o755);
    const [run] = await runHooks({ ...base(dir), changes: { 'system.a.b': true } });
    expect(run).toMatchObject({ hook: 'system', ok: false });
    expect(run!.message).toMatch(/^hook system could not start: .*ENOENT/);
  });
});

describe('listHooks', () => {
  it('ignores non-executables and odd names, refuses files others may write', () => {
    const { dir } = hooksDir();
    const make = (name: string, mode: number) => {
      writeFileSync(join(dir, name), '#!/bin/sh\n');
      chmodSync(join(dir, name), mode);
    };
    make('README', 0o644);
    make('.hidden', 0o755);
    make('network~', 0o755);
    make('with space', 0o755);
    make('shared', 0o775);
    make('system', 0o700);
    mkdirSync(join(dir, 'sessions'));
    const warnings: string[] = [];
    expect(listHooks(dir, { ...silentLogger, warn: (m) => warnings.push(m) }).map((h) => h.name)).toEqual(['system']);
    expect(warnings.join()).toContain('shared is writable by group or others');
    chmodSync(dir, 0o777);
    expect(listHooks(dir, silentLogger)).toEqual([]);
  });
});
