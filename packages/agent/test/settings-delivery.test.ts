import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealServer, until } from './support/real-server.js';

/**
 * Settings delivery end to end: the real server (profiles, assignments, delivery over mutual
 * TLS) and the real agent process with the recording platform, its store file, its hooks and
 * its `settings` command.
 */
const PASSWORD = 'agent-settings-password-1';
const TIMEOUT = 'userinterface.screensaver.timeout';
const DOMAIN = 'network.dns.domain';
const SECRET = 'security.admin_password';

let s: RealServer;
beforeAll(async () => {
  s = await RealServer.start(PASSWORD);
});
afterAll(() => s?.close());

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const lines = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

describe('settings delivery: real server, real agent', () => {
  it('applies a profile now, holds a next-reboot change until the agent restarts, and reports local changes', async () => {
    const { dir } = s;
    const state = join(dir, 'agent');
    const hookLog = join(dir, 'hook.log');
    const actions = join(dir, 'actions.jsonl');

    // A folder, an enrolled device in it.
    const folder = (await s.api('POST', '/api/v1/device-folders', { name: 'Kiosks' })).json.id as number;
    const key = (await s.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).json.keys[0].secret as string;
    const enroll = s.agent(['enroll', '--server', s.base, '--key', key, '--state-dir', state, '--unit-id', 'SETTINGS0001']);
    expect(await enroll.exit, enroll.err.join('')).toBe(0);
    const deviceId = Number(/Enrolled as device (\d+)/.exec(enroll.out.join(''))?.[1]);
    expect((await s.api('PATCH', `/api/v1/devices/${deviceId}`, { folderId: folder })).status).toBe(200);

    // A hook for the whole userinterface tree: records its keys and input.
    mkdirSync(join(state, 'hooks.d'), { mode: 0o700 });
    writeFileSync(
      join(state, 'hooks.d', 'userinterface'),
      `#!/bin/sh\nprintf '%s\\t%s\\t%s\\n' "$OPENUMS_SETTINGS_SOURCE" "$OPENUMS_CHANGED_KEYS" "$(cat)" >> "${hookLog}"\n`,
    );
    chmodSync(join(state, 'hooks.d', 'userinterface'), 0o700);

    const device = async () => (await s.api('GET', `/api/v1/devices/${deviceId}`)).json;
    const store = () => (existsSync(join(state, 'settings.json')) ? readJson(join(state, 'settings.json')) : null);
    const run = () => s.agent(['run', '--state-dir', state, '--platform', 'recording', '--actions-file', actions]);

    let agent = run();
    await until('device online', async () => (await device()).online === true);
    // Nothing assigned: the empty store is the configuration.
    await until('empty configuration confirmed', async () => (await device()).configChanges === 'APPLIED');

    // ── a profile assigned to the folder, applied now ──
    const created = await s.api('POST', '/api/v1/profiles', {
      name: 'Screensaver',
      type: 'standard',
      settings: { [TIMEOUT]: 5, [SECRET]: 'Adm1n-s3cret' },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const profile = created.json.id as number;
    const assigned = await s.api('POST', `/api/v1/profiles/${profile}/assignments`, {
      targets: [{ type: 'folder', id: folder }],
      apply: 'now',
    });
    expect(assigned.status, JSON.stringify(assigned.json)).toBeLessThan(300);

    await until('value in the store', async () => store()?.settings[TIMEOUT] === 5).catch((e: Error) => {
      throw new Error(`${e.message}\nagent log:\n${agent.err.join('')}`);
    });
    await until('configChanges APPLIED', async () => (await device()).configChanges === 'APPLIED');
    const applied = store();
    expect(applied.revision).toBeGreaterThan(0);
    const secretValue = applied.settings[SECRET] as string;
    expect(secretValue).toBeTruthy();
    expect(readFileSync(hookLog, 'utf8')).toBe(`server\t${TIMEOUT}\t{"${TIMEOUT}":5}\n`);
    const recorded = lines(actions);
    expect(recorded.find((a) => a.action === 'hook')).toMatchObject({ hook: 'userinterface', keys: [TIMEOUT], ok: true });
    expect(recorded.find((a) => a.action === 'settings')).toMatchObject({
      source: 'server',
      ok: true,
      settings: { [TIMEOUT]: 5, [SECRET]: '********' },
    });
    // The secret reached the store (and nothing else).
    expect(agent.err.join('')).not.toContain(secretValue);
    expect(readFileSync(actions, 'utf8')).not.toContain(secretValue);

    // ── a change for the next reboot: not while the agent stays connected … ──
    const patched = await s.api('PATCH', `/api/v1/profiles/${profile}`, {
      settings: { [TIMEOUT]: 15, [SECRET]: 'Adm1n-s3cret' },
      apply: 'next-reboot',
    });
    expect(patched.status, JSON.stringify(patched.json)).toBe(200);
    await until('configChanges PENDING', async () => (await device()).configChanges === 'PENDING');
    // Nothing may arrive: the server's delivery pass runs within ~20 ms of the change, so half a
    // second without a change in the store shows it was held (an absence cannot be awaited).
    await new Promise((r) => setTimeout(r, 500));
    expect(store().settings[TIMEOUT]).toBe(5);
    expect((await device()).configChanges).toBe('PENDING');

    // … but after a restart (the recording platform's boot time is the agent's start time).
    agent.kill('SIGTERM');
    expect(await agent.exit).toBe(0);
    agent = run();
    await until('next-reboot value in the store', async () => store()?.settings[TIMEOUT] === 15);
    await until('configChanges APPLIED after the restart', async () => (await device()).configChanges === 'APPLIED');
    expect(readFileSync(hookLog, 'utf8').trim().split('\n').at(-1)).toBe(`server\t${TIMEOUT}\t{"${TIMEOUT}":15}`);

    // ── a value set on the device is reported and becomes its own configuration ──
    const set = s.agent(['settings', 'set', DOMAIN, '"branch.example"', '--state-dir', state]);
    expect(await set.exit, set.err.join('')).toBe(0);
    expect(set.out.join('')).toContain(`set ${DOMAIN}; queued for the server`);
    await until(
      'own configuration on the server',
      async () => (await s.api('GET', `/api/v1/devices/${deviceId}/settings`)).json.settings?.[DOMAIN] === 'branch.example',
    );
    // The server's effective configuration now includes it; the device already has it.
    await until('configuration confirmed with the local value', async () => {
      const st = (await s.api('GET', `/api/v1/devices/${deviceId}/settings`)).json;
      return st.configChanges === 'APPLIED' && st.appliedRevision === st.revision;
    });
    expect(store().settings).toMatchObject({ [TIMEOUT]: 15, [DOMAIN]: 'branch.example' });
    // The queue is empty once reported.
    await until('queue emptied', async () => readdirSync(join(state, 'settings-queue')).length === 0);

    agent.kill('SIGTERM');
    expect(await agent.exit).toBe(0);
    expect(agent.err.join('')).not.toContain(secretValue);
  });

  it('simulated devices answer settings; the summary counts them', async () => {
    const folder = (await s.api('POST', '/api/v1/device-folders', { name: 'Simulated' })).json.id as number;
    const key = await s.api('POST', '/api/v1/enrollment-keys', { type: 'mass', folderId: folder });
    const secret = key.json.keys[0].secret as string;
    const sim = s.agent([
      'simulate',
      '--server',
      s.base,
      '--key',
      secret,
      '--count',
      '6',
      '--processes',
      '2',
      '--state-dir',
      join(s.dir, 'sim'),
      '--stats-interval',
      '1',
    ]);
    const stats = () =>
      sim.out
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{"t":"stats"'))
        .map((l) => JSON.parse(l))
        .at(-1);
    await until('all 6 online', async () => stats()?.online === 6, 60_000);

    // The key put them in the folder; a profile assigned there reaches all six.
    const ids = ((await s.api('GET', `/api/v1/devices?folderId=${folder}&limit=100`)).json.items as Array<{ id: number }>).map((d) => d.id);
    expect(ids).toHaveLength(6);
    const before = Date.now();
    const profile = (await s.api('POST', '/api/v1/profiles', { name: 'Sim', type: 'standard', settings: { [TIMEOUT]: 9 } })).json.id;
    await s.api('POST', `/api/v1/profiles/${profile}/assignments`, { targets: [{ type: 'folder', id: folder }], apply: 'now' });
    await until('all applied', async () => stats()?.settingsApplied >= 6, 30_000);
    expect(stats().lastSettingsAppliedAt).toBeGreaterThanOrEqual(before);

    sim.kill('SIGINT');
    expect(await sim.exit).toBe(0);
    const summary = JSON.parse(sim.out.join('').trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ t: 'summary', settingsFailed: 0 });
    expect(summary.settingsApplied).toBeGreaterThanOrEqual(6);
    expect(summary.settingsReceived).toBeGreaterThanOrEqual(6);
    for (const id of ids) {
      await until(
        `device ${id} APPLIED`,
        async () => (await s.api('GET', `/api/v1/devices/${id}`)).json.configChanges === 'APPLIED',
        10_000,
      );
    }
  });
});
