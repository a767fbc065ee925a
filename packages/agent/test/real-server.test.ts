import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealServer, until } from './support/real-server.js';

/**
 * End to end against the real OpenUMS server: built server and agent binaries in child
 * processes, real EST, real mutual-TLS gateway, real REST API.
 */
const PASSWORD = 'agent-e2e-password-1';

let s: RealServer;
let dir = '';
const api = (method: string, path: string, body?: unknown) => s.api(method, path, body);
const agent = (args: string[]) => s.agent(args);
let base = '';

describe('agent against the real server', () => {
  beforeAll(async () => {
    s = await RealServer.start(PASSWORD);
    dir = s.dir;
    base = s.base;
  });

  afterAll(() => s?.close());

  it('enrolls with a pinned CA, comes online, runs a command, and exits when the device is deleted', async () => {
    const keys = await api('POST', '/api/v1/enrollment-keys', { type: 'mass' });
    expect(keys.status).toBe(201);
    const secret: string = keys.json.keys[0].secret;
    const ca = await api('GET', '/ca.crt');
    const fingerprint = String(ca.headers['x-certificate-fingerprint']);
    const state = join(dir, 'agent');

    const wrongPin = agent([
      'enroll',
      '--server',
      base,
      '--key',
      secret,
      '--state-dir',
      join(dir, 'wrong'),
      '--ca-fingerprint',
      `sha256:${'00:'.repeat(31)}00`,
    ]);
    expect(await wrongPin.exit).toBe(1);
    expect(wrongPin.err.join('')).toContain('does not match --ca-fingerprint');

    const badKey = agent(['enroll', '--server', base, '--key', 'oek_wrong', '--state-dir', join(dir, 'bad')]);
    expect(await badKey.exit).toBe(1);
    expect(badKey.err.join('')).toContain('ENROLLMENT_KEY_INVALID');

    const enroll = agent([
      'enroll',
      '--server',
      base,
      '--key',
      secret,
      '--state-dir',
      state,
      '--ca-fingerprint',
      fingerprint,
      '--unit-id',
      'AGENTE2E0001',
    ]);
    expect(await enroll.exit, enroll.err.join('')).toBe(0);
    const deviceId = Number(/Enrolled as device (\d+)/.exec(enroll.out.join(''))?.[1]);
    expect(deviceId).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(state, 'agent.json'), 'utf8'))).toMatchObject({ deviceId, unitId: 'AGENTE2E0001' });

    const run = agent(['run', '--state-dir', state]);
    await until('device online', async () => (await api('GET', `/api/v1/devices/${deviceId}`)).json.online === true);

    const sent = await api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [deviceId], text: 'hi' });
    const commandId = sent.json.commands[0].id;
    const done = await until('command finished', async () => {
      const c = await api('GET', `/api/v1/commands/${commandId}`);
      return ['succeeded', 'failed'].includes(c.json.state) ? c.json : null;
    });
    expect(done).toMatchObject({ state: 'succeeded', message: 'message shown' });

    const reboot = await api('POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [deviceId] });
    const rebootDone = await until('reboot refused', async () => {
      const c = await api('GET', `/api/v1/commands/${reboot.json.commands[0].id}`);
      return ['succeeded', 'failed'].includes(c.json.state) ? c.json : null;
    });
    expect(rebootDone).toMatchObject({ state: 'failed', message: 'power actions disabled in agent config' });
    expect(run.err.join('')).toContain('message from the administrator: hi');

    expect((await api('DELETE', `/api/v1/devices/${deviceId}`)).status).toBeLessThan(300);
    expect(await run.exit).toBe(3);
    expect(existsSync(join(state, 'device.key'))).toBe(false);
  });

  it('simulates 50 devices in 2 processes, all online, identities reused on a second run', async () => {
    const keys = await api('POST', '/api/v1/enrollment-keys', { type: 'mass' });
    const secret: string = keys.json.keys[0].secret;
    const state = join(dir, 'sim');
    const simulate = async () => {
      const sim = agent([
        'simulate',
        '--server',
        base,
        '--key',
        secret,
        '--count',
        '50',
        '--processes',
        '2',
        '--state-dir',
        state,
        '--stats-interval',
        '1',
        '--local-addresses',
        '127.0.0.2-127.0.0.9',
      ]);
      await until(
        'all 50 online',
        async () =>
          sim.out
            .join('')
            .split('\n')
            .some((l) => l.startsWith('{"t":"stats"') && JSON.parse(l).online === 50),
        60_000,
      );
      sim.kill('SIGINT');
      expect(await sim.exit).toBe(0);
      const lines = sim.out.join('').trim().split('\n');
      return JSON.parse(lines.at(-1)!);
    };
    const first = await simulate();
    expect(first).toMatchObject({ t: 'summary', count: 50, processes: 2, enrolled: 50, online: 50, failedEnroll: 0, crashedProcesses: 0 });
    expect(first.allOnlineSeconds).toBeGreaterThan(0);
    expect(first.timeToOnlineMs.count).toBe(50);

    const enrolledBefore = (await api('GET', '/api/v1/enrollment-keys')).json.items.find(
      (k: { id: number }) => k.id === keys.json.keys[0].id,
    )?.uses;
    const second = await simulate();
    expect(second).toMatchObject({ enrolled: 50, online: 50, failedEnroll: 0 });
    const enrolledAfter = (await api('GET', '/api/v1/enrollment-keys')).json.items.find(
      (k: { id: number }) => k.id === keys.json.keys[0].id,
    )?.uses;
    expect(enrolledBefore).toBe(50);
    expect(enrolledAfter).toBe(50);
  });
});
