import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@openums/protocol';
import { applyJoinToken, createJoinToken } from '../../src/cluster/join.js';
import { RECHECK_INTERVAL_MS } from '../../src/modules/monitoring/health.service.js';
import { enroll, sysinfo, TestDevice } from '../helpers/device.js';
import { hashOf } from '../helpers/live-server.js';
import { freePort } from '../helpers/net.js';
import { PrivatePostgres } from '../helpers/private-postgres.js';
import { ServerProcess } from '../helpers/server-process.js';
import { sleep, until } from '../helpers/wait.js';

/**
 * A real PostgreSQL restart under a two-process cluster: the test runs its own PostgreSQL
 * (initdb in a temporary directory, never the machine's shared service), stops it with
 * `pg_ctl stop -m fast` as a service restart would, and starts it again on the same port.
 *
 * Catch-up runs only every 30 s here, so a command that crosses processes within seconds of the
 * recovery went through PostgreSQL's LISTEN/NOTIFY: the bus listens again.
 */
const ENV = {
  OPENUMS_CLUSTER_BEAT_SECONDS: '1',
  OPENUMS_CLUSTER_CATCH_UP_SECONDS: '30',
  OPENUMS_CLUSTER_LEASE_SECONDS: '4',
};
const [A, B] = [0, 1];

type Held = { unitId: string; id: number; creds: Awaited<ReturnType<typeof enroll>>; dev: TestDevice | null };

