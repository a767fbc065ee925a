import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '@openums/protocol';
import { enrollDevice, PinningError } from '../src/enroll/enroll.js';
import { EstError } from '../src/enroll/est-client.js';
import { loadIdentity } from '../src/identity/state.js';
import { createLogger, silentLogger } from '../src/lib/log.js';
import { RecordingPlatform } from '../src/platform/recording.js';
import { runAgent } from '../src/run/run-agent.js';
import { FakeServer } from './support/fake-server.js';

let server: FakeServer;
beforeAll(async () => {
  server = await FakeServer.start();
});
afterAll(() => server.close());

const tmp = () => mkdtempSync(join(tmpdir(), 'agent-state-'));
const mode = (p: string) => statSync(p).mode & 0o777;

function captureLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) };
}

describe('enroll against a fake EST server', () => {
  it('pins the CA on first use with a warning, enrolls and stores the identity 0600/0700', async () => {
    const dir = join(tmp(), 'state');
    const { lines, log } = captureLog();
    const id = await enrollDevice({ server: server.url, key: 'good-key', stateDir: dir, unitId: 'UNIT-1', name: 'kiosk-7', log });
    expect(id.record).toMatchObject({ server: server.url, unitId: 'UNIT-1', caFingerprint: server.caFingerprint });
    expect(id.record.deviceId).toBeGreaterThanOrEqual(100);
    expect(lines.join('')).toContain(`WARNING: trusting the server CA on first use, fingerprint ${server.caFingerprint}`);
    expect(mode(dir)).toBe(0o700);
    for (const f of ['device.key', 'device.crt', 'server-ca.pem', 'agent.json', 'device-ca.pem']) expect(mode(join(dir, f))).toBe(0o600);
    expect(readFileSync(join(dir, 'server-ca.pem'), 'utf8')).toBe(server.webCa.certPem.replace(/\r?\n?$/, '\n'));
    const sent = server.enrollments.at(-1)!;
    expect(sent.info).toMatchObject({ unitId: 'UNIT-1', hostname: 'kiosk-7' });
    expect(sent.info.mac).toMatch(/^[0-9A-F]{12}$/);
    await expect(enrollDevice({ server: server.url, key: 'good-key', stateDir: dir, log: silentLogger })).rejects.toThrow(
      /already enrolled/,
    );
  });

  it('accepts a matching fingerprint and refuses a different one', async () => {
    const ok = await enrollDevice({
      server: server.url,
      key: 'good-key',
      stateDir: tmp(),
      caFingerprint: server.caFingerprint.toLowerCase(),
      log: silentLogger,
    });
    expect(ok.record.unitId).toMatch(/^[0-9A-F]{12}$/);
    const wrong = `sha256:${'00:'.repeat(31)}00`;
    const dir = tmp();
    await expect(
      enrollDevice({ server: server.url, key: 'good-key', stateDir: dir, caFingerprint: wrong, log: silentLogger }),
    ).rejects.toThrow(PinningError);
    expect(existsSync(join(dir, 'device.key'))).toBe(false);
  });

  it('reports the server error code for a wrong key and Retry-After for rate limiting', async () => {
    const err = await enrollDevice({ server: server.url, key: 'nope', stateDir: tmp(), log: silentLogger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EstError);
    expect((err as EstError).message).toContain('HTTP 401 ENROLLMENT_KEY_INVALID: The enrollment key is not valid');
    const limited = (await enrollDevice({ server: server.url, key: 'rate-limited', stateDir: tmp(), log: silentLogger }).catch(
      (e: unknown) => e,
    )) as EstError;
    expect(limited.status).toBe(429);
    expect(limited.retryAfterSeconds).toBe(1);
  });

  it('asks again with the same key after an enrollment without an answer, and forgets it once enrolled', async () => {
    const dir = tmp();
    await expect(enrollDevice({ server: server.url, key: 'nope', stateDir: dir, log: silentLogger })).rejects.toThrow(EstError);
    const pending = join(dir, 'enroll-pending.key');
    expect(mode(pending)).toBe(0o600);
    const keyPem = readFileSync(pending, 'utf8');
    await enrollDevice({ server: server.url, key: 'good-key', stateDir: dir, log: silentLogger });
    // The server was asked for (and certified) the key of the first attempt: the same device.
    expect(readFileSync(join(dir, 'device.key'), 'utf8')).toBe(keyPem);
    expect(existsSync(pending)).toBe(false);
  });
});

describe('run against a fake gateway', () => {
  it('says hello, heartbeats, runs commands once, resumes TLS, and stops on 4004 (device deleted)', async () => {
    const dir = tmp();
    await enrollDevice({ server: `https://127.0.0.1:${server.port}`, key: 'good-key', stateDir: dir, unitId: 'RUN-1', log: silentLogger });
    const platform = new RecordingPlatform({ unitId: 'RUN-1', mac: '020000000099' });
    const connected = server.nextConnection();
    const exit = runAgent({ stateDir: dir, platform, log: silentLogger, handleSignals: false });

    const c1 = await connected;
    expect(c1.cn).toMatch(/^device-\d+$/);
    const hello = await c1.next((m) => m.t === 'hello');
    expect(hello).toMatchObject({ t: 'hello', v: 1, unitId: 'RUN-1', system: { macs: ['020000000099'] } });
    expect(await c1.next((m) => m.t === 'heartbeat', 5000)).toMatchObject({ t: 'heartbeat', uptime: expect.any(Number) });

    c1.ws.send(JSON.stringify({ t: 'command', id: 41, command: 'send-message', text: 'hi' }));
    expect(await c1.next((m) => m.t === 'ack')).toEqual({ t: 'ack', id: 41 });
    expect(await c1.next((m) => m.t === 'result')).toEqual({ t: 'result', id: 41, ok: true, message: 'message shown' });
    c1.ws.send(JSON.stringify({ t: 'command', id: 42, command: 'reboot' }));
    expect(await c1.next((m) => m.t === 'result')).toMatchObject({ id: 42, ok: true });
    c1.ws.send('{"t":"nonsense"}');

    // Connection loss: the agent comes back (backoff ≤ 1 s), resumes the TLS session, and a
    // redelivered command is answered from the record without running again.
    const again = server.nextConnection();
    c1.ws.terminate();
    const c2 = await again;
    expect(c2.resumed).toBe(true);
    await c2.next((m) => m.t === 'hello');
    c2.ws.send(JSON.stringify({ t: 'command', id: 41, command: 'send-message', text: 'hi' }));
    expect(await c2.next((m) => m.t === 'result')).toEqual({ t: 'result', id: 41, ok: true, message: 'message shown' });
    expect(platform.actions.map((a) => a.action)).toEqual(['showMessage', 'reboot']);
    expect(existsSync(join(dir, 'tls-session.bin'))).toBe(true);

    c2.ws.close(CloseCode.Deleted, 'deleted');
    expect(await exit).toBe(3);
    for (const f of ['device.key', 'device.crt', 'agent.json', 'tls-session.bin', 'commands.json'])
      expect(existsSync(join(dir, f))).toBe(false);
  });

  it('even a restarted agent resumes its TLS session (ticket persisted); factory reset wipes and exits 0', async () => {
    const dir = tmp();
    await enrollDevice({ server: `https://127.0.0.1:${server.port}`, key: 'good-key', stateDir: dir, unitId: 'RUN-2', log: silentLogger });
    const platform = new RecordingPlatform({ unitId: 'RUN-2', mac: '020000000098' });
    let stop!: () => void;
    let conn = server.nextConnection();
    const first = runAgent({
      stateDir: dir,
      platform,
      log: silentLogger,
      handleSignals: false,
      stopSignal: new Promise<void>((r) => (stop = r)),
    });
    const c1 = await conn;
    expect(c1.resumed).toBe(false);
    await c1.next((m) => m.t === 'hello');
    await c1.next((m) => m.t === 'heartbeat', 5000);
    stop();
    expect(await first).toBe(0);

    conn = server.nextConnection();
    const second = runAgent({ stateDir: dir, platform, log: silentLogger, handleSignals: false });
    const c2 = await conn;
    expect(c2.resumed).toBe(true);
    await c2.next((m) => m.t === 'hello');
    c2.ws.send(JSON.stringify({ t: 'command', id: 77, command: 'reset-factory-defaults' }));
    expect(await c2.next((m) => m.t === 'result')).toMatchObject({ id: 77, ok: true });
    expect(await second).toBe(0);
    expect(existsSync(join(dir, 'device.key'))).toBe(false);
  });

  it('waits retry-after on bye, refuses power actions by config, renews an ageing certificate', async () => {
    const dir = tmp();
    server.lifetimeDays = 30;
    server.notBeforeDaysAgo = 25;
    const enrolled = await enrollDevice({
      server: `https://127.0.0.1:${server.port}`,
      key: 'good-key',
      stateDir: dir,
      unitId: 'RUN-3',
      log: silentLogger,
    });
    server.lifetimeDays = 365;
    server.notBeforeDaysAgo = 1;
    writeFileSync(join(dir, 'agent-config.json'), JSON.stringify({ allowPowerActions: false }));
    const platform = new RecordingPlatform({ unitId: 'RUN-3', mac: '020000000097', allowPowerActions: false });
    let stop!: () => void;
    const conn = server.nextConnection();
    const exit = runAgent({
      stateDir: dir,
      platform,
      log: silentLogger,
      handleSignals: false,
      stopSignal: new Promise<void>((r) => (stop = r)),
    });
    const c1 = await conn;
    // renewed before connecting: same device, new certificate
    expect(server.enrollments.at(-1)).toMatchObject({ unitId: 'RUN-3', renewal: true });
    const renewed = loadIdentity(dir);
    expect(renewed.certPem).not.toBe(enrolled.certPem);
    expect(c1.cn).toBe(`device-${enrolled.record.deviceId}`);

    await c1.next((m) => m.t === 'hello');
    c1.ws.send(JSON.stringify({ t: 'command', id: 5, command: 'shutdown' }));
    expect(await c1.next((m) => m.t === 'result')).toEqual({
      t: 'result',
      id: 5,
      ok: false,
      message: 'power actions disabled in agent config',
    });

    const t0 = Date.now();
    const c2p = server.nextConnection();
    c1.ws.send(JSON.stringify({ t: 'bye', code: 'SERVER_BUSY', message: 'busy', retryAfterSeconds: 1 }));
    c1.ws.close(CloseCode.Busy, 'busy');
    await c2p;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    stop();
    expect(await exit).toBe(0);
  });
});
