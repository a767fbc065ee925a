import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SettingsAppliedMessage, SettingsMessage } from '@openums/protocol';
import { silentLogger } from '../lib/log.js';
import { RecordingPlatform } from '../platform/recording.js';
import { SettingsApplier } from './applier.js';
import { EMPTY_SETTINGS_HASH, settingsHash } from './hash.js';
import { settingsPaths } from './paths.js';
import { SettingsStore } from './store.js';

function setup(hooks: Record<string, string> = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), 'settings-applier-'));
  const paths = settingsPaths(stateDir);
  mkdirSync(paths.hooksDir);
  for (const [name, body] of Object.entries(hooks)) {
    writeFileSync(join(paths.hooksDir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(paths.hooksDir, name), 0o755);
  }
  const sent: SettingsAppliedMessage[] = [];
  const platform = new RecordingPlatform({ unitId: 'U1', mac: '020000000001' });
  const inner = new SettingsApplier({ paths, log: silentLogger, platform });
  const reply = async (m: SettingsAppliedMessage) => {
    sent.push(m);
    return true;
  };
  const applier = {
    receive: (m: SettingsMessage) => inner.receive(m, reply),
    idle: () => inner.idle(),
    currentHash: () => inner.currentHash(),
  };
  return { stateDir, paths, sent, platform, applier, inner };
}

const msg = (
  revision: number,
  settings: Record<string, string | number | boolean | string[]>,
  hash = settingsHash(settings),
): SettingsMessage => ({
  t: 'settings',
  revision,
  hash,
  settings,
});

describe('SettingsApplier', () => {
  it('applies a configuration: store, hooks, settings-applied with the store hash; records it without secrets', async () => {
    const { paths, sent, platform, applier, stateDir } = setup({ userinterface: `cat > "${'$OPENUMS_SETTINGS_FILE'}.hook-input"` });
    expect(applier.currentHash()).toBe(EMPTY_SETTINGS_HASH);
    const settings = { 'userinterface.screensaver.timeout': 5, 'system.remotemanager.shadowing.password': 'hunter2' };
    applier.receive(msg(3, settings));
    await applier.idle();
    expect(sent).toEqual([{ t: 'settings-applied', revision: 3, hash: settingsHash(settings), ok: true }]);
    const store = SettingsStore.load(paths.store);
    expect(store.revision).toBe(3);
    expect(store.hash()).toBe(settingsHash(settings));
    expect(applier.currentHash()).toBe(settingsHash(settings));
    expect(JSON.parse(readFileSync(join(stateDir, 'settings.json.hook-input'), 'utf8'))).toEqual({
      'userinterface.screensaver.timeout': 5,
    });
    expect(platform.actions.map((a) => a.action)).toEqual(['hook', 'settings']);
    expect(platform.actions[0]).toMatchObject({ hook: 'userinterface', keys: ['userinterface.screensaver.timeout'], ok: true });
    expect(platform.actions[1]).toMatchObject({
      revision: 3,
      source: 'server',
      ok: true,
      settings: { 'userinterface.screensaver.timeout': 5, 'system.remotemanager.shadowing.password': '********' },
    });
  });

  it('answers at once and runs nothing when the hash already matches (only the revision is recorded)', async () => {
    const { paths, sent, platform, applier } = setup({ userinterface: 'exit 1' });
    SettingsStore.load(paths.store).replace({ 'userinterface.a.b': 1 }, 1);
    applier.receive(msg(2, { 'userinterface.a.b': 1 }));
    await applier.idle();
    expect(sent).toEqual([{ t: 'settings-applied', revision: 2, hash: settingsHash({ 'userinterface.a.b': 1 }), ok: true }]);
    expect(platform.actions).toEqual([]);
    expect(SettingsStore.load(paths.store).revision).toBe(2);
  });

  it('refuses a map that does not match its hash and keeps the store', async () => {
    const { paths, sent, applier } = setup();
    SettingsStore.load(paths.store).replace({ 'a.b': 1 }, 1);
    applier.receive(msg(2, { 'a.b': 2 }, settingsHash({ 'a.b': 3 })));
    await applier.idle();
    expect(sent).toEqual([{ t: 'settings-applied', revision: 2, hash: settingsHash({ 'a.b': 1 }), ok: false, message: 'hash mismatch' }]);
    expect(SettingsStore.load(paths.store).get('a.b')).toBe(1);
  });

  it('a failing hook: ok=false naming the hook, but the store holds the new configuration', async () => {
    const { paths, sent, platform, applier } = setup({ network: 'echo "no such interface" >&2; exit 2', 'network.lan': 'exit 0' });
    applier.receive(msg(5, { 'network.lan.mtu': 1400 }));
    await applier.idle();
    expect(sent).toEqual([
      {
        t: 'settings-applied',
        revision: 5,
        hash: settingsHash({ 'network.lan.mtu': 1400 }),
        ok: false,
        message: 'hook network failed (exit code 2): no such interface',
      },
    ]);
    expect(SettingsStore.load(paths.store).get('network.lan.mtu')).toBe(1400);
    expect(platform.actions.at(-1)).toMatchObject({
      action: 'settings',
      ok: false,
      message: 'hook network failed (exit code 2): no such interface',
    });
  });

  it('applies one at a time; of several arriving meanwhile only the newest follows', async () => {
    const { paths, sent, applier, stateDir } = setup({
      system: `sleep 0.3; echo "$OPENUMS_SETTINGS_REVISION" >> "${'$OPENUMS_SETTINGS_FILE'}.runs"`,
    });
    applier.receive(msg(1, { 'system.a.b': 1 }));
    applier.receive(msg(2, { 'system.a.b': 2 }));
    applier.receive(msg(3, { 'system.a.b': 3 }));
    // An older revision arriving late does not replace a newer one that waits.
    applier.receive(msg(2, { 'system.a.b': 2 }));
    await applier.idle();
    expect(sent.map((m) => [m.revision, m.ok])).toEqual([
      [1, true],
      [3, true],
    ]);
    expect(readFileSync(join(stateDir, 'settings.json.runs'), 'utf8')).toBe('1\n3\n');
    expect(SettingsStore.load(paths.store).get('system.a.b')).toBe(3);
  });

  it('removes keys the new configuration no longer has and gives their hooks null', async () => {
    const { sent, applier, stateDir } = setup({ sessions: `cat > "${'$OPENUMS_SETTINGS_FILE'}.in"` });
    applier.receive(msg(1, { 'sessions.rdp[profile:1:1].server': 'a', 'sessions.rdp[profile:1:1].port': 3389 }));
    await applier.idle();
    applier.receive(msg(2, { 'sessions.rdp[profile:1:1].server': 'a' }));
    await applier.idle();
    expect(sent.map((m) => m.ok)).toEqual([true, true]);
    expect(JSON.parse(readFileSync(join(stateDir, 'settings.json.in'), 'utf8'))).toEqual({ 'sessions.rdp[profile:1:1].port': null });
  });
});

describe('SettingsApplier answers', () => {
  it('go back through the reply of the message they answer', async () => {
    const { inner } = setup();
    const first: SettingsAppliedMessage[] = [];
    const second: SettingsAppliedMessage[] = [];
    inner.receive(msg(1, { 'a.b': 1 }), async (m) => (first.push(m), false));
    inner.receive(msg(2, { 'a.b': 2 }), async (m) => (second.push(m), true));
    await inner.idle();
    expect(first.map((m) => m.revision)).toEqual([1]);
    expect(second.map((m) => m.revision)).toEqual([2]);
  });
});
