import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_WS_PATH } from '@openums/protocol';
import { Backoff } from '../src/connection/backoff.js';
import { DeviceClient, type ClientEvents } from '../src/connection/device-client.js';
import { TimerWheel } from '../src/connection/timer-wheel.js';
import { MemorySessionStore } from '../src/connection/tls-session.js';
import { enrollDevice } from '../src/enroll/enroll.js';
import { MemoryCommandStore } from '../src/handlers/command-store.js';
import { silentLogger } from '../src/lib/log.js';
import { Semaphore } from '../src/lib/semaphore.js';
import { RecordingPlatform } from '../src/platform/recording.js';
import { FakeServer } from './support/fake-server.js';
import { createTestCa, issueServerCert } from './support/pki.js';

let server: FakeServer;
beforeAll(async () => {
  server = await FakeServer.start();
});
afterAll(() => server.close());

function client(creds: { cert: string; key: string; ca: string }, events: ClientEvents = {}, gate?: Semaphore) {
  const store = new MemoryCommandStore();
  return new DeviceClient({
    url: `wss://127.0.0.1:${server.port}${DEVICE_WS_PATH}`,
    unitId: 'DC-1',
    credentials: () => creds,
    platform: new RecordingPlatform({ unitId: 'DC-1', mac: '020000000042' }),
    store: () => store,
    sessions: new MemorySessionStore(),
    wheel: new TimerWheel(20),
    log: silentLogger,
    backoff: new Backoff({ baseMs: 50, capMs: 200 }),
    gate,
    events,
  });
}

/** A device enrolled with the fake server (its own state directory). */
const enrolled = (unitId: string) =>
  enrollDevice({
    server: `https://127.0.0.1:${server.port}`,
    key: 'good-key',
    stateDir: mkdtempSync(join(tmpdir(), 'dc-')),
    unitId,
    log: silentLogger,
  });

describe('DeviceClient', () => {
  it('counts a refused client certificate as a failed attempt and keeps retrying with backoff', async () => {
    const rogueCa = await createTestCa('Rogue');
    const rogue = await issueServerCert(rogueCa);
    const failures: string[] = [];
    const c = client(
      { cert: rogue.certPem, key: rogue.keyPem, ca: server.webCa.certPem },
      { connectFailed: (_c, why) => failures.push(why) },
    );
    c.start();
    while (failures.length < 3) await new Promise((r) => setTimeout(r, 20));
    expect(failures[0]).toMatch(/401/);
    await c.stop();
    expect(c.state).toBe('stopped');
  });

  it('refuses a server whose certificate is not from the pinned CA', async () => {
    const id = await enrolled('DC-1');
    const other = await createTestCa('Other');
    const failures: string[] = [];
    const c = client({ cert: id.certPem, key: id.keyPem, ca: other.certPem }, { connectFailed: (_c, why) => failures.push(why) });
    c.start();
    while (failures.length < 1) await new Promise((r) => setTimeout(r, 20));
    expect(failures[0]).toMatch(/certificate/i);
    expect(server.connections.some((x) => x.cn === `device-${id.record.deviceId}`)).toBe(false);
    await c.stop();
  });

  it('gets out of a session whose resumption is refused: the next attempt is a full handshake', async () => {
    const id = await enrolled('DC-3');
    // A server still starting: it cannot verify the device, refuses it (401) and hands out a
    // session that keeps that verdict.
    server.trustDeviceCa(false);
    const failures: string[] = [];
    const c = client({ cert: id.certPem, key: id.keyPem, ca: id.caPem }, { connectFailed: (_c, why) => failures.push(why) });
    const online = server.nextConnection();
    try {
      c.start();
      while (failures.length < 1) await new Promise((r) => setTimeout(r, 10));
      expect(failures[0]).toMatch(/401/);
      // Ready: sessions of the untrusted context still resume here, verdict included.
      server.trustDeviceCa(true);
      const conn = await online.catch((e) => {
        throw new Error(`${e.message} (${failures.length} attempts refused, e.g. ${failures[0]})`);
      });
      expect(conn.cn).toBe(`device-${id.record.deviceId}`);
      expect(conn.resumed).toBe(false);
      while (c.state !== 'online') await new Promise((r) => setTimeout(r, 10));
      // One refused resumption at most (the attempt that may have begun before the swap), then a full handshake.
      expect(failures.length).toBeLessThanOrEqual(3);
    } finally {
      server.trustDeviceCa(true);
      await c.stop();
    }
  });

  it('drops its stored session after a resumed attempt was refused', async () => {
    const id = await enrolled('DC-4');
    const failures: string[] = [];
    const c = client({ cert: id.certPem, key: id.keyPem, ca: id.caPem }, { connectFailed: (_c, why) => failures.push(why) });
    try {
      const first = server.nextConnection();
      c.start();
      const online = async () => {
        while (c.state !== 'online') await new Promise((r) => setTimeout(r, 10));
      };
      const a = await first;
      expect(a.resumed).toBe(false);
      await online();
      // Reconnects resume the session kept from an accepted connection...
      let next = server.nextConnection();
      a.ws.terminate();
      const b = await next;
      expect(b.resumed).toBe(true);
      await online();
      // ...until a resumed attempt is refused: the one after it is a full handshake.
      server.refuseUpgrades = 1;
      next = server.nextConnection();
      b.ws.terminate();
      const d = await next;
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(/401/);
      expect(d.resumed).toBe(false);
    } finally {
      server.refuseUpgrades = 0;
      await c.stop();
    }
  });

  it('keeps the session of its accepted connection when an attempt is refused (a server still starting)', async () => {
    const id = await enrolled('DC-5');
    const failures: string[] = [];
    const c = client(
      { cert: id.certPem, key: id.keyPem, ca: id.caPem },
      {
        connectFailed: (_c, why) => {
          // Ready again before the next attempt.
          if (failures.push(why) === 1) server.trustDeviceCa(true);
        },
      },
    );
    try {
      const first = server.nextConnection();
      c.start();
      const a = await first;
      while (c.state !== 'online') await new Promise((r) => setTimeout(r, 10));
      // A process still starting: its sessions are of another context (nothing resumes across),
      // it cannot verify the device and refuses it.
      server.trustDeviceCa(false, 'fake-starting');
      const next = server.nextConnection();
      a.ws.terminate();
      const b = await next;
      expect(failures).toHaveLength(1);
      // The refused attempt's session was not kept: the good one resumes.
      expect(b.resumed).toBe(true);
    } finally {
      server.trustDeviceCa(true);
      await c.stop();
    }
  });

  it('treats bye DEVICE_DELETED as deletion even with a normal close code; releases the handshake gate', async () => {
    const id = await enrolled('DC-2');
    const gate = new Semaphore(1);
    const states: string[] = [];
    const c = client({ cert: id.certPem, key: id.keyPem, ca: id.caPem }, { stateChanged: (_c, _f, to) => states.push(to) }, gate);
    const conn = server.nextConnection();
    c.start();
    const s = await conn;
    await s.next((m) => m.t === 'hello');
    while (c.state !== 'online') await new Promise((r) => setTimeout(r, 10));
    expect(gate.inUse).toBe(0);
    s.ws.send(JSON.stringify({ t: 'bye', code: 'DEVICE_DELETED', message: 'gone' }));
    s.ws.close(1000);
    expect(await c.done).toEqual({ reason: 'deleted', message: 'gone' });
    expect(states).toEqual(['connecting', 'online', 'stopped']);
  });
});
