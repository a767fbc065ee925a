import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealServer, until } from './support/real-server.js';

/**
 * Device attributes end to end: the real server and the real agent process — the definitions
 * and an administrator's values reach the device, `attrs set` + `attrs sync` reach the server,
 * and a `set` the overwrite rule forbids is refused by the CLI.
 */
const PASSWORD = 'agent-attributes-password-1';

let s: RealServer;
beforeAll(async () => {
  s = await RealServer.start(PASSWORD);
});
afterAll(() => s?.close());

describe('device attributes: real server, real agent', () => {
  it('admin sets → device receives; device sets and syncs → server stores; forbidden set refused', async () => {
    const state = join(s.dir, 'agent');
    for (const def of [
      { identifier: 'location', name: 'Location', type: 'range', range: ['Augsburg', 'Karlsruhe', 'San Francisco'], overwrite: 'all' },
      { identifier: 'department', name: 'Department', type: 'string', overwrite: 'server' },
      { identifier: 'desk', name: 'Desk', type: 'number', overwrite: 'device' },
    ]) {
      const r = await s.api('POST', '/api/v1/device-attributes', def);
      expect(r.status, JSON.stringify(r.json)).toBe(201);
    }
    const key = (await s.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).json.keys[0].secret as string;
    const enroll = s.agent(['enroll', '--server', s.base, '--key', key, '--state-dir', state, '--unit-id', 'ATTRS0001']);
    expect(await enroll.exit, enroll.err.join('')).toBe(0);
    const deviceId = Number(/Enrolled as device (\d+)/.exec(enroll.out.join(''))?.[1]);

    const attrs = async (...args: string[]) => {
      const p = s.agent(['attrs', ...args, '--state-dir', state]);
      const code = await p.exit;
      return { code, out: p.out.join(''), err: p.err.join('') };
    };
    const serverValues = async () =>
      Object.fromEntries(
        (
          (await s.api('GET', `/api/v1/devices/${deviceId}/attributes`)).json.items as Array<{ identifier: string; value: string | null }>
        ).map((i) => [i.identifier, i.value]),
      );
    const stored = () =>
      existsSync(join(state, 'attributes.json')) ? JSON.parse(readFileSync(join(state, 'attributes.json'), 'utf8')) : null;

    // Before the agent ever connected it knows no attributes.
    expect((await attrs('set', 'location', 'Augsburg')).err).toMatch(/no device attribute "location".*not received/);

    const agent = s.agent(['run', '--state-dir', state, '--platform', 'recording']);
    await until('definitions on the device', async () => stored()?.definitions?.length === 3).catch((e: Error) => {
      throw new Error(`${e.message}\nagent log:\n${agent.err.join('')}`);
    });
    expect((await attrs('list')).out).toBe('department:string:\ndesk:number:\nlocation:range:\n');
    expect((await attrs('range', 'location')).out).toBe('Augsburg\nKarlsruhe\nSan Francisco\n');
    expect((await attrs('type', 'desk')).out).toBe('number\n');

    // ── the administrator sets values: the connected device receives them ──
    const put = await s.api('PUT', `/api/v1/devices/${deviceId}/attributes`, { values: { location: 'Karlsruhe', department: 'Finance' } });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    await until('values on the device', async () => stored()?.values?.department === 'Finance');
    expect((await attrs('get', 'location')).out).toBe('Karlsruhe\n');
    expect((await attrs('list')).out).toBe('department:string:Finance\ndesk:number:\nlocation:range:Karlsruhe\n');

    // ── a set the overwrite rule forbids is refused with a message, and changes nothing ──
    const refused = await attrs('set', 'department', 'Sales');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/overwrite rule of "department" \(server\) does not permit the device to change its value/);
    expect((await attrs('get', 'department')).out).toBe('Finance\n');
    expect((await attrs('reset', 'department')).code).toBe(1);
    expect((await attrs('get', 'nothing')).code).toBe(1);

    // ── the device sets values (rule device and all), then syncs: the server stores them ──
    expect((await attrs('set', 'desk', '42')).code).toBe(0);
    expect((await attrs('set', 'location', 'San Francisco')).code).toBe(0);
    expect((await attrs('get', 'desk')).out).toBe('42\n');
    expect((await serverValues()).desk).toBeNull();
    const sync = await attrs('sync');
    expect(sync.out).toMatch(/2 attribute change\(s\)/);
    await until('device values on the server', async () => {
      const v = await serverValues();
      return v.desk === '42' && v.location === 'San Francisco';
    });
    expect((await serverValues()).department).toBe('Finance');
    await until('sent changes cleared', async () => Object.keys(stored()?.changed ?? { x: 1 }).length === 0);
    expect((await attrs('sync')).out).toMatch(/nothing to send/);

    // ── reset on the device: the server forgets the value ──
    expect((await attrs('reset', 'desk')).code).toBe(0);
    expect((await attrs('get', 'desk')).out).toBe('\n');
    await attrs('sync');
    await until('reset reached the server', async () => (await serverValues()).desk === null);

    // A value the type refuses is not stored (the CLI does not check types; the server does).
    expect((await attrs('set', 'desk', 'forty')).code).toBe(0);
    await attrs('sync');
    await until('refusal logged by the agent', async () => agent.err.join('').includes('desk: the value "forty" is not a number'));
    expect((await serverValues()).desk).toBeNull();

    agent.kill('SIGTERM');
    expect(await agent.exit).toBe(0);
  }, 120_000);
});