describe('a real PostgreSQL restart under two server processes', () => {
  let pgsql: PrivatePostgres | undefined;
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  /** onA and onB stay connected through the outage; away is offline while its command is queued. */
  const devices: Record<'onA' | 'onB' | 'away', Held> = {} as never;
  /** Commands created before the outage: `acked` was acknowledged by onB, `queued` waits for away. */
  const before = { acked: 0, queued: 0 };

  const connect = async (s: number, d: Held) => {
    const dev = (await TestDevice.connect(servers[s]!.t, d.creds)) as TestDevice;
    dev.send({ t: 'hello', v: PROTOCOL_VERSION, unitId: d.unitId, system: sysinfo(), settingsHash: hashOf({}) });
    await dev.next((m) => m.t === 'welcome');
    d.dev = dev;
  };
  const status = async (s: number) => (await servers[s]!.api('GET', '/ums/check-status')).body as { status: string; reasons?: string[] };
  const logs = () => servers.map((s, i) => `--- ${'AB'[i]} ---\n${s.logs.slice(-3000)}`).join('\n');
  const logLines = (s: number, msg: RegExp) =>
    servers[s]!.logs.split('\n').filter((l) => {
      try {
        return msg.test((JSON.parse(l) as { msg: string }).msg);
      } catch {
        return false;
      }
    });

  beforeAll(async () => {
    pgsql = await PrivatePostgres.create();
    const databaseUrl = await pgsql.createDatabase('openums');
    const dirA = mkdtempSync(join(tmpdir(), 'openums-test-pgr-'));
    const dirB = mkdtempSync(join(tmpdir(), 'openums-test-pgr-'));
    dirs.push(dirA, dirB);
    const a = new ServerProcess({ dataDir: dirA, databaseUrl }, await freePort());
    servers.push(a);
    await a.start(ENV, [], { captureLogs: 'info' });
    // B joins A's installation with a join token, as a second host would.
    applyJoinToken(dirB, createJoinToken(dirA));
    const b = new ServerProcess({ dataDir: dirB, databaseUrl }, await freePort());
    servers.push(b);
    await b.start(ENV, [], { captureLogs: 'info' });

    const key = (await a.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret;
    for (const [name, unitId] of [
      ['onA', '02EE00000001'],
      ['onB', '02EE00000002'],
      ['away', '02EE00000003'],
    ] as const) {
      const creds = await enroll(a.t, key, { unitId, mac: unitId });
      expect(creds.status).toBe(200);
      devices[name] = { unitId, id: 0, creds, dev: null };
    }
    await connect(A, devices.onA);
    await connect(B, devices.onB);
    const list = (await a.api('GET', '/api/v1/devices?limit=100')).body.items as Array<{ id: number; unitId: string }>;
    for (const d of Object.values(devices)) d.id = list.find((x) => x.unitId === d.unitId)!.id;
  }, 90_000);

  afterAll(async () => {
    for (const d of Object.values(devices)) d.dev?.close();
    for (const s of servers) await s.kill().catch(() => undefined);
    await pgsql?.remove();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it('before the outage: both ok, a command acknowledged on B, one queued for an offline device', async () => {
    expect(await status(A)).toEqual({ status: 'ok' });
    expect(await status(B)).toEqual({ status: 'ok' });
    const r = await servers[A]!.api('POST', '/api/v1/devices/commands', {
      command: 'send-message',
      deviceIds: [devices.onB.id],
      text: 'hi',
    });
    expect(r.status).toBe(201);
    before.acked = r.body.commands[0].id;
    const cmd = await devices.onB.dev!.next((m) => m.t === 'command' && m.id === before.acked, 5000);
    devices.onB.dev!.send({ t: 'ack', id: cmd.id });
    await until(
      'acknowledged',
      async () => (await servers[B]!.api('GET', `/api/v1/commands/${before.acked}`)).body.state === 'acknowledged',
    );
    const q = await servers[A]!.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [devices.away.id] });
    expect(q.body.commands[0].state).toBe('queued');
    before.queued = q.body.commands[0].id;
  });

  it('PostgreSQL stopped: check-status err with a reason on both, devices stay connected, a new command gets 503', async () => {
    await pgsql!.stop('fast');
    const stoppedAt = Date.now();
    for (const s of [A, B]) {
      const r = await until(
        `check-status err on ${'AB'[s]}`,
        async () => {
          const st = await status(s);
          return st.status === 'err' && st;
        },
        RECHECK_INTERVAL_MS + 5000,
        logs,
      );
      expect(r.reasons).toContain('the database does not answer');
    }
    expect(Date.now() - stoppedAt).toBeLessThan(RECHECK_INTERVAL_MS + 5000);

    // The device finishes its command while the database is down: the state is written later.
    devices.onB.dev!.send({ t: 'result', id: before.acked, ok: true });

    // An API call that needs the database: a clear, retryable refusal, not an internal error.
    const r = await servers[A]!.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [devices.onA.id] });
    expect(r.status, JSON.stringify(r.body)).toBe(503);
    expect(r.body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(r.headers['retry-after']).toBeDefined();

    // Several device pings (every 2 s) pass without the database: nobody is disconnected.
    await sleep(Math.max(0, stoppedAt + 7000 - Date.now()));
    expect(devices.onA.dev!.closed).toBeNull();
    expect(devices.onB.dev!.closed).toBeNull();
    // Each process says so once, not once per failed attempt.
    for (const s of [A, B]) {
      expect(logLines(s, /^the database does not answer/), logs()).toHaveLength(1);
      expect(logLines(s, /^cluster bus: PostgreSQL connection lost/), logs()).toHaveLength(1);
    }
  }, 30_000);

  it('PostgreSQL started on the same port: ok on both, the bus listens again, nothing lost or repeated', async () => {
    await pgsql!.start();
    const startedAt = Date.now();
    for (const s of [A, B]) {
      await until(`check-status ok on ${'AB'[s]}`, async () => (await status(s)).status === 'ok', RECHECK_INTERVAL_MS + 5000, logs);
    }
    const okAfter = Date.now() - startedAt;

    // A command created on A right away reaches B's device within 2 s (B listens again within
    // 2 s of the restart and then catches up at once; the periodic catch-up is 30 s away).
    const send = async (text: string) => {
      const sentAt = Date.now();
      const r = await servers[A]!.api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [devices.onB.id], text });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const id = r.body.commands[0].id as number;
      const cmd = await devices.onB
        .dev!.next((m) => m.t === 'command' && m.id === id, 2000)
        .catch((e: Error) => {
          throw new Error(`${e.message}\n${logs()}`);
        });
      devices.onB.dev!.send({ t: 'ack', id: cmd.id });
      devices.onB.dev!.send({ t: 'result', id: cmd.id, ok: true });
      return { id, latency: Date.now() - sentAt };
    };
    const first = await send('back');
    // Both processes said when the database came back: the bus and the beats.
    for (const s of [A, B]) {
      await until(
        `${'AB'[s]} logs the recovery`,
        async () =>
          logLines(s, /^cluster bus: listening on PostgreSQL again/).length === 1 &&
          logLines(s, /^the database answers again/).length === 1,
        5000,
        logs,
      );
    }
    // Listening again: the next one goes through NOTIFY, as fast as before the outage.
    const second = await send('back again');
    expect(second.latency).toBeLessThan(1000);
    console.log(
      `check-status ok ${okAfter} ms after PostgreSQL started; command A → device on B in ${first.latency} ms, then ${second.latency} ms`,
    );

    // The result sent during the outage was written once the database answered again.
    await until(
      'the command finished during the outage is succeeded',
      async () => (await servers[A]!.api('GET', `/api/v1/commands/${before.acked}`)).body.state === 'succeeded',
    );
    // The device that was away comes back (to B) and gets its queued command, once.
    await connect(B, devices.away);
    const queued = await devices.away.dev!.next((m) => m.t === 'command' && m.id === before.queued, 5000);
    devices.away.dev!.send({ t: 'ack', id: queued.id });
    devices.away.dev!.send({ t: 'result', id: queued.id, ok: true });
    await until(
      'queued command succeeded',
      async () => (await servers[A]!.api('GET', `/api/v1/commands/${before.queued}`)).body.state === 'succeeded',
    );
    // Every device is online in the registry of the cluster, held by a running server.
    await until('both servers running, every device online', async () => {
      const items = (await servers[A]!.api('GET', '/api/v1/servers')).body.items as Array<{ status: string }>;
      const devs = (await servers[A]!.api('GET', '/api/v1/devices?limit=100')).body.items as Array<{ online: boolean }>;
      return items.length === 2 && items.every((s) => s.status === 'running') && devs.every((d) => d.online);
    });

    // The outage silenced every process at once: that is no reason to declare one dead.
    for (const s of [A, B]) expect(logLines(s, /declared dead/), logs()).toEqual([]);

    // Nothing is sent twice: not after the reconnect, not by a catch-up round.
    await sleep(2500);
    const all = [...devices.onB.dev!.received, ...devices.away.dev!.received].filter((m) => m.t === 'command');
    expect(all.filter((m) => [before.acked, before.queued, first.id, second.id].includes(m.id))).toEqual([]);
    expect(devices.onA.dev!.closed).toBeNull();
    expect(devices.onB.dev!.closed).toBeNull();
  }, 40_000);
});
