import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealServer, until, type AgentProcess } from './support/real-server.js';

/**
 * The device enrollment address reaches a real agent and is used for its reconnects. The server
 * listens on `::` (IPv4 and IPv6 loopback); its web certificate names 127.0.0.1, ::1 and
 * localhost. The agent enrolls at 127.0.0.1; the address it is then given is [::1], so the
 * server can tell which address a connection came through (the device's last IP).
 */
const PASSWORD = 'server-address-password-1';

let s: RealServer;
let state = '';
let deviceId = 0;
let run: AgentProcess;

const stored = () => {
  try {
    return JSON.parse(readFileSync(join(state, 'server-address.json'), 'utf8')) as { assigned: string | null; working: string };
  } catch {
    return null;
  }
};
const device = async () => (await s.api('GET', `/api/v1/devices/${deviceId}`)).json as { online: boolean; lastIp: string | null };
const setAddress = async (enrollmentAddress: string | null) => {
  const r = await s.api('PUT', '/api/v1/cluster-settings', { clusterAddress: null, enrollmentAddress });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
};
const log = () => run.err.join('');
/** Online again after a restart, through the given address (the channel's peer address as the server saw it). */
const onlineFrom = (ip: string) =>
  until(
    `device online from ${ip}`,
    async () => {
      const d = await device();
      return d.online && d.lastIp === ip;
    },
    90_000,
  );

describe('device enrollment address → agent reconnects', () => {
  beforeAll(async () => {
    s = await RealServer.start(PASSWORD, { host: '::' });
    state = join(s.dir, 'agent');
    const keys = await s.api('POST', '/api/v1/enrollment-keys', { type: 'mass' });
    const enroll = s.agent([
      'enroll',
      '--server',
      s.base,
      '--key',
      keys.json.keys[0].secret,
      '--state-dir',
      state,
      '--unit-id',
      'ADDR0001',
    ]);
    expect(await enroll.exit, enroll.err.join('')).toBe(0);
    deviceId = Number(/Enrolled as device (\d+)/.exec(enroll.out.join(''))?.[1]);
    run = s.agent(['run', '--state-dir', state]);
    await onlineFrom('127.0.0.1');
  }, 180_000);

  afterAll(() => s?.close());

  it('a connected agent receives and stores the address, and reconnects through it after a server restart', async () => {
    expect(stored()).toBeNull();
    await setAddress(`[::1]:${s.port}`);
    const assigned = `https://[::1]:${s.port}`;
    await until('address stored by the agent', async () => stored()?.assigned === assigned);
    expect(stored()).toEqual({ assigned, working: s.base });
    // The channel stays where it is until the next reconnect.
    expect((await device()).lastIp).toBe('127.0.0.1');

    await s.restart();
    await onlineFrom('::1');
    await until('new address recorded as working', async () => stored()?.working === assigned);
    expect(log()).toContain(`online as device ${deviceId} via [::1]:${s.port}`);
  }, 150_000);

  it('an address that does not answer: back to the last working one after 3 attempts, the assignment kept', async () => {
    const bad = `127.0.0.1:1`;
    await setAddress(bad);
    await until('bad address stored', async () => stored()?.assigned === 'https://127.0.0.1:1');
    await s.restart();
    await onlineFrom('::1');
    expect(log()).toContain(`server address https://127.0.0.1:1 did not answer 3 attempts; trying https://[::1]:${s.port} as well`);
    expect(stored()).toEqual({ assigned: 'https://127.0.0.1:1', working: `https://[::1]:${s.port}` });
  }, 150_000);

  it('an agent that was offline gets the address in welcome; clearing the setting leaves agents with theirs', async () => {
    run.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    await setAddress(`localhost:${s.port}`);
    run = s.agent(['run', '--state-dir', state]);
    await until('address from welcome stored', async () => stored()?.assigned === `https://localhost:${s.port}`);

    await setAddress(null);
    run.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    run = s.agent(['run', '--state-dir', state]);
    await until('online again', async () => (await device()).online && log().includes('online as device'));
    expect(stored()?.assigned).toBe(`https://localhost:${s.port}`);
  }, 150_000);
});
