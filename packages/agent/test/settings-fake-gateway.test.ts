import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettingsArgs } from '../src/cli/args.js';
import { runSettingsCommand } from '../src/cli/settings-command.js';
import { enrollDevice } from '../src/enroll/enroll.js';
import { silentLogger } from '../src/lib/log.js';
import { RecordingPlatform } from '../src/platform/recording.js';
import { runAgent } from '../src/run/run-agent.js';
import { EMPTY_SETTINGS_HASH, settingsHash } from '../src/settings/hash.js';
import { FakeServer } from './support/fake-server.js';

/**
 * The settings side of `run` against the fake gateway (real mutual TLS, real agent code): the
 * server side of settings delivery is tested against the real server in settings-delivery.test.ts.
 */
let server: FakeServer;
beforeAll(async () => {
  server = await FakeServer.start();
});
afterAll(() => server.close());

const settingsCli = (stateDir: string, ...argv: string[]) =>
  runSettingsCommand(parseSettingsArgs([...argv, '--state-dir', stateDir]), {
    log: silentLogger,
    out: () => undefined,
    err: () => undefined,
  });

describe('run: settings over the device channel', () => {
  it('sends the store hash in hello, applies settings with hooks, and reports local changes (also after a reconnect)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-settings-'));
    await enrollDevice({ server: `https://127.0.0.1:${server.port}`, key: 'good-key', stateDir: dir, unitId: 'SET-1', log: silentLogger });
    mkdirSync(join(dir, 'hooks.d'));
    writeFileSync(
      join(dir, 'hooks.d', 'userinterface'),
      `#!/bin/sh\necho "$OPENUMS_SETTINGS_SOURCE $OPENUMS_CHANGED_KEYS" >> "${dir}/hook.log"\n`,
    );
    chmodSync(join(dir, 'hooks.d', 'userinterface'), 0o755);
    const platform = new RecordingPlatform({ unitId: 'SET-1', mac: '020000000077' });
    let stop!: () => void;
    let conn = server.nextConnection();
    const exit = runAgent({
      stateDir: dir,
      platform,
      log: silentLogger,
      handleSignals: false,
      stopSignal: new Promise<void>((r) => (stop = r)),
    });

    const c1 = await conn;
    expect(await c1.next((m) => m.t === 'hello')).toMatchObject({ settingsHash: EMPTY_SETTINGS_HASH });

    const settings = { 'userinterface.screensaver.timeout': 5, 'network.lan.mtu': 1400 };
    const hash = settingsHash(settings);
    c1.ws.send(JSON.stringify({ t: 'settings', revision: 1, hash, settings }));
    expect(await c1.next((m) => m.t === 'settings-applied')).toEqual({ t: 'settings-applied', revision: 1, hash, ok: true });
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toMatchObject({ revision: 1, settings });
    expect(readFileSync(join(dir, 'hook.log'), 'utf8')).toBe('server userinterface.screensaver.timeout\n');
    expect(platform.actions.filter((a) => a.action === 'settings')).toMatchObject([{ revision: 1, ok: true, settings }]);

    // Same configuration again: answered, nothing runs.
    c1.ws.send(JSON.stringify({ t: 'settings', revision: 2, hash, settings }));
    expect(await c1.next((m) => m.t === 'settings-applied')).toEqual({ t: 'settings-applied', revision: 2, hash, ok: true });
    // A map that does not match its hash is refused; so is a malformed message.
    c1.ws.send(JSON.stringify({ t: 'settings', revision: 3, hash: settingsHash({}), settings }));
    expect(await c1.next((m) => m.t === 'settings-applied')).toEqual({
      t: 'settings-applied',
      revision: 3,
      hash,
      ok: false,
      message: 'hash mismatch',
    });
    c1.ws.send(JSON.stringify({ t: 'settings', revision: 4, hash, settings: { 'a.b': { deep: 1 } } }));
    expect(readFileSync(join(dir, 'hook.log'), 'utf8')).toBe('server userinterface.screensaver.timeout\n');

    // A local change while connected is reported within the poll interval.
    expect(await settingsCli(dir, 'set', 'userinterface.screensaver.timeout', '9')).toBe(0);
    expect(await c1.next((m) => m.t === 'settings-report', 8000)).toEqual({
      t: 'settings-report',
      settings: { 'userinterface.screensaver.timeout': 9 },
    });
    // Removed once the send completed (just after the server got it).
    for (let i = 0; i < 50 && readdirSync(join(dir, 'settings-queue')).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(join(dir, 'settings-queue'))).toEqual([]);

    // A change made while the channel is down goes out right after the reconnect; hello carries the new hash.
    conn = server.nextConnection();
    server.welcome = null;
    c1.ws.terminate();
    const c2 = await conn;
    expect(await settingsCli(dir, 'unset', 'network.lan.mtu')).toBe(0);
    server.welcome = { heartbeatSeconds: 1, heartbeatOffsetSeconds: 0 };
    const local = { 'userinterface.screensaver.timeout': 9 };
    const hello = await c2.next((m) => m.t === 'hello');
    // The hello was prepared before the unset, or after it: either way it is the hash of a store state.
    expect([settingsHash({ ...settings, ...local }), settingsHash(local)]).toContain(hello.settingsHash);
    c2.ws.send(JSON.stringify({ t: 'welcome', deviceId: 1, serverTime: Date.now(), heartbeatSeconds: 1, heartbeatOffsetSeconds: 0 }));
    expect(await c2.next((m) => m.t === 'settings-report', 5000)).toEqual({ t: 'settings-report', settings: { 'network.lan.mtu': null } });
    expect(readFileSync(join(dir, 'hook.log'), 'utf8')).toBe(
      'server userinterface.screensaver.timeout\nlocal userinterface.screensaver.timeout\n',
    );

    stop();
    expect(await exit).toBe(0);
  });
});
