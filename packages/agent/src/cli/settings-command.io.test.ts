import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/log.js';
import { readQueue } from '../settings/queue.js';
import { SettingsStore } from '../settings/store.js';
import { parseSettingsArgs, UsageError } from './args.js';
import { runSettingsCommand } from './settings-command.js';

function setup() {
  const stateDir = mkdtempSync(join(tmpdir(), 'settings-cli-'));
  const out: string[] = [];
  const err: string[] = [];
  const run = async (...argv: string[]) => {
    out.length = 0;
    err.length = 0;
    const code = await runSettingsCommand(parseSettingsArgs([...argv, '--state-dir', stateDir]), {
      log: silentLogger,
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    return { code, out: out.join(''), err: err.join('') };
  };
  return { stateDir, run };
}

describe('settings command line', () => {
  it('parses actions, keys and JSON values; refuses mistakes with a usage error', () => {
    expect(parseSettingsArgs(['set', 'a.b', '["x"]', '--state-dir', '/s'])).toMatchObject({
      action: 'set',
      key: 'a.b',
      value: ['x'],
      stateDir: '/s',
    });
    expect(parseSettingsArgs(['--state-dir', '/s', 'get'])).toMatchObject({ action: 'get', stateDir: '/s' });
    expect(parseSettingsArgs(['--state-dir', '/s', 'get'])).not.toHaveProperty('key');
    expect(parseSettingsArgs(['list', '--state-dir', '/s', '--show-secrets'])).toMatchObject({ action: 'list', showSecrets: true });
    const bad: Array<[string[], RegExp]> = [
      [['set', 'a.b', 'hello'], /must be JSON/],
      [['set', 'a.b'], /expected 2 argument/],
      [['unset'], /expected 1 argument/],
      [['list', 'x'], /expected 0 argument/],
      [['frobnicate'], /unknown action/],
      [['get', 'a b'], /may only contain/],
      [[], /say get, list, set or unset/],
    ];
    for (const [argv, message] of bad) expect(() => parseSettingsArgs([...argv, '--state-dir', '/s'])).toThrow(message);
    expect(() => parseSettingsArgs(['list'])).toThrow(UsageError);
  });

  it('set validates known keys against the catalogue (naming the key) and accepts unknown keys', async () => {
    const { run, stateDir } = setup();
    const wrong = await run('set', 'userinterface.screensaver.timeout', '"soon"');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('userinterface.screensaver.timeout: expected an integer from');
    expect((await run('set', 'userinterface.screensaver.timeout', '99999')).err).toContain('userinterface.screensaver.timeout');
    expect((await run('set', 'userinterface.display.monitor[9].resolution', '"1920x1080"')).err).toMatch(/monitor 9 does not exist/);
    expect((await run('set', 'userinterface.screensaver.timeout', 'null')).err).toContain('use "settings unset');
    expect(readQueue(stateDir, silentLogger).files).toEqual([]);

    expect(await run('set', 'vendor.custom.thing', '{"a":1}')).toMatchObject({
      code: 1,
      err: expect.stringContaining('vendor.custom.thing: expected'),
    });
    expect(await run('set', 'vendor.custom.thing', '["a","b"]')).toMatchObject({
      code: 0,
      out: 'set vendor.custom.thing; queued for the server\n',
    });
    expect(SettingsStore.load(join(stateDir, 'settings.json')).get('vendor.custom.thing')).toEqual(['a', 'b']);
  });

  it('set/unset change the store, run the hooks of the group, and queue the change', async () => {
    const { run, stateDir } = setup();
    const hooks = join(stateDir, 'hooks.d');
    mkdirSync(hooks);
    writeFileSync(
      join(hooks, 'userinterface'),
      `#!/bin/sh\necho "$OPENUMS_SETTINGS_SOURCE $OPENUMS_CHANGED_KEYS" >> "${stateDir}/hook.log"\n`,
    );
    chmodSync(join(hooks, 'userinterface'), 0o755);

    expect(await run('set', 'userinterface.screensaver.timeout', '5')).toEqual({
      code: 0,
      out: 'set userinterface.screensaver.timeout; queued for the server\nhook userinterface: ok\n',
      err: '',
    });
    expect(await run('get', 'userinterface.screensaver.timeout')).toMatchObject({ code: 0, out: '5\n' });
    // Same value again: nothing changes on the device, no hook, but it is queued as the device's own value.
    expect((await run('set', 'userinterface.screensaver.timeout', '5')).out).toBe(
      'set userinterface.screensaver.timeout (no change on this device); queued for the server\n',
    );
    expect(await run('unset', 'userinterface.screensaver.timeout')).toMatchObject({ code: 0 });
    expect(readFileSync(join(stateDir, 'hook.log'), 'utf8')).toBe(
      'local userinterface.screensaver.timeout\nlocal userinterface.screensaver.timeout\n',
    );

    const q = readQueue(stateDir, silentLogger);
    expect(q.files).toHaveLength(3);
    expect(q.changes).toEqual({ 'userinterface.screensaver.timeout': null });
    // Back to the catalogue default.
    expect(await run('get', 'userinterface.screensaver.timeout')).toMatchObject({
      code: 0,
      err: expect.stringContaining('catalogue default'),
    });
    expect(await run('get', 'vendor.nothing')).toMatchObject({ code: 1, err: 'vendor.nothing is not set\n' });
  });

  it('a failing hook: exit 1 with its message, the value stays stored and queued', async () => {
    const { run, stateDir } = setup();
    mkdirSync(join(stateDir, 'hooks.d'));
    writeFileSync(join(stateDir, 'hooks.d', 'network'), '#!/bin/sh\necho "interface busy" >&2\nexit 4\n');
    chmodSync(join(stateDir, 'hooks.d', 'network'), 0o755);
    const r = await run('set', 'network.lan.mtu', '1400');
    expect(r.code).toBe(1);
    expect(r.err).toContain('hook network failed (exit code 4): interface busy');
    expect(SettingsStore.load(join(stateDir, 'settings.json')).get('network.lan.mtu')).toBe(1400);
    expect(readQueue(stateDir, silentLogger).changes).toEqual({ 'network.lan.mtu': 1400 });
  });

  it('list and get mask secrets unless asked', async () => {
    const { run } = setup();
    await run('set', 'security.admin_password', '"hunter2"');
    await run('set', 'vendor.api_token', '"t0k"');
    await run('set', 'userinterface.screensaver.timeout', '7');
    expect((await run('list')).out).toBe(
      'security.admin_password = "********"\nuserinterface.screensaver.timeout = 7\nvendor.api_token = "********"\n',
    );
    expect((await run('get', 'security.admin_password')).out).toBe('"********"\n');
    expect((await run('get', 'security.admin_password', '--show-secrets')).out).toBe('"hunter2"\n');
    const all = JSON.parse((await run('get')).out);
    expect(all).toMatchObject({
      revision: 0,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      settings: { 'security.admin_password': '********', 'userinterface.screensaver.timeout': 7 },
    });
  });
});
